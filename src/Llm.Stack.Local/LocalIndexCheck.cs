namespace Llm.Stack.Local;

/// <summary>
/// The result of the self-check a <see cref="LocalIndex"/> runs when it opens: whether its files could be read, and
/// whether the ingestion state and the chunks agree. Disagreements are repaired in memory at once (searches see a
/// consistent index) and on disk by the next ingestion, which reads the affected documents again.
/// </summary>
/// <remarks>Instances are immutable.</remarks>
public sealed record LocalIndexCheck
{
    /// <summary>Gets the committed generation that was opened (0 for none, or an index of the first format).</summary>
    public long Generation { get; init; }

    /// <summary>Gets the number of documents in the ingestion state after the check.</summary>
    public int Documents { get; init; }

    /// <summary>Gets the number of chunks in the index.</summary>
    public int Chunks { get; init; }

    /// <summary>Gets the number of documents whose state disagreed with their chunks (chunks missing, or chunks the state did not know); the next ingestion reads them again.</summary>
    public int RepairedDocuments { get; init; }

    /// <summary>Gets the problems found, one sentence each (a damaged or missing file, a fallback to an older generation, disagreeing documents); empty when the index is healthy.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Gets a value indicating whether the check found nothing wrong.</summary>
    public bool IsHealthy => Problems.Count == 0;
}
