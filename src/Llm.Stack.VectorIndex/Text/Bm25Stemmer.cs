namespace Llm.Stack.VectorIndex;

/// <summary>The stemming that a <see cref="Bm25Index{TKey}"/> applies to each token after lower-casing and stop-word removal.</summary>
public enum Bm25Stemmer
{
    /// <summary>No stemming: tokens are indexed as written (lower-cased, optionally folded).</summary>
    None = 0,

    /// <summary>
    /// Harman's "S-stemmer" for English plurals, the algorithm of Lucene's <c>EnglishMinimalStemFilter</c>:
    /// <c>-ies</c> becomes <c>-y</c> (not after <c>a</c> or <c>e</c>), <c>-es</c> becomes <c>-e</c> (not after <c>a</c>, <c>e</c>, <c>i</c> or <c>o</c>),
    /// and a final <c>-s</c> is removed (not after <c>u</c> or <c>s</c>). It conflates "queries" with "query" and "documents" with
    /// "document" without the over-stemming of more aggressive stemmers (it never touches "news", "class" or "status").
    /// </summary>
    EnglishMinimal = 1,
}
