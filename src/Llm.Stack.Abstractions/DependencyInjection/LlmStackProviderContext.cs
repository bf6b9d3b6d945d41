using Microsoft.Extensions.Configuration;

namespace Llm.Stack;

/// <summary>
/// What a provider registered with <see cref="LlmStackBuilder.AddChatProvider"/>, <see cref="LlmStackBuilder.AddEmbeddingProvider"/>
/// or <see cref="LlmStackBuilder.AddVectorStoreProvider"/> is given to create its service from configuration.
/// </summary>
/// <remarks>
/// The values under <see cref="Configuration"/> were validated by <c>services.AddLlmStack(configuration)</c> before the
/// provider is called. Instances are immutable and may be shared between threads.
/// </remarks>
public sealed class LlmStackProviderContext
{
    /// <summary>Initializes a new instance of the <see cref="LlmStackProviderContext"/> class.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The provider's configuration section, such as <c>LlmStack:Chat</c>.</param>
    /// <param name="dataDirectory">The absolute path of <c>LlmStack:DataDirectory</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> is empty or white space.</exception>
    public LlmStackProviderContext(IServiceProvider services, IConfigurationSection configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Services = services;
        Configuration = configuration;
        DataDirectory = dataDirectory;
    }

    /// <summary>Gets the application's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Gets the provider's configuration section (<c>LlmStack:Chat</c>, <c>LlmStack:Embeddings</c> or <c>LlmStack:VectorStore</c>).</summary>
    /// <remarks>Its <see cref="IConfigurationSection.Path"/> is the key path to name in messages.</remarks>
    public IConfigurationSection Configuration { get; }

    /// <summary>Gets the absolute path of the folder where Llm.Stack keeps its data (<c>LlmStack:DataDirectory</c>).</summary>
    public string DataDirectory { get; }
}
