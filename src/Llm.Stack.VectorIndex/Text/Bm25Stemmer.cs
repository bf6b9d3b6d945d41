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

    /// <summary>
    /// Porter's algorithm (1980) as in Lucene's <c>PorterStemFilter</c> and Lucene's <c>EnglishAnalyzer</c>: conflates
    /// inflections and many derivations ("connection", "connected", "connecting" → "connect"; "generalizations" →
    /// "gener"). Better recall than <see cref="EnglishMinimal"/> for English prose, at the cost of some false matches.
    /// Applies to words made of ASCII letters only.
    /// </summary>
    Porter = 2,
}
