using Microsoft.Extensions.Configuration;

namespace Llm.Stack.Cli;

/// <summary>
/// Builds the CLI's configuration through the standard stack, lowest precedence first: <c>llmstack.json</c> in the
/// working directory (or the file given by <c>--config</c>), environment variables (<c>LlmStack__Chat__Model</c>
/// and the shortcuts <c>LLMSTACK_ENDPOINT</c>, <c>LLMSTACK_API_KEY</c>, <c>LLMSTACK_MODEL</c>, <c>LLMSTACK_SERVER_API_KEY</c>), then command-line
/// options. The keys are those of <c>services.AddLlmStack(configuration)</c>.
/// </summary>
internal static class CliConfiguration
{
    public const string DefaultFileName = "llmstack.json";

    public static IConfigurationRoot Build(string workingDirectory, string? configFile, IReadOnlyDictionary<string, string?> commandLine, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? path = configFile is not null
            ? Path.GetFullPath(configFile, workingDirectory)
            : Path.Combine(workingDirectory, DefaultFileName);

        if (configFile is not null && !File.Exists(path))
        {
            throw new CliException($"The configuration file '{path}' does not exist.");
        }

        var builder = new ConfigurationBuilder();
        if (File.Exists(path))
        {
            ValidateJson(path);
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        environment ??= Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

        // Standard form: LlmStack__Chat__Model=...
        builder.AddInMemoryCollection(environment
            .Where(e => e.Key.StartsWith(LlmStackOptions.SectionName + "__", StringComparison.OrdinalIgnoreCase))
            .Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)));

        // Shortcuts for an OpenAI-compatible endpoint.
        var shortcuts = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (environment.TryGetValue("LLMSTACK_ENDPOINT", out string? endpoint) && !string.IsNullOrWhiteSpace(endpoint))
        {
            shortcuts["LlmStack:Chat:Provider"] = ChatProviders.OpenAI;
            shortcuts["LlmStack:Chat:Endpoint"] = endpoint;
        }

        if (environment.TryGetValue("LLMSTACK_API_KEY", out string? apiKey) && !string.IsNullOrWhiteSpace(apiKey))
        {
            shortcuts["LlmStack:Chat:ApiKey"] = apiKey;
        }

        if (environment.TryGetValue(CliApp.ServerApiKeyVariable, out string? serverKey) && !string.IsNullOrWhiteSpace(serverKey))
        {
            shortcuts["LlmStack:Server:ApiKey"] = serverKey;
        }

        if (environment.TryGetValue("LLMSTACK_MODEL", out string? model) && !string.IsNullOrWhiteSpace(model))
        {
            shortcuts["LlmStack:Chat:Model"] = model;
        }

        builder.AddInMemoryCollection(shortcuts);
        builder.AddInMemoryCollection(commandLine);
        return builder.Build();
    }

    /// <summary>Parses the file first so that a malformed file is reported with its line and the problem.</summary>
    private static void ValidateJson(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            using var document = System.Text.Json.JsonDocument.Parse(stream, new System.Text.Json.JsonDocumentOptions
            {
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new CliException($"The configuration file '{path}' must hold a JSON object, such as {{ \"LlmStack\": {{ \"Chat\": {{ ... }} }} }}.");
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"The configuration file '{path}' is not valid JSON: {e.Message}");
        }
        catch (IOException e)
        {
            throw new CliException($"The configuration file '{path}' cannot be read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"The configuration file '{path}' cannot be read: {e.Message}");
        }
    }
}
