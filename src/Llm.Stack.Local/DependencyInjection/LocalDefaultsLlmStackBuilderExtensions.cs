using Llm.Stack;
using Llm.Stack.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the offline defaults of Llm.Stack in one call.</summary>
public static class LocalDefaultsLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the offline defaults: the offline providers that configuration may select (<c>minilm</c> and <c>onnx</c>
    /// for embeddings, <c>onnx</c> for chat, <c>inmemory</c> for the vector store), the built-in MiniLM embedder (unless an
    /// embedder is already registered, in code or by configuration), a
    /// <see cref="LocalIndex"/> under <paramref name="dataDirectory"/> whose chunks live in the stack's
    /// <see cref="VectorStore"/> when one is registered (in code, before or after this call, by configuration with
    /// <c>LlmStack:VectorStore:Provider</c>, or under <see cref="LocalDefaultsOptions.VectorStoreKey"/>), and otherwise in
    /// the index's own in-memory store persisted in that folder (then also the stack's <see cref="VectorStore"/>),
    /// the document readers, an <see cref="IngestionPipeline"/> that chunks by section (unless an <see cref="ITextChunker"/>
    /// is registered), hybrid retrieval over the index as the stack's
    /// <see cref="IRetriever"/>, and the <see cref="RagPipeline"/>, which answers extractively when no chat model is registered.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="dataDirectory">
    /// The folder of the index, such as <c>.llmstack</c>; <see langword="null"/> for <c>LlmStack:DataDirectory</c> of the
    /// configuration given to <c>AddLlmStack(configuration)</c> (default <c>.llmstack</c>).
    /// </param>
    /// <param name="configure">
    /// Changes the defaults; <see langword="null"/> to keep them. It runs after the configured values
    /// (<c>LlmStack:VectorStore:CollectionName</c>, <c>IndexKind</c> and <c>IngestionState</c>), so what it sets wins.
    /// </param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> is empty or white space.</exception>
    public static LlmStackBuilder AddLocalDefaults(this LlmStackBuilder builder, string? dataDirectory = null, Action<LocalDefaultsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (dataDirectory is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        }

        builder.AddMiniLmProvider().AddOnnxProvider().AddInMemoryVectorStoreProvider();
        if (!IsRegistered<IEmbeddingGenerator<string, Embedding<float>>>(builder))
        {
            builder.AddMiniLmEmbeddingGenerator();
        }

        builder.AddDocumentReaders();
        builder.Services.AddOptions<IngestionOptions>();
        IServiceCollection services = builder.Services;
        ServiceDescriptor? ownStore = null;
        if (!IsRegistered<VectorStore>(builder))
        {
            builder.AddVectorStore(sp => sp.GetRequiredService<LocalIndex>().Store);
            ownStore = services.Last(d => d.ServiceType == typeof(VectorStore) && !d.IsKeyedService);
        }

        services.TryAddSingleton(sp =>
        {
            LlmStackOptions configured = sp.GetRequiredService<IOptions<LlmStackOptions>>().Value;
            var options = new LocalDefaultsOptions
            {
                CollectionName = configured.VectorStore.CollectionName,
                IndexKind = configured.VectorStore.IndexKind,
                KeepIngestionStateInStore = string.Equals(configured.VectorStore.IngestionState, VectorStoreSettings.StoreIngestionState, StringComparison.OrdinalIgnoreCase),
            };
            configure?.Invoke(options);

            // The store registered in code or by configuration (LlmStack:VectorStore:Provider), read when the index is
            // created, so that a registration made after this call counts too; none: the index's own in-memory store.
            VectorStore? store = options.VectorStoreKey is { } key
                ? sp.GetRequiredKeyedService<VectorStore>(key)
                : services.LastOrDefault(d => d.ServiceType == typeof(VectorStore) && !d.IsKeyedService) is { } registered && registered != ownStore
                    ? sp.GetRequiredService<VectorStore>()
                    : null;
            // LlmStack:Embeddings:Adapter applies to the index's queries, unless the embedder already carries an adapter.
            IEmbeddingGenerator<string, Embedding<float>> embedder = sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            if (configured.Embeddings.Adapter is { } adapter && embedder.GetService<EmbeddingAdapter>() is null)
            {
                embedder = new AdaptedEmbeddingGenerator(embedder, EmbeddingAdapter.Load(adapter));
            }

            return new LocalIndex(
                Path.GetFullPath(dataDirectory ?? configured.DataDirectory),
                embedder,
                options,
                store,
                sp.GetService<ILogger<LocalIndex>>());
        });
        builder.Services.TryAddSingleton(sp => new IngestionPipeline(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            chunker: sp.GetService<ITextChunker>() ?? CreateChunker(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()),
            readers: sp.GetServices<IDocumentReader>(),
            // One document at a time unless configured: the local ONNX embedder already spreads one call over every core.
            options: sp.GetRequiredService<IOptions<IngestionOptions>>().Value.WithDefaults(new IngestionOptions { MaxDegreeOfParallelism = 1 }),
            logger: sp.GetService<ILogger<IngestionPipeline>>()));
        builder.AddRetriever(sp => sp.GetRequiredService<LocalIndex>().CreateRetriever());
        builder.AddRag();
        return builder;
    }

    private static bool IsRegistered<T>(LlmStackBuilder builder) => builder.Services.Any(d => d.ServiceType == typeof(T) && !d.IsKeyedService);

    /// <summary>
    /// Chunks within sections (headings of Markdown, HTML and DOCX; plain text falls back to paragraphs and sentences),
    /// each chunk prefixed with its section path, counted with the embedder's own tokenizer up to its input limit.
    /// </summary>
    private static StructureChunker CreateChunker(IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        var options = new StructureChunkerOptions { IncludeHeadingPrefix = true, MaxTokens = 256 };
        if (embedder.GetService(typeof(EmbeddingInputLimits)) is EmbeddingInputLimits limits)
        {
            options.Tokenizer = limits.Tokenizer;
            options.MaxTokens = Math.Min(options.MaxTokens, limits.MaxInputTokens);
        }

        return new StructureChunker(options);
    }
}
