using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Reads the <c>LlmStack:Router</c> section onto <see cref="ModelRouterOptions"/>: its settable keys (<c>DefaultModel</c>,
/// <c>AssumedOutputTokens</c>) and the list <c>Routes</c> (<c>Routes:0:Model</c>, <c>Routes:0:MaxPromptTokens</c> …, in index
/// order), each problem reported with its full key path.
/// </summary>
internal static class RouterConfiguration
{
    public const string SectionName = "Router";
    private const string RoutesKey = "Routes";

    /// <summary>Binds the section, adding every problem to <paramref name="errors"/>; the routes it lists replace the options' routes.</summary>
    public static void Bind(IConfiguration section, ModelRouterOptions options, string path, List<string> errors)
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
        }

        if (read.Count > 0)
        {
            options.Routes.Clear();
            foreach (ModelRoute route in read)
            {
                options.Routes.Add(route);
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
