using Llm.Stack;
using Llm.Stack.Local;
using Llm.Stack.Monitoring;
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
    /// the document readers, an <see cref="IngestionPipeline"/> that embeds with <c>LlmStack:Ingestion:EmbeddingModel</c>'s
    /// named model when it is set (the index then embeds its queries with the same model) and chunks by section (unless an <see cref="ITextChunker"/>
    /// is registered), hybrid retrieval over the index as the stack's
    /// <see cref="IRetriever"/>, the <see cref="RagPipeline"/> (answering with <c>LlmStack:Rag:ChatModel</c>'s named model when it is set), which answers extractively when no chat model is registered,
    /// and the interaction log (<c>AddInteractionLog()</c>: <c>LlmStack:InteractionLog</c>, a SQLite file under the data
    /// directory unless an <see cref="IInteractionStore"/> is registered), in which the pipeline records each answer's
    /// sources, scores, citations, tokens and latency (not its text unless <c>IncludeContent</c> is on) unless
    /// <c>LlmStack:InteractionLog:Enabled</c> is <see langword="false"/>; then no file is opened.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="dataDirectory">
    /// The folder of the index, such as <c>.llmstack</c>; <see langword="null"/> for <c>LlmStack:DataDirectory</c> of the
    /// configuration given to <c>AddLlmStack(configuration)</c> (default <c>.llmstack</c>).
    /// </param>
    /// <param name="configure">
    /// Changes the defaults; <see langword="null"/> to keep them. It runs after the configured values
    /// (<c>LlmStack:VectorStore:CollectionName</c>, <c>IndexKind</c>, <c>Quantization</c> and <c>IngestionState</c>), so what it sets wins.
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
                Quantization = configured.VectorStore.Quantization,
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
            // The index's queries are embedded by the model that embedded its chunks (LlmStack:Ingestion:EmbeddingModel, else
            // the default). LlmStack:Embeddings:Adapter applies to the default embedder's queries, unless it already carries an
            // adapter (a named model carries its own, from its section).
            IEmbeddingGenerator<string, Embedding<float>> embedder = IngestionEmbedder(sp);
            if (configured.IngestionEmbeddingModel is null && configured.Embeddings.Adapter is { } adapter && embedder.GetService<EmbeddingAdapter>() is null)
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
            IngestionEmbedder(sp),
            chunker: sp.GetService<ITextChunker>() ?? CreateChunker(IngestionEmbedder(sp)),
            readers: sp.GetServices<IDocumentReader>(),
            // One document at a time unless configured: the local ONNX embedder already spreads one call over every core.
            options: sp.GetRequiredService<IOptions<IngestionOptions>>().Value.WithDefaults(new IngestionOptions { MaxDegreeOfParallelism = 1 }),
            logger: sp.GetService<ILogger<IngestionPipeline>>()));
        builder.AddRetriever(sp => sp.GetRequiredService<LocalIndex>().CreateRetriever());
        if (dataDirectory is not null)
        {
            // The log lives beside the index, in the folder given here rather than LlmStack:DataDirectory.
            services.TryAddSingleton<IInteractionStore>(sp =>
                SqliteInteractionStore.Open(Path.GetFullPath(dataDirectory), sp.GetRequiredService<IOptions<InteractionLogOptions>>().Value));
        }

        builder.AddInteractionLog();
        builder.AddRag();
        return builder;
    }

    /// <summary>The embedder of ingestion and of the index's queries: <c>LlmStack:Ingestion:EmbeddingModel</c>'s keyed model, else the default one.</summary>
    private static IEmbeddingGenerator<string, Embedding<float>> IngestionEmbedder(IServiceProvider services) =>
        PipelineModels.IngestionEmbeddingGenerator(services)
            ?? throw new InvalidOperationException("The local defaults need an IEmbeddingGenerator<string, Embedding<float>>, and none is registered.");

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
