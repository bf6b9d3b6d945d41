namespace Llm.Stack;

/// <summary>
/// A labelled example for training an <see cref="EmbeddingClassifier"/>. A line of a labelled file is the JSON form,
/// <c>{"text": "…", "label": "…"}</c>.
/// </summary>
/// <param name="Text">The text, as the classifier will meet it.</param>
/// <param name="Label">Its class; labels are compared ordinally (case-sensitive).</param>
public sealed record ClassificationExample(string Text, string Label);
