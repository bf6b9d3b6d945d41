using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Reads the <c>LlmStack</c> section: <see cref="LlmStackOptions"/> and the sections of the other options types
/// (<c>LlmStack:Rag</c>, <c>LlmStack:Ingestion</c>, <c>LlmStack:InteractionLog</c>, <c>LlmStack:Guardrails</c>, <c>LlmStack:Chunking</c>, <c>LlmStack:Router</c>), each problem reported with its full key path.
/// </summary>
internal static class LlmStackConfiguration
{
    public const string RagSection = "Rag";
    public const string IngestionSection = "Ingestion";
    public const string InteractionLogSection = "InteractionLog";
    public const string GuardrailsSection = "Guardrails";

    /// <summary>The key of <c>LlmStack:Rag</c> that names the chat model the RAG pipeline answers with.</summary>
    public const string RagChatModelKey = "ChatModel";

    /// <summary>The key of <c>LlmStack:Ingestion</c> that names the embedding model ingestion (and the local index's queries) embed with.</summary>
    public const string IngestionEmbeddingModelKey = "EmbeddingModel";

    private static readonly Dictionary<string, Type> OptionSections = new(StringComparer.OrdinalIgnoreCase)
    {
        [RagSection] = typeof(RagOptions),
        [IngestionSection] = typeof(IngestionOptions),
        [InteractionLogSection] = typeof(InteractionLogOptions),
        [GuardrailsSection] = typeof(GuardrailOptions),
    };

    /// <summary>The sections under <c>LlmStack</c> that are not properties of <see cref="LlmStackOptions"/>.</summary>
    private static readonly string[] OtherSections = [.. OptionSections.Keys, ChunkingConfiguration.SectionName, RouterConfiguration.SectionName];

    /// <summary>The keys of an options section that name a model rather than set a property of its options type.</summary>
    private static readonly Dictionary<string, string[]> ModelKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        [RagSection] = [RagChatModelKey],
        [IngestionSection] = [IngestionEmbeddingModelKey],
    };

    /// <summary>Binds and validates the whole section, throwing one exception that lists every problem.</summary>
    public static LlmStackOptions Read(IConfiguration section)
    {
        var errors = new List<string>();
        var options = new LlmStackOptions();
        ConfigurationSectionBinder.Bind(section, options, LlmStackOptions.SectionName, errors, OtherSections);
        foreach ((string name, Type type) in OptionSections)
        {
            ConfigurationSectionBinder.Bind(section.GetSection(name), Activator.CreateInstance(type)!, $"{LlmStackOptions.SectionName}:{name}", errors, ModelKeys.GetValueOrDefault(name));
        }

        options.RagChatModel = ReadModelName(section, RagSection, RagChatModelKey, options.ChatModels.Keys, errors);
        options.IngestionEmbeddingModel = ReadModelName(section, IngestionSection, IngestionEmbeddingModelKey, options.EmbeddingModels.Keys, errors);

        RouterConfiguration.Bind(section.GetSection(RouterConfiguration.SectionName), new ModelRouterOptions(), $"{LlmStackOptions.SectionName}:{RouterConfiguration.SectionName}", errors, options.EmbeddingModels.Keys);
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
        string name = section is IConfigurationSection { Key: var key } ? key : "";
        ConfigurationSectionBinder.Bind(section, target, path, errors, target is LlmStackOptions ? OtherSections : ModelKeys.GetValueOrDefault(name));
        if (target is LlmStackOptions options)
        {
            options.RagChatModel = ReadModelName(section, RagSection, RagChatModelKey, options.ChatModels.Keys, errors);
            options.IngestionEmbeddingModel = ReadModelName(section, IngestionSection, IngestionEmbeddingModelKey, options.EmbeddingModels.Keys, errors);
        }

        ThrowIfAny(errors, target.GetType());
    }

    /// <summary>
    /// Reads a key such as <c>LlmStack:Rag:ChatModel</c>: <see langword="null"/> when absent or empty; a name that matches a
    /// configured model without regard to case is returned spelled as the model's section is (its service key).
    /// Whether the name is registered at all is checked when the options are validated (<see cref="PipelineModelValidator"/>),
    /// since code may register a keyed model after <c>AddLlmStack</c>.
    /// </summary>
    private static string? ReadModelName(IConfiguration section, string sectionName, string key, ICollection<string> configured, List<string> errors)
    {
        string? value = section.GetSection(sectionName)[key];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length != value.Length)
        {
            errors.Add($"{LlmStackOptions.SectionName}:{sectionName}:{key} is '{value}', which is not a model name: a name must not be blank or start or end with white space.");
            return null;
        }

        return configured.FirstOrDefault(name => string.Equals(name, value, StringComparison.OrdinalIgnoreCase)) ?? value;
    }

    private static void ThrowIfAny(List<string> errors, Type optionsType)
    {
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, optionsType, errors);
        }
    }
}
