namespace Llm.Stack;

/// <summary>A passage of the corpus with its embedding by the base embedder, for example an indexed chunk.</summary>
/// <param name="Text">The passage's text.</param>
/// <param name="Embedding">Its embedding by the base embedder.</param>
public sealed record EmbeddedPassage(string Text, ReadOnlyMemory<float> Embedding);
