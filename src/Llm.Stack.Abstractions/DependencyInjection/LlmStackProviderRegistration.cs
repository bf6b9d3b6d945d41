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
    internal LlmStackProviderRegistration(Type serviceType, string name, Func<LlmStackProviderContext, object> factory, bool isLocal)
    {
        ServiceType = serviceType;
        Name = name;
        Factory = factory;
        IsLocal = isLocal;
    }

    /// <summary>Gets the service the provider creates: <see cref="IChatClient"/>, <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings, or <see cref="VectorStore"/>.</summary>
    public Type ServiceType { get; }

    /// <summary>Gets the provider name, as written in configuration (compared without regard to case).</summary>
    public string Name { get; }

    /// <summary>Gets the function that creates the service from the provider's configuration section.</summary>
    public Func<LlmStackProviderContext, object> Factory { get; }

    /// <summary>
    /// Gets whether the provider runs its model in this process (registered with
    /// <see cref="LlmStackBuilder.AddLocalChatProvider"/> or <see cref="LlmStackBuilder.AddLocalEmbeddingProvider"/>):
    /// retries, a circuit breaker and rate limits guard against a remote service's faults and quotas, which a model in
    /// process does not have, so configuration adds no resilience layer around a local provider's chat client or embedding
    /// generator unless the model's section sets one.
    /// </summary>
    /// <value>
    /// <see langword="true"/> for the <c>onnx</c> chat client, <c>minilm</c> and the <c>onnx</c> embedder; <see langword="false"/>
    /// for a provider that calls a service (<c>openai</c>, <c>ollama</c>, <c>anthropic</c>).
    /// </value>
    public bool IsLocal { get; }
}
