namespace Llm.Stack;

/// <summary>
/// A labelled pair for training an <see cref="EmbeddingAdapter"/>: a query and the text of a passage that answers it.
/// A line of a pairs file is the JSON form, <c>{"query": "…", "passage": "…"}</c>.
/// </summary>
/// <param name="Query">The query, as a user would ask it.</param>
/// <param name="Passage">The text of the passage that answers it; matched to the indexed chunks by text.</param>
public sealed record EmbeddingTrainingPair(string Query, string Passage);
