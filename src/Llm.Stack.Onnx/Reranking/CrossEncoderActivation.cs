namespace Llm.Stack.Onnx;

/// <summary>How an <see cref="OnnxCrossEncoder"/> turns the model's logits into a relevance score.</summary>
public enum CrossEncoderActivation
{
    /// <summary>
    /// A probability in [0, 1]: the logistic sigmoid of a single logit, or, for a head with several labels, the softmax
    /// probability of <see cref="OnnxCrossEncoderOptions.LabelIndex"/> (what sentence-transformers' <c>CrossEncoder</c> returns).
    /// </summary>
    Sigmoid,

    /// <summary>The raw logit (of <see cref="OnnxCrossEncoderOptions.LabelIndex"/> for a head with several labels).</summary>
    Raw,
}
