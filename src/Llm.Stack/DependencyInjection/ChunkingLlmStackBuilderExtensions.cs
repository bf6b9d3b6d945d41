using Llm.Stack;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the stack's <see cref="ITextChunker"/> in an <see cref="LlmStackBuilder"/>.</summary>
/// <remarks>Each method replaces the <see cref="ITextChunker"/> registered before, so the last call wins.</remarks>
public static class ChunkingLlmStackBuilderExtensions
{
    /// <summary>Registers a <see cref="TokenChunker"/> as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the chunker's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddTokenChunker(this LlmStackBuilder builder, Action<TokenChunkerOptions>? configure = null) =>
        AddTextChunker(builder, _ => new TokenChunker(Configure(configure)));

    /// <summary>Registers a <see cref="RecursiveChunker"/> as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the chunker's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddRecursiveChunker(this LlmStackBuilder builder, Action<RecursiveChunkerOptions>? configure = null) =>
        AddTextChunker(builder, _ => new RecursiveChunker(Configure(configure)));

    /// <summary>Registers a <see cref="SentenceChunker"/> as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the chunker's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddSentenceChunker(this LlmStackBuilder builder, Action<SentenceChunkerOptions>? configure = null) =>
        AddTextChunker(builder, _ => new SentenceChunker(Configure(configure)));

    /// <summary>Registers a <see cref="StructureChunker"/> as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the chunker's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddStructureChunker(this LlmStackBuilder builder, Action<StructureChunkerOptions>? configure = null) =>
        AddTextChunker(builder, _ => new StructureChunker(Configure(configure)));

    /// <summary>Registers a <see cref="SemanticChunker"/> that embeds with the stack's embedding generator as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the chunker's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddSemanticChunker(this LlmStackBuilder builder, Action<SemanticChunkerOptions>? configure = null) =>
        AddTextChunker(builder, sp => new SemanticChunker(
            sp.GetRequiredService<Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>>(), Configure(configure)));

    /// <summary>Registers a chunker created by <paramref name="factory"/> as the stack's chunker.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="factory">Creates the chunker.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddTextChunker(this LlmStackBuilder builder, Func<IServiceProvider, ITextChunker> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<ITextChunker>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    private static T Configure<T>(Action<T>? configure)
        where T : new()
    {
        var options = new T();
        configure?.Invoke(options);
        return options;
    }
}
