using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// Registers the services of an Llm.Stack application: chat clients, embedding generators and vector stores
/// through the standard Microsoft.Extensions.AI and Microsoft.Extensions.VectorData types, and whatever each
/// Llm.Stack package adds through its own <c>builder.AddXxx(...)</c> extension methods.
/// </summary>
/// <remarks>
/// Created by <c>services.AddLlmStack(...)</c>. The builder is used while the service collection is built,
/// on one thread; it is not thread-safe. Registrations default to <see cref="ServiceLifetime.Singleton"/>.
/// </remarks>
public sealed class LlmStackBuilder
{
    /// <summary>Initializes a new instance of the <see cref="LlmStackBuilder"/> class.</summary>
    /// <param name="services">The service collection to register into.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public LlmStackBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>Gets the service collection the builder registers into.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers the stack's <see cref="IChatClient"/>.</summary>
    /// <param name="innerClientFactory">Creates the provider's client, the innermost layer.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>A <see cref="ChatClientBuilder"/> to add middleware with <c>Use*</c>; the first layer added is the outermost.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="innerClientFactory"/> is <see langword="null"/>.</exception>
    public ChatClientBuilder AddChatClient(Func<IServiceProvider, IChatClient> innerClientFactory, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(innerClientFactory);
        return Services.AddChatClient(innerClientFactory, lifetime);
    }

    /// <summary>Registers the stack's <see cref="IChatClient"/> from an existing instance.</summary>
    /// <param name="innerClient">The provider's client, the innermost layer.</param>
    /// <returns>A <see cref="ChatClientBuilder"/> to add middleware with <c>Use*</c>; the first layer added is the outermost.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public ChatClientBuilder AddChatClient(IChatClient innerClient)
    {
        ArgumentNullException.ThrowIfNull(innerClient);
        return Services.AddChatClient(innerClient);
    }

    /// <summary>Registers a named (keyed) <see cref="IChatClient"/>, resolved with <c>GetRequiredKeyedService&lt;IChatClient&gt;(serviceKey)</c>.</summary>
    /// <param name="serviceKey">The name of the client.</param>
    /// <param name="innerClientFactory">Creates the provider's client, the innermost layer.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>A <see cref="ChatClientBuilder"/> to add middleware with <c>Use*</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceKey"/> or <paramref name="innerClientFactory"/> is <see langword="null"/>.</exception>
    public ChatClientBuilder AddKeyedChatClient(object serviceKey, Func<IServiceProvider, IChatClient> innerClientFactory, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(innerClientFactory);
        return Services.AddKeyedChatClient(serviceKey, innerClientFactory, lifetime);
    }

    /// <summary>Registers the stack's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings.</summary>
    /// <param name="innerGeneratorFactory">Creates the provider's generator, the innermost layer.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>An <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> to add middleware (caching, logging …).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="innerGeneratorFactory"/> is <see langword="null"/>.</exception>
    public EmbeddingGeneratorBuilder<string, Embedding<float>> AddEmbeddingGenerator(
        Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>> innerGeneratorFactory,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(innerGeneratorFactory);
        return Services.AddEmbeddingGenerator(innerGeneratorFactory, lifetime);
    }

    /// <summary>Registers a named (keyed) embedding generator of strings to float embeddings.</summary>
    /// <param name="serviceKey">The name of the generator.</param>
    /// <param name="innerGeneratorFactory">Creates the provider's generator, the innermost layer.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>An <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> to add middleware.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceKey"/> or <paramref name="innerGeneratorFactory"/> is <see langword="null"/>.</exception>
    public EmbeddingGeneratorBuilder<string, Embedding<float>> AddKeyedEmbeddingGenerator(
        object serviceKey,
        Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>> innerGeneratorFactory,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(innerGeneratorFactory);
        return Services.AddKeyedEmbeddingGenerator(serviceKey, innerGeneratorFactory, lifetime);
    }

    /// <summary>Registers the stack's <see cref="VectorStore"/>, replacing any registered before.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Packages that provide a store (the in-memory index, Chroma …) call this from their own <c>Add*</c> method.</remarks>
    public LlmStackBuilder AddVectorStore(Func<IServiceProvider, VectorStore> factory, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAll<VectorStore>();
        Services.Add(new ServiceDescriptor(typeof(VectorStore), factory, lifetime));
        return this;
    }

    /// <summary>Registers a named (keyed) <see cref="VectorStore"/>, replacing any registered before under that key.</summary>
    /// <param name="serviceKey">The name of the store.</param>
    /// <param name="factory">Creates the store.</param>
    /// <param name="lifetime">The service lifetime. The default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceKey"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    public LlmStackBuilder AddKeyedVectorStore(object serviceKey, Func<IServiceProvider, object?, VectorStore> factory, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<VectorStore>(serviceKey);
        Services.Add(new ServiceDescriptor(typeof(VectorStore), serviceKey, factory, lifetime));
        return this;
    }

    /// <summary>
    /// Registers a chat provider name: when <c>LlmStack:Chat:Provider</c> names it, <c>services.AddLlmStack(configuration)</c>
    /// creates the stack's <see cref="IChatClient"/> with <paramref name="factory"/>. A chat client registered in code wins.
    /// </summary>
    /// <param name="name">The provider name, such as <c>openai</c>; compared without regard to case.</param>
    /// <param name="factory">Creates the client from the validated <c>LlmStack:Chat</c> section.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Registering a name twice keeps the last registration.</remarks>
    public LlmStackBuilder AddChatProvider(string name, Func<LlmStackProviderContext, IChatClient> factory) =>
        AddProvider(typeof(IChatClient), name, factory, isLocal: false);

    /// <summary>
    /// Registers a chat provider name whose client runs its model in this process (as <c>onnx</c> does), with no network
    /// between the application and the model: as <see cref="AddChatProvider"/>, except that configuration adds no
    /// resilience layer (retries, circuit breaker, attempt timeout, rate limits, the finish-reason check) around the client
    /// unless the model's section sets one (<c>LlmStack:Chat:Resilience</c>, <c>LlmStack:ChatModels:&lt;name&gt;:Resilience</c>).
    /// See <see cref="LlmStackProviderRegistration.IsLocal"/>.
    /// </summary>
    /// <param name="name">The provider name, such as <c>onnx</c>; compared without regard to case.</param>
    /// <param name="factory">Creates the client from the validated <c>LlmStack:Chat</c> section.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Registering a name twice keeps the last registration, local or not.</remarks>
    public LlmStackBuilder AddLocalChatProvider(string name, Func<LlmStackProviderContext, IChatClient> factory) =>
        AddProvider(typeof(IChatClient), name, factory, isLocal: true);

    /// <summary>
    /// Registers an embedding provider name: when <c>LlmStack:Embeddings:Provider</c> names it, <c>services.AddLlmStack(configuration)</c>
    /// creates the stack's embedding generator with <paramref name="factory"/>. A generator registered in code wins.
    /// </summary>
    /// <param name="name">The provider name, such as <c>minilm</c>; compared without regard to case.</param>
    /// <param name="factory">Creates the generator from the validated <c>LlmStack:Embeddings</c> section.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Registering a name twice keeps the last registration.</remarks>
    public LlmStackBuilder AddEmbeddingProvider(string name, Func<LlmStackProviderContext, IEmbeddingGenerator<string, Embedding<float>>> factory) =>
        AddProvider(typeof(IEmbeddingGenerator<string, Embedding<float>>), name, factory, isLocal: false);

    /// <summary>
    /// Registers an embedding provider name whose generator runs its model in this process (as <c>minilm</c> and <c>onnx</c>
    /// do), with no network between the application and the model: as <see cref="AddEmbeddingProvider"/>, except that
    /// configuration adds no resilience layer (retries, circuit breaker, attempt timeout, rate limits) around the
    /// generator unless the model's section sets one (<c>LlmStack:Embeddings:Resilience</c>,
    /// <c>LlmStack:EmbeddingModels:&lt;name&gt;:Resilience</c>). See <see cref="LlmStackProviderRegistration.IsLocal"/>.
    /// </summary>
    /// <param name="name">The provider name, such as <c>minilm</c>; compared without regard to case.</param>
    /// <param name="factory">Creates the generator from the validated <c>LlmStack:Embeddings</c> section.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Registering a name twice keeps the last registration, local or not.</remarks>
    public LlmStackBuilder AddLocalEmbeddingProvider(string name, Func<LlmStackProviderContext, IEmbeddingGenerator<string, Embedding<float>>> factory) =>
        AddProvider(typeof(IEmbeddingGenerator<string, Embedding<float>>), name, factory, isLocal: true);

    /// <summary>
    /// Registers a vector store provider name: when <c>LlmStack:VectorStore:Provider</c> names it, <c>services.AddLlmStack(configuration)</c>
    /// creates the stack's <see cref="VectorStore"/> with <paramref name="factory"/>. A store registered in code wins.
    /// </summary>
    /// <param name="name">The provider name, such as <c>inmemory</c>; compared without regard to case.</param>
    /// <param name="factory">Creates the store from the validated <c>LlmStack:VectorStore</c> section.</param>
    /// <returns>This builder, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <remarks>Registering a name twice keeps the last registration.</remarks>
    public LlmStackBuilder AddVectorStoreProvider(string name, Func<LlmStackProviderContext, VectorStore> factory) =>
        AddProvider(typeof(VectorStore), name, factory, isLocal: false);

    private LlmStackBuilder AddProvider(Type serviceType, string name, Func<LlmStackProviderContext, object> factory, bool isLocal)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        for (int i = Services.Count - 1; i >= 0; i--)
        {
            if (Services[i].ImplementationInstance is LlmStackProviderRegistration r
                && r.ServiceType == serviceType && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                Services.RemoveAt(i);
            }
        }

        Services.AddSingleton(new LlmStackProviderRegistration(serviceType, name, factory, isLocal));
        return this;
    }
}
