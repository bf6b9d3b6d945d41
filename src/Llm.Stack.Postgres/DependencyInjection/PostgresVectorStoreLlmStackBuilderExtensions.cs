using Llm.Stack;
using Llm.Stack.Postgres;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="PostgresVectorStore"/> as the stack's <see cref="Microsoft.Extensions.VectorData.VectorStore"/>.</summary>
public static class PostgresVectorStoreLlmStackBuilderExtensions
{
    /// <summary>Registers a <see cref="PostgresVectorStore"/> on <paramref name="connectionString"/> as the stack's <c>VectorStore</c> (a singleton), replacing any registered before.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="connectionString">An Npgsql connection string, such as <c>Host=127.0.0.1;Port=5432;Username=app;Password=…;Database=app</c>.</param>
    /// <param name="configure">Configures the store's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null, empty or white space.</exception>
    /// <remarks>
    /// The store owns its connection pool and is disposed with the service provider. When the options name no
    /// <see cref="PostgresVectorStoreOptions.EmbeddingGenerator"/>, the registered <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>
    /// of strings (if any) becomes the store's default generator, so that collections can search by text.
    /// </remarks>
    public static LlmStackBuilder AddPostgresVectorStore(this LlmStackBuilder builder, string connectionString, Action<PostgresVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.Services.AddSingleton(sp => CreateStore(sp, null, connectionString, configure));
        return builder.AddVectorStore(sp => sp.GetRequiredService<PostgresVectorStore>());
    }

    /// <summary>Registers a named (keyed) <see cref="PostgresVectorStore"/>, resolved with <c>GetRequiredKeyedService&lt;VectorStore&gt;(serviceKey)</c>.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="serviceKey">The name of the store.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Configures the store's options; <see langword="null"/> for the defaults.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="serviceKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null, empty or white space.</exception>
    /// <remarks>The store is also registered as a keyed <see cref="PostgresVectorStore"/> under the same key.</remarks>
    public static LlmStackBuilder AddKeyedPostgresVectorStore(this LlmStackBuilder builder, object serviceKey, string connectionString, Action<PostgresVectorStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => CreateStore(sp, key, connectionString, configure));
        return builder.AddKeyedVectorStore(serviceKey, (sp, key) => sp.GetRequiredKeyedService<PostgresVectorStore>(key));
    }

    /// <summary>
    /// Registers the <c>postgres</c> vector store provider: with <c>LlmStack:VectorStore:Provider</c> = <c>postgres</c>, a
    /// <see cref="PostgresVectorStore"/> on <c>LlmStack:VectorStore:ConnectionString</c> is the stack's <c>VectorStore</c>.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The <paramref name="builder"/>, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The registered embedding generator, if any, becomes the store's default generator, as with <see cref="AddPostgresVectorStore"/>.</remarks>
    public static LlmStackBuilder AddPostgresVectorStoreProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddVectorStoreProvider("postgres", context => CreateStore(
            context.Services,
            null,
            context.Configuration["ConnectionString"] ?? throw new InvalidOperationException($"{context.Configuration.Path}:ConnectionString is required when the provider is 'postgres'."),
            null));
    }

    private static PostgresVectorStore CreateStore(IServiceProvider services, object? serviceKey, string connectionString, Action<PostgresVectorStoreOptions>? configure)
    {
        var options = new PostgresVectorStoreOptions();
        configure?.Invoke(options);
        options.EmbeddingGenerator ??= (serviceKey is null ? null : services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey))
            ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        return new PostgresVectorStore(connectionString, options);
    }
}
