using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Reads the <c>LlmStack</c> section: <see cref="LlmStackOptions"/> and the sections of the other options types
/// (<c>LlmStack:Rag</c>, <c>LlmStack:Ingestion</c>, <c>LlmStack:InteractionLog</c>, <c>LlmStack:Chunking</c>, <c>LlmStack:Router</c>), each problem reported with its full key path.
/// </summary>
internal static class LlmStackConfiguration
{
    public const string RagSection = "Rag";
    public const string IngestionSection = "Ingestion";
    public const string InteractionLogSection = "InteractionLog";

    private static readonly Dictionary<string, Type> OptionSections = new(StringComparer.OrdinalIgnoreCase)
    {
        [RagSection] = typeof(RagOptions),
        [IngestionSection] = typeof(IngestionOptions),
        [InteractionLogSection] = typeof(InteractionLogOptions),
    };

    /// <summary>The sections under <c>LlmStack</c> that are not properties of <see cref="LlmStackOptions"/>.</summary>
    private static readonly string[] OtherSections = [.. OptionSections.Keys, ChunkingConfiguration.SectionName, RouterConfiguration.SectionName];

    /// <summary>Binds and validates the whole section, throwing one exception that lists every problem.</summary>
    public static LlmStackOptions Read(IConfiguration section)
    {
        var errors = new List<string>();
        var options = new LlmStackOptions();
        ConfigurationSectionBinder.Bind(section, options, LlmStackOptions.SectionName, errors, OtherSections);
        foreach ((string name, Type type) in OptionSections)
        {
            ConfigurationSectionBinder.Bind(section.GetSection(name), Activator.CreateInstance(type)!, $"{LlmStackOptions.SectionName}:{name}", errors);
        }

        RouterConfiguration.Bind(section.GetSection(RouterConfiguration.SectionName), new ModelRouterOptions(), $"{LlmStackOptions.SectionName}:{RouterConfiguration.SectionName}", errors);
        string chunking = $"{LlmStackOptions.SectionName}:{ChunkingConfiguration.SectionName}";
        if (ChunkingConfiguration.Read(section.GetSection(ChunkingConfiguration.SectionName), chunking, errors) is not null
            && section.GetSection(IngestionSection)[nameof(IngestionOptions.MaxChunkTokens)] is not null)
        {
            errors.Add($"{LlmStackOptions.SectionName}:{IngestionSection}:{nameof(IngestionOptions.MaxChunkTokens)} sizes the default chunker, which {chunking} replaces: set {chunking}:MaxTokens instead.");
        }

        if (errors.Count == 0 && new LlmStackOptionsValidator().Validate(Options.DefaultName, options) is { Failed: true } result)
        {
            errors.AddRange(result.Failures);
        }

        ThrowIfAny(errors, typeof(LlmStackOptions));
        return options;
    }

    /// <summary>Binds one section onto options that code may have configured too.</summary>
    public static void Bind(IConfiguration section, object target, string path)
    {
        var errors = new List<string>();
        ConfigurationSectionBinder.Bind(section, target, path, errors, target is LlmStackOptions ? OtherSections : null);
        ThrowIfAny(errors, target.GetType());
    }

    private static void ThrowIfAny(List<string> errors, Type optionsType)
    {
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, optionsType, errors);
        }
    }
}
