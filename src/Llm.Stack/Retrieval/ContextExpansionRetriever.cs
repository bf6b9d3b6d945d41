using System.Text;

namespace Llm.Stack;

/// <summary>
/// Widens each retrieved chunk with its context: the neighbouring chunks of the same document (small-to-big
/// retrieval), or its parent chunk when a parent lookup is given. Hits that expand into overlapping ranges of
/// one document are merged, keeping the best score.
/// </summary>
/// <remarks>
/// The expanded chunk keeps the hit's <see cref="DocumentChunk.Id"/> (so citations point at what was found)
/// and carries the neighbours' text in document order. Thread-safe when the inner retriever and the lookups are.
/// </remarks>
public sealed class ContextExpansionRetriever : IRetriever
{
    private readonly IRetriever _inner;
    private readonly Func<string, int, CancellationToken, ValueTask<DocumentChunk?>>? _neighbourLookup;
    private readonly Func<DocumentChunk, CancellationToken, ValueTask<DocumentChunk?>>? _parentLookup;

    /// <summary>Initializes a new instance of the <see cref="ContextExpansionRetriever"/> class.</summary>
    /// <param name="inner">The retriever whose hits are expanded.</param>
    /// <param name="neighbourLookup">Finds the chunk of a document at an ordinal (or <see langword="null"/> when none); <see langword="null"/> for no neighbour expansion.</param>
    /// <param name="parentLookup">Finds a chunk's parent chunk (or <see langword="null"/>); <see langword="null"/> for no parent expansion. A found parent replaces the neighbours.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Neither lookup is given.</exception>
    public ContextExpansionRetriever(
        IRetriever inner,
        Func<string, int, CancellationToken, ValueTask<DocumentChunk?>>? neighbourLookup,
        Func<DocumentChunk, CancellationToken, ValueTask<DocumentChunk?>>? parentLookup = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (neighbourLookup is null && parentLookup is null)
        {
            throw new ArgumentException("Give a neighbour lookup, a parent lookup, or both.", nameof(neighbourLookup));
        }

        _inner = inner;
        _neighbourLookup = neighbourLookup;
        _parentLookup = parentLookup;
    }

    /// <summary>Gets the number of neighbours added on each side of a hit.</summary>
    /// <value>The default value is 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Window
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1;

    /// <inheritdoc />
    public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        IReadOnlyList<RetrievedChunk> hits = await _inner.RetrieveAsync(query, options, cancellationToken).ConfigureAwait(false);

        var result = new List<RetrievedChunk>(hits.Count);
        var covered = new List<(string DocumentId, int First, int Last, int Index)>();
        foreach (RetrievedChunk hit in hits)
        {
            DocumentChunk chunk = hit.Chunk;
            if (_parentLookup is not null && await _parentLookup(chunk, cancellationToken).ConfigureAwait(false) is { } parent)
            {
                if (!result.Any(r => r.Chunk.Id == parent.Id))
                {
                    result.Add(new RetrievedChunk(parent, hit.Score));
                }

                continue;
            }

            if (_neighbourLookup is null || Window == 0)
            {
                result.Add(hit);
                continue;
            }

            int first = chunk.Ordinal;
            int last = chunk.Ordinal;

            // A hit inside a range already expanded adds nothing: its text is there with a better score.
            if (covered.Any(c => c.DocumentId == chunk.DocumentId && chunk.Ordinal >= c.First && chunk.Ordinal <= c.Last))
            {
                continue;
            }

            var before = new List<DocumentChunk>();
            var after = new List<DocumentChunk>();
            for (int d = 1; d <= Window; d++)
            {
                if (chunk.Ordinal - d >= 0 && !IsCovered(covered, chunk.DocumentId, chunk.Ordinal - d)
                    && await _neighbourLookup(chunk.DocumentId, chunk.Ordinal - d, cancellationToken).ConfigureAwait(false) is { } b)
                {
                    before.Insert(0, b);
                    first = b.Ordinal;
                }

                if (!IsCovered(covered, chunk.DocumentId, chunk.Ordinal + d)
                    && await _neighbourLookup(chunk.DocumentId, chunk.Ordinal + d, cancellationToken).ConfigureAwait(false) is { } a)
                {
                    after.Add(a);
                    last = a.Ordinal;
                }
            }

            covered.Add((chunk.DocumentId, first, last, result.Count));
            if (before.Count == 0 && after.Count == 0)
            {
                result.Add(hit);
                continue;
            }

            var text = new StringBuilder();
            foreach (DocumentChunk c in before)
            {
                text.Append(c.Text).Append('\n');
            }

            text.Append(chunk.Text);
            foreach (DocumentChunk c in after)
            {
                text.Append('\n').Append(c.Text);
            }

            DocumentChunk start = before.Count > 0 ? before[0] : chunk;
            DocumentChunk end = after.Count > 0 ? after[^1] : chunk;
            var expanded = new DocumentChunk(chunk.DocumentId, chunk.Ordinal, text.ToString())
            {
                Id = chunk.Id,
                Start = start.Start,
                Length = Math.Max(0, end.Start + end.Length - start.Start),
                PageNumber = start.PageNumber ?? chunk.PageNumber,
                SectionPath = chunk.SectionPath,
                Metadata = new Dictionary<string, object?>(chunk.Metadata, StringComparer.Ordinal),
                TokenCount = before.Sum(c => c.TokenCount) + chunk.TokenCount + after.Sum(c => c.TokenCount),
            };
            result.Add(new RetrievedChunk(expanded, hit.Score));
        }

        return result;
    }

    private static bool IsCovered(List<(string DocumentId, int First, int Last, int Index)> covered, string documentId, int ordinal) =>
        covered.Exists(c => c.DocumentId == documentId && ordinal >= c.First && ordinal <= c.Last);
}
