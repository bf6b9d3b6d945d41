namespace Llm.Stack;

/// <summary>A query embedding and the passages (indexes into the training corpus) that answer it.</summary>
/// <param name="Query">The query's embedding by the base embedder.</param>
/// <param name="RelevantPassages">The indexes of the passages that answer the query; at least one.</param>
public sealed record EmbeddingTrainingExample(ReadOnlyMemory<float> Query, IReadOnlyList<int> RelevantPassages);
