using Llm.Stack;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="InMemoryVectorStore"/> as the stack's <see cref="Microsoft.Extensions.VectorData.VectorStore"/>.</summary>
public static class InMemoryVectorStoreLlmStackBuilderExtensions
{
    /// <summary>Registers an <see cref="InMemoryVectorStore"/> as the stack's <c>VectorStore</c> (a singleton), replacing any registered before.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the store's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// When the options name no <see cref="InMemoryVectorStoreOptions.EmbeddingGenerator"/>, the registered
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings (if any) becomes the store's default generator, so
    /// that collections can search by text.
    /// </remarks>
    public static LlmStackBuilder AddInMemoryVectorStore(this LlmStackBuilder builder, Action<InMemoryVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => CreateStore(sp, null, configure));
        return builder.AddVectorStore(sp => sp.GetRequiredService<InMemoryVectorStore>());
    }

    /// <summary>Registers a named (keyed) <see cref="InMemoryVectorStore"/>, resolved with <c>GetRequiredKeyedService&lt;VectorStore&gt;(serviceKey)</c>.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="serviceKey">The name of the store.</param>
    /// <param name="configure">Configures the store's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="serviceKey"/> is <see langword="null"/>.</exception>
    /// <remarks>The store is also registered as a keyed <see cref="InMemoryVectorStore"/> under the same key.</remarks>
    public static LlmStackBuilder AddKeyedInMemoryVectorStore(this LlmStackBuilder builder, object serviceKey, Action<InMemoryVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => CreateStore(sp, key, configure));
        return builder.AddKeyedVectorStore(serviceKey, (sp, key) => sp.GetRequiredKeyedService<InMemoryVectorStore>(key));
    }

    /// <summary>
    /// Registers the <c>inmemory</c> vector store provider: with <c>LlmStack:VectorStore:Provider</c> = <c>inmemory</c>, an
    /// <see cref="InMemoryVectorStore"/> persisted under <c>LlmStack:DataDirectory</c> (each collection a <c>*.lsvi</c>
    /// snapshot there, loaded when the store is created) with the <see cref="InMemoryVectorStoreOptions.Quantization"/> of
    /// <c>LlmStack:VectorStore:Quantization</c> and the <see cref="InMemoryVectorStoreOptions.IndexKind"/> of
    /// <c>LlmStack:VectorStore:IndexKind</c> is the stack's <c>VectorStore</c>.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The registered embedding generator, if any, becomes the store's default generator, as with <see cref="AddInMemoryVectorStore"/>.</remarks>
    public static LlmStackBuilder AddInMemoryVectorStoreProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddVectorStoreProvider("inmemory", context => CreateStore(context.Services, null, options =>
        {
            options.PersistenceDirectory = context.DataDirectory;
            if (context.Configuration["Quantization"] is { Length: > 0 } quantization)
            {
                // Validated by AddLlmStack(configuration), so the value parses.
                options.Quantization = Enum.Parse<VectorQuantization>(quantization, ignoreCase: true);
            }

            if (context.Configuration["IndexKind"] is { Length: > 0 } indexKind)
            {
                options.IndexKind = indexKind; // flat or hnsw, validated by AddLlmStack(configuration)
            }
        }));
    }

    private static InMemoryVectorStore CreateStore(IServiceProvider services, object? serviceKey, Action<InMemoryVectorStoreOptions>? configure)
    {
        var options = new InMemoryVectorStoreOptions();
        configure?.Invoke(options);
        options.EmbeddingGenerator ??= (serviceKey is null ? null : services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey))
            ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        return new InMemoryVectorStore(options);
    }
}
