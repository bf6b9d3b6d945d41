using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// A provider name that a package implements for one kind of service (chat, embeddings or vector store), registered as
/// a singleton by <see cref="LlmStackBuilder.AddChatProvider"/>, <see cref="LlmStackBuilder.AddEmbeddingProvider"/> or
/// <see cref="LlmStackBuilder.AddVectorStoreProvider"/>. The <c>Provider</c> key of the matching configuration section
/// selects among the registered ones.
/// </summary>
/// <remarks>Instances are immutable and may be shared between threads.</remarks>
public sealed class LlmStackProviderRegistration
{
    internal LlmStackProviderRegistration(Type serviceType, string name, Func<LlmStackProviderContext, object> factory)
    {
        ServiceType = serviceType;
        Name = name;
        Factory = factory;
    }

    /// <summary>Gets the service the provider creates: <see cref="IChatClient"/>, <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings, or <see cref="VectorStore"/>.</summary>
    public Type ServiceType { get; }

    /// <summary>Gets the provider name, as written in configuration (compared without regard to case).</summary>
    public string Name { get; }

    /// <summary>Gets the function that creates the service from the provider's configuration section.</summary>
    public Func<LlmStackProviderContext, object> Factory { get; }
}
