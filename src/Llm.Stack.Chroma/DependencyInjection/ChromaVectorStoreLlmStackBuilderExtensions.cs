using Llm.Stack;
using Llm.Stack.Chroma;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="ChromaVectorStore"/> as the stack's <see cref="Microsoft.Extensions.VectorData.VectorStore"/>.</summary>
public static class ChromaVectorStoreLlmStackBuilderExtensions
{
    /// <summary>Registers a <see cref="ChromaVectorStore"/> on <paramref name="endpoint"/> as the stack's <c>VectorStore</c> (a singleton), replacing any registered before.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="endpoint">The Chroma server, such as <c>http://127.0.0.1:8000</c>.</param>
    /// <param name="configure">Configures the store's options (tenant, database, auth token, retries); <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The store's <see cref="HttpClient"/>s come from <see cref="IHttpClientFactory"/> (registered here) under the name
    /// <see cref="ChromaVectorStoreOptions.HttpClientName"/>, so <c>services.AddHttpClient(name)</c> can add handlers to them.
    /// When the options name no <see cref="ChromaVectorStoreOptions.EmbeddingGenerator"/>, the registered
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings (if any) becomes the store's default generator, so
    /// that collections can search by text.
    /// </remarks>
    public static LlmStackBuilder AddChromaVectorStore(this LlmStackBuilder builder, Uri endpoint, Action<ChromaVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endpoint);
        builder.Services.AddHttpClient();
        builder.Services.AddSingleton(sp => CreateStore(sp, null, endpoint, configure));
        return builder.AddVectorStore(sp => sp.GetRequiredService<ChromaVectorStore>());
    }

    /// <summary>Registers a named (keyed) <see cref="ChromaVectorStore"/>, resolved with <c>GetRequiredKeyedService&lt;VectorStore&gt;(serviceKey)</c>.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="serviceKey">The name of the store.</param>
    /// <param name="endpoint">The Chroma server, such as <c>http://127.0.0.1:8000</c>.</param>
    /// <param name="configure">Configures the store's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="serviceKey"/> or <paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <remarks>The store is also registered as a keyed <see cref="ChromaVectorStore"/> under the same key.</remarks>
    public static LlmStackBuilder AddKeyedChromaVectorStore(this LlmStackBuilder builder, object serviceKey, Uri endpoint, Action<ChromaVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(endpoint);
        builder.Services.AddHttpClient();
        builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => CreateStore(sp, key, endpoint, configure));
        return builder.AddKeyedVectorStore(serviceKey, (sp, key) => sp.GetRequiredKeyedService<ChromaVectorStore>(key));
    }

    /// <summary>
    /// Registers the <c>chroma</c> vector store provider: with <c>LlmStack:VectorStore:Provider</c> = <c>chroma</c>, a
    /// <see cref="ChromaVectorStore"/> on <c>LlmStack:VectorStore:Endpoint</c> is the stack's <c>VectorStore</c>, with
    /// <c>Tenant</c>, <c>Database</c> and <c>ApiKey</c> (sent in the <c>X-Chroma-Token</c> header) from the same section when set.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The registered embedding generator, if any, becomes the store's default generator, as with <see cref="AddChromaVectorStore"/>.</remarks>
    public static LlmStackBuilder AddChromaVectorStoreProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient();
        return builder.AddVectorStoreProvider("chroma", context =>
        {
            string endpoint = context.Configuration["Endpoint"] ?? throw new InvalidOperationException($"{context.Configuration.Path}:Endpoint is required when the provider is 'chroma'.");
            return CreateStore(context.Services, null, new Uri(endpoint, UriKind.Absolute), options =>
            {
                if (context.Configuration["Tenant"] is { Length: > 0 } tenant)
                {
                    options.Tenant = tenant;
                }

                if (context.Configuration["Database"] is { Length: > 0 } database)
                {
                    options.Database = database;
                }

                if (context.Configuration["ApiKey"] is { Length: > 0 } token)
                {
                    options.AuthToken = token;
                }
            });
        });
    }

    private static ChromaVectorStore CreateStore(IServiceProvider services, object? serviceKey, Uri endpoint, Action<ChromaVectorStoreOptions>? configure)
    {
        var options = new ChromaVectorStoreOptions();
        configure?.Invoke(options);
        options.EmbeddingGenerator ??= (serviceKey is null ? null : services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey))
            ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        return new ChromaVectorStore(services.GetRequiredService<IHttpClientFactory>(), endpoint, options);
    }
}
