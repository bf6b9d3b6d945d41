using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Reads the <c>LlmStack:Chunking</c> section: <c>Chunker</c> names the chunker (<c>Recursive</c>, <c>Token</c>,
/// <c>Sentence</c>, <c>Structure</c>, <c>Semantic</c>) and the other keys are the settable properties of its options
/// (<c>MaxTokens</c>, <c>OverlapTokens</c>, <c>IncludeHeadingPrefix</c> …), validated like every other section.
/// </summary>
internal static class ChunkingConfiguration
{
    public const string SectionName = "Chunking";
    public const string ChunkerKey = "Chunker";

    private static readonly Dictionary<string, Func<TextChunkerOptions>> Chunkers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Recursive"] = () => new RecursiveChunkerOptions(),
        ["Token"] = () => new TokenChunkerOptions(),
        ["Sentence"] = () => new SentenceChunkerOptions(),
        ["Structure"] = () => new StructureChunkerOptions(),
        ["Semantic"] = () => new SemanticChunkerOptions(),
    };

    /// <summary>Binds the section onto the options of the chunker it names; <see langword="null"/> when the section is empty.</summary>
    public static TextChunkerOptions? Read(IConfiguration section, string path, List<string> errors)
    {
        if (!section.GetChildren().Any())
        {
            return null;
        }

        string known = string.Join(", ", Chunkers.Keys);
        string? name = section[ChunkerKey];
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{path}:{ChunkerKey} is missing: name the chunker that {path} configures, one of: {known}.");
            return null;
        }

        if (!Chunkers.TryGetValue(name.Trim(), out Func<TextChunkerOptions>? create))
        {
            errors.Add($"{path}:{ChunkerKey} is '{name}', which is not one of: {known}.");
            return null;
        }

        TextChunkerOptions options = create();
        int before = errors.Count;
        ConfigurationSectionBinder.Bind(section, options, path, errors, [ChunkerKey]);
        if (errors.Count == before && options.OverlapTokens >= options.MaxTokens)
        {
            errors.Add($"{path}:OverlapTokens is '{options.OverlapTokens}', which is not allowed: it must be less than {path}:MaxTokens ({options.MaxTokens}).");
        }

        return errors.Count == before ? options : null;
    }

    /// <summary>
    /// Creates the configured chunker. When ingestion's embedding generator (<c>LlmStack:Ingestion:EmbeddingModel</c>, else the default) reports <see cref="EmbeddingInputLimits"/>, the chunker
    /// counts with its tokenizer and <c>MaxTokens</c> is lowered to its input limit, so no chunk is truncated by it.
    /// </summary>
    public static ITextChunker Create(IConfiguration section, string path, IServiceProvider services)
    {
        var errors = new List<string>();
        TextChunkerOptions? options = Read(section, path, errors);
        if (options is null)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TextChunkerOptions), errors);
        }

        IEmbeddingGenerator<string, Embedding<float>>? embedder = PipelineModels.IngestionEmbeddingGenerator(services);
        if (embedder?.GetService(typeof(EmbeddingInputLimits)) is EmbeddingInputLimits limits)
        {
            options.Tokenizer = limits.Tokenizer;
            if (limits.MaxInputTokens < options.MaxTokens)
            {
                if (options.OverlapTokens >= limits.MaxInputTokens)
                {
                    throw new OptionsValidationException(Options.DefaultName, options.GetType(), [
                        $"{path}:OverlapTokens is '{options.OverlapTokens}', which is not allowed: it must be less than the embedding model's input limit of {limits.MaxInputTokens} tokens, to which {path}:MaxTokens is lowered."]);
                }

                options.MaxTokens = Math.Max(4, limits.MaxInputTokens);
            }
        }

        return options switch
        {
            RecursiveChunkerOptions recursive => new RecursiveChunker(recursive),
            TokenChunkerOptions token => new TokenChunker(token),
            SentenceChunkerOptions sentence => new SentenceChunker(sentence),
            StructureChunkerOptions structure => new StructureChunker(structure),
            SemanticChunkerOptions semantic => new SemanticChunker(
                embedder ?? throw new OptionsValidationException(Options.DefaultName, semantic.GetType(), [
                    $"{path}:{ChunkerKey} is Semantic, which embeds sentences with the stack's embedding generator, but none is registered: add one (AddEmbeddingGenerator, AddMiniLmEmbeddingGenerator, or LlmStack:Embeddings:Provider)."]),
                semantic),
            _ => throw new InvalidOperationException($"No chunker is known for {options.GetType().Name}."),
        };
    }
}
