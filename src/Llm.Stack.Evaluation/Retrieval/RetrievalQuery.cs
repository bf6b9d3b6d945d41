namespace Llm.Stack.Evaluation;

/// <summary>A labelled query of a retrieval evaluation set: the query text and the relevance of the items that should be found.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class RetrievalQuery
{
    /// <summary>Initializes a new instance of the <see cref="RetrievalQuery"/> class with binary relevance.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="relevantIds">The ids of the relevant items (each with relevance 1).</param>
    /// <exception cref="ArgumentNullException">An argument or an id is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty or white space, or <paramref name="relevantIds"/> is empty.</exception>
    public RetrievalQuery(string query, IEnumerable<string> relevantIds)
        : this(query, ToGrades(relevantIds))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RetrievalQuery"/> class with graded relevance.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="relevance">The relevance grade of each relevant item, keyed by id; grades must be positive (used as nDCG gains).</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="query"/> is empty or white space, <paramref name="relevance"/> is empty, or a grade is not a positive finite number.
    /// </exception>
    public RetrievalQuery(string query, IReadOnlyDictionary<string, double> relevance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(relevance);
        if (relevance.Count == 0)
        {
            throw new ArgumentException("A labelled query needs at least one relevant id.", nameof(relevance));
        }

        foreach (var (id, grade) in relevance)
        {
            if (!(grade > 0) || !double.IsFinite(grade))
            {
                throw new ArgumentException($"The relevance of '{id}' must be a positive finite number, not {grade}.", nameof(relevance));
            }
        }

        Query = query;
        Relevance = new Dictionary<string, double>(relevance, StringComparer.Ordinal);
    }

    /// <summary>Gets the query text.</summary>
    public string Query { get; }

    /// <summary>Gets the relevance grade of each relevant item, keyed by id.</summary>
    public IReadOnlyDictionary<string, double> Relevance { get; }

    private static Dictionary<string, double> ToGrades(IEnumerable<string> relevantIds)
    {
        ArgumentNullException.ThrowIfNull(relevantIds);
        var grades = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var id in relevantIds)
        {
            ArgumentNullException.ThrowIfNull(id, nameof(relevantIds));
            grades[id] = 1.0;
        }

        return grades;
    }
}
