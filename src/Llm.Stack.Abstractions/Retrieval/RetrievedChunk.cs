namespace Llm.Stack;

/// <summary>A chunk returned by an <see cref="IRetriever"/> or <see cref="IReranker"/>, with its relevance score.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Chunk">The chunk.</param>
/// <param name="Score">The relevance score; higher is more relevant. Its scale depends on the retriever or reranker.</param>
public sealed record RetrievedChunk(DocumentChunk Chunk, double Score);
