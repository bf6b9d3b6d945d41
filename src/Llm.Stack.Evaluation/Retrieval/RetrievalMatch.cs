namespace Llm.Stack.Evaluation;

/// <summary>Which id of a retrieved chunk is compared with the relevance judgments of a <see cref="RetrievalQuery"/>.</summary>
public enum RetrievalMatch
{
    /// <summary>The document id (<see cref="DocumentChunk.DocumentId"/>): any chunk of a relevant document counts, once.</summary>
    DocumentId = 0,

    /// <summary>The chunk id (<see cref="DocumentChunk.Id"/>).</summary>
    ChunkId = 1,
}
