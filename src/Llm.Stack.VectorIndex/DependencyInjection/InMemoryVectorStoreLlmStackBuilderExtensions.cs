using Llm.Stack;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

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

    private static InMemoryVectorStore CreateStore(IServiceProvider services, object? serviceKey, Action<InMemoryVectorStoreOptions>? configure)
    {
        var options = new InMemoryVectorStoreOptions();
        configure?.Invoke(options);
        options.EmbeddingGenerator ??= (serviceKey is null ? null : services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey))
            ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        return new InMemoryVectorStore(options);
    }
}
