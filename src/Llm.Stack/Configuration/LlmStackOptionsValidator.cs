using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>Checks <see cref="LlmStackOptions"/> and names the configuration key of every problem.</summary>
internal sealed class LlmStackOptionsValidator : IValidateOptions<LlmStackOptions>
{
    private const string Chat = LlmStackOptions.SectionName + ":Chat:";
    private const string Embeddings = LlmStackOptions.SectionName + ":Embeddings:";
    private const string Store = LlmStackOptions.SectionName + ":VectorStore:";
    private const string Server = LlmStackOptions.SectionName + ":Server:";
    private const string AnthropicApiKeyVariable = "ANTHROPIC_API_KEY";

    public ValidateOptionsResult Validate(string? name, LlmStackOptions options)
    {
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add($"{LlmStackOptions.SectionName}:DataDirectory must not be empty.");
        }

        CheckChatModel(errors, Chat, options.Chat ?? new(), named: false);
        CheckEmbeddingModel(errors, Embeddings, options.Embeddings ?? new(), named: false);
        foreach ((string model, ChatModelSettings settings) in options.ChatModels)
        {
            CheckModelName(errors, $"{LlmStackOptions.SectionName}:ChatModels:{model}", model);
            CheckChatModel(errors, $"{LlmStackOptions.SectionName}:ChatModels:{model}:", settings ?? new(), named: true);
        }

        foreach ((string model, EmbeddingModelSettings settings) in options.EmbeddingModels)
        {
            CheckModelName(errors, $"{LlmStackOptions.SectionName}:EmbeddingModels:{model}", model);
            CheckEmbeddingModel(errors, $"{LlmStackOptions.SectionName}:EmbeddingModels:{model}:", settings ?? new(), named: true);
        }

        VectorStoreSettings store = options.VectorStore ?? new();
        if (CheckProvider(errors, Store + "Provider", store.Provider, required: false)
            && string.Equals(store.Provider, VectorStoreProviders.Chroma, StringComparison.OrdinalIgnoreCase))
        {
            RequireEndpoint(errors, Store + "Endpoint", store.Endpoint, store.Provider);
        }

        if (string.Equals(store.Provider, VectorStoreProviders.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            Require(errors, Store + "ConnectionString", store.ConnectionString, store.Provider!);
        }

        if (!string.Equals(store.IndexKind, "flat", StringComparison.OrdinalIgnoreCase) && !string.Equals(store.IndexKind, "hnsw", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Store}IndexKind must be 'flat' or 'hnsw', but is '{store.IndexKind}'.");
        }

        if (string.Equals(store.IngestionState, VectorStoreSettings.StoreIngestionState, StringComparison.OrdinalIgnoreCase))
        {
            if (store.Provider is null || string.Equals(store.Provider, VectorStoreProviders.InMemory, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{Store}IngestionState is 'store', which needs a server that keeps the chunks itself: set {Store}Provider to 'postgres' or 'chroma'.");
            }
        }
        else if (!string.Equals(store.IngestionState, VectorStoreSettings.FileIngestionState, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Store}IngestionState must be 'file' or 'store', but is '{store.IngestionState}'.");
        }

        if (string.IsNullOrWhiteSpace(store.CollectionName))
        {
            errors.Add($"{Store}CollectionName must not be empty.");
        }

        CheckServer(errors, options.Server ?? new());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Checks one chat model's settings (<c>LlmStack:Chat</c>, or a named model when <paramref name="named"/>: its provider is then required and may not be <c>none</c>).</summary>
    private static void CheckChatModel(List<string> errors, string prefix, ChatModelSettings chat, bool named)
    {
        if (CheckProvider(errors, prefix + "Provider", chat.Provider, required: true))
        {
            switch (chat.Provider.ToLowerInvariant())
            {
                case ChatProviders.None when named:
                    errors.Add($"{prefix}Provider is required: a named model needs a provider other than 'none', such as openai.");
                    break;
                case ChatProviders.Onnx:
                    RequireModel(errors, prefix + "ModelPath", chat.ModelPath, chat.Provider, fileAllowed: false);
                    break;
                case ChatProviders.OpenAI:
                    RequireEndpoint(errors, prefix + "Endpoint", chat.Endpoint, chat.Provider);
                    Require(errors, prefix + "Model", chat.Model, chat.Provider);
                    break;
                case ChatProviders.Ollama:
                    CheckEndpoint(errors, prefix + "Endpoint", chat.Endpoint);
                    Require(errors, prefix + "Model", chat.Model, chat.Provider);
                    break;
                case ChatProviders.Anthropic:
                    CheckEndpoint(errors, prefix + "Endpoint", chat.Endpoint);
                    Require(errors, prefix + "Model", chat.Model, chat.Provider);
                    if (string.IsNullOrWhiteSpace(chat.ApiKey) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AnthropicApiKeyVariable)))
                    {
                        errors.Add($"{prefix}ApiKey is required when the provider is '{chat.Provider}' (or set the {AnthropicApiKeyVariable} environment variable).");
                    }

                    break;
            }
        }

        CheckChatAdapters(errors, prefix, chat);
        if (chat.ContextWindow is < 1)
        {
            errors.Add($"{prefix}ContextWindow must be a positive number of tokens, but is {chat.ContextWindow}.");
        }

        if (chat.MaxOutputTokens is < 1)
        {
            errors.Add($"{prefix}MaxOutputTokens must be a positive number of tokens, but is {chat.MaxOutputTokens}.");
        }

        if (chat.DeviceId < 0)
        {
            errors.Add($"{prefix}DeviceId must be zero or more, but is {chat.DeviceId}.");
        }
    }

    /// <summary>LoRA adapters belong to a local (<c>onnx</c>) model and must exist; whether a file is an adapter is checked when the model loads it.</summary>
    private static void CheckChatAdapters(List<string> errors, string prefix, ChatModelSettings chat)
    {
        if (chat.Adapters.Count == 0)
        {
            return;
        }

        if (!string.Equals(chat.Provider, ChatProviders.Onnx, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{prefix}Adapters names LoRA adapters ({string.Join(", ", chat.Adapters.Keys)}), which only a local model takes: set {prefix}Provider to 'onnx', or remove the adapters.");
            return;
        }

        foreach ((string name, string path) in chat.Adapters)
        {
            string fullPath = Path.GetFullPath(path);
            if (!File.Exists(fullPath))
            {
                errors.Add($"{prefix}Adapters:{name} is '{path}', but the adapter file '{fullPath}' does not exist.");
            }
        }
    }

    /// <summary>Checks one embedding model's settings (<c>LlmStack:Embeddings</c>, or a named model when <paramref name="named"/>: its provider is then required).</summary>
    private static void CheckEmbeddingModel(List<string> errors, string prefix, EmbeddingModelSettings embeddings, bool named)
    {
        if (CheckProvider(errors, prefix + "Provider", embeddings.Provider, required: named))
        {
            switch (embeddings.Provider.ToLowerInvariant())
            {
                case EmbeddingProviders.Onnx:
                    RequireModel(errors, prefix + "ModelPath", embeddings.ModelPath, embeddings.Provider, fileAllowed: true);
                    break;
                case EmbeddingProviders.OpenAI:
                    RequireEndpoint(errors, prefix + "Endpoint", embeddings.Endpoint, embeddings.Provider);
                    Require(errors, prefix + "Model", embeddings.Model, embeddings.Provider);
                    break;
                case EmbeddingProviders.Ollama:
                    CheckEndpoint(errors, prefix + "Endpoint", embeddings.Endpoint);
                    Require(errors, prefix + "Model", embeddings.Model, embeddings.Provider);
                    break;
            }
        }

        if (embeddings.DeviceId < 0)
        {
            errors.Add($"{prefix}DeviceId must be zero or more, but is {embeddings.DeviceId}.");
        }

        if (embeddings.Adapter is not null)
        {
            CheckAdapter(errors, prefix + "Adapter", embeddings.Adapter);
        }

        if (embeddings.BatchSize is < 1 or > 2048)
        {
            errors.Add($"{prefix}BatchSize must be from 1 to 2048, but is {embeddings.BatchSize}.");
        }
    }

    /// <summary>A model's name is its service key: it must have a visible character and no surrounding space.</summary>
    private static void CheckModelName(List<string> errors, string key, string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length)
        {
            errors.Add($"{key} is not a usable model name: a name must not be empty or start or end with white space.");
        }
    }

    /// <summary>The server listens on an IP address; beyond loopback only with an API key; CORS origins are origins.</summary>
    private static void CheckServer(List<string> errors, ServerSettings server)
    {
        if (!System.Net.IPAddress.TryParse(server.Host, out System.Net.IPAddress? address))
        {
            errors.Add($"{Server}Host must be an IP address such as 127.0.0.1 or 0.0.0.0, but is '{server.Host}'.");
        }
        else if (!System.Net.IPAddress.IsLoopback(address) && string.IsNullOrWhiteSpace(server.ApiKey))
        {
            errors.Add($"{Server}Host is {address}, which exposes the server beyond this machine: set {Server}ApiKey too (clients send it as 'Authorization: Bearer <key>').");
        }

        foreach (string origin in server.AllowedOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && !origin.EndsWith('/')))
            {
                errors.Add($"{Server}AllowedOrigins has '{origin}', which is not an origin: give a scheme, host and optional port, such as https://app.example or http://localhost:3000, or * for any.");
            }
        }
    }

    /// <summary>Checks that a provider name is present when required and not blank; whether a package registered it is checked by <see cref="ConfiguredProviderValidator"/>.</summary>
    private static bool CheckProvider(List<string> errors, string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value, bool required)
    {
        if (value is null && !required)
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} must name a provider, such as openai; it is empty.");
            return false;
        }

        return true;
    }

    /// <summary>Checks that the adapter file exists and is an intact adapter (its embedder is checked when it is applied).</summary>
    private static void CheckAdapter(List<string> errors, string key, string path)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            errors.Add($"{key} names the file '{path}', which does not exist. Train one with 'llmstack tune-embeddings', or remove the key.");
            return;
        }

        try
        {
            _ = EmbeddingAdapter.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{key} names '{path}', which cannot be used: {e.Message}");
        }
    }

    private static void Require(List<string> errors, string key, string? value, string provider)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} is required when the provider is '{provider}'.");
        }
    }

    private static void RequireModel(List<string> errors, string key, string? value, string provider, bool fileAllowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} is required when the provider is '{provider}'.");
            return;
        }

        string path = Path.GetFullPath(value);
        if (!Directory.Exists(path) && !(fileAllowed && File.Exists(path)))
        {
            errors.Add($"{key} is '{value}', but the model {(fileAllowed ? "file or folder" : "folder")} '{path}' does not exist.");
        }
    }

    private static void RequireEndpoint(List<string> errors, string key, Uri? value, string provider)
    {
        if (value is null)
        {
            errors.Add($"{key} is required when the provider is '{provider}'.");
        }
        else
        {
            CheckEndpoint(errors, key, value);
        }
    }

    /// <summary>Checks an endpoint that may be left out (the provider has a default).</summary>
    private static void CheckEndpoint(List<string> errors, string key, Uri? value)
    {
        if (value is null)
        {
            return;
        }

        if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{key} must be an absolute http or https URI, but is '{value}'.");
        }
    }
}
