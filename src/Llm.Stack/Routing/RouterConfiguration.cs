using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Reads the <c>LlmStack:Router</c> section onto <see cref="ModelRouterOptions"/>: its settable keys (<c>DefaultModel</c>,
/// <c>AssumedOutputTokens</c>, <c>IntentClassifierPath</c>, <c>IntentEmbeddingModel</c>) and the list <c>Routes</c> (<c>Routes:0:Model</c>, <c>Routes:0:MaxPromptTokens</c> …, in index
/// order), each problem reported with its full key path.
/// </summary>
internal static class RouterConfiguration
{
    public const string SectionName = "Router";
    private const string RoutesKey = "Routes";

    /// <summary>
    /// Binds the section, adding every problem to <paramref name="errors"/>; the routes it lists replace the options' routes.
    /// The intent classifier's file is read to check it and the routes' intents; <paramref name="embeddingModels"/>, when
    /// given, are the configured embedding models <c>IntentEmbeddingModel</c> may name.
    /// </summary>
    public static void Bind(IConfiguration section, ModelRouterOptions options, string path, List<string> errors, IEnumerable<string>? embeddingModels = null)
    {
        ConfigurationSectionBinder.Bind(section, options, path, errors, [RoutesKey]);
        IConfigurationSection routes = section.GetSection(RoutesKey);
        string routesPath = $"{path}:{RoutesKey}";
        if (routes.Value is not null)
        {
            errors.Add($"{routesPath} is a list of routes, not a value: set {routesPath}:0:Model and the other keys of each route.");
            return;
        }

        var read = new List<ModelRoute>();
        var readKeys = new List<string>();
        foreach (IConfigurationSection item in routes.GetChildren())
        {
            string key = $"{routesPath}:{item.Key}";
            if (!int.TryParse(item.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{key} is not a route index: {routesPath} is a list, ordered by index ({routesPath}:0, {routesPath}:1 …).");
                continue;
            }

            if (item.Value is not null)
            {
                errors.Add($"{key} is a section, not a value: set its keys instead, such as {key}:{nameof(ModelRoute.Model)}.");
                continue;
            }

            var route = new ModelRoute();
            int before = errors.Count;
            ConfigurationSectionBinder.Bind(item, route, key, errors);
            if (errors.Count == before && route.Problem() is { } problem)
            {
                errors.Add($"{key} {problem}");
            }

            read.Add(route);
            readKeys.Add(key);
        }

        if (read.Count > 0)
        {
            options.Routes.Clear();
            foreach (ModelRoute route in read)
            {
                options.Routes.Add(route);
            }
        }

        if (embeddingModels is not null && options.IntentEmbeddingModel is { } embedder
            && !embeddingModels.Contains(embedder, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:{nameof(ModelRouterOptions.IntentEmbeddingModel)} is '{embedder}', but no embedding model has that name: configure {LlmStackOptions.SectionName}:EmbeddingModels:{embedder}.");
        }

        if (options.IntentClassifierPath is { } file)
        {
            CheckIntents(file, read, readKeys, $"{path}:{nameof(ModelRouterOptions.IntentClassifierPath)}", errors);
        }
    }

    /// <summary>Checks that the intent classifier's file is an intact classifier whose labels include every configured route's intents.</summary>
    private static void CheckIntents(string file, List<ModelRoute> routes, List<string> routeKeys, string key, List<string> errors)
    {
        EmbeddingClassifier classifier;
        try
        {
            classifier = EmbeddingClassifier.Load(file);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errors.Add(e is FileNotFoundException or DirectoryNotFoundException
                ? $"{key} names the file '{file}', which does not exist. Train a classifier with EmbeddingClassifierTrainer and save it there, or remove the key."
                : $"{key} names '{file}', which cannot be used: {e.Message}");
            return;
        }

        for (int i = 0; i < routes.Count; i++)
        {
            if (routes[i].Intents.FirstOrDefault(intent => !classifier.Labels.Contains(intent, StringComparer.Ordinal)) is { } unknown)
            {
                errors.Add($"{routeKeys[i]}:{nameof(ModelRoute.Intents)} has '{unknown}', which is not a label of the classifier {key} names ({string.Join(", ", classifier.Labels)}).");
            }
        }
    }

    /// <summary>Binds the section onto options, throwing one exception that lists every problem.</summary>
    public static void Configure(IConfiguration section, ModelRouterOptions options)
    {
        var errors = new List<string>();
        Bind(section, options, $"{LlmStackOptions.SectionName}:{SectionName}", errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ModelRouterOptions), errors);
        }
    }
}
