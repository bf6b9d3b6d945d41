namespace Llm.Stack.VectorIndex;

/// <summary>A document found by a keyword search, with its BM25 score.</summary>
/// <typeparam name="TKey">The type of the document keys.</typeparam>
/// <param name="Key">The key under which the document was added.</param>
/// <param name="Score">The BM25 score of the document for the query: positive, higher is better.</param>
public readonly record struct KeywordMatch<TKey>(TKey Key, double Score);
