namespace Llm.Stack.Onnx;

/// <summary>Options of an <see cref="OnnxCrossEncoder"/>.</summary>
/// <remarks>Read once, when the cross-encoder is created; changing them afterwards has no effect on it.</remarks>
public sealed class OnnxCrossEncoderOptions : OnnxSessionOptions
{
    /// <summary>Gets or sets how logits become scores.</summary>
    /// <value>The default value is <see cref="CrossEncoderActivation.Sigmoid"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined activation.</exception>
    public CrossEncoderActivation Activation
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown activation.");
            }

            field = value;
        }
    } = CrossEncoderActivation.Sigmoid;

    /// <summary>Gets or sets the label whose logit is the score when the model's head has several labels.</summary>
    /// <value>Zero or more. The default value is <see langword="null"/>: the last label (label 1 of a [not relevant, relevant] head).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? LabelIndex { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets or sets the maximum pair length in tokens, <c>[CLS]</c> and both <c>[SEP]</c> included; passages are truncated to fit.</summary>
    /// <value>
    /// At least 4. The default value is <see langword="null"/>: the model's own limit, read from <c>sentence_bert_config.json</c>,
    /// <c>tokenizer.json</c>, <c>tokenizer_config.json</c> or <c>config.json</c> next to the model, else 512.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 4.</exception>
    public int? MaxTokens { get; set => field = OptionRange.Check(value, 4); }

    /// <summary>Gets or sets how many (query, passage) pairs run through the model at once.</summary>
    /// <value>From 1 to 4,096. The default value is 16.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public int BatchSize { get; set => field = OptionRange.Check(value, 1, 4096); } = 16;

    /// <summary>Gets or sets a value indicating whether input is lowercased and stripped of accents (uncased models).</summary>
    /// <value>The default value is <see langword="null"/>: the <c>tokenizer.json</c> normalizer's setting, or <see langword="true"/> with a <c>vocab.txt</c>.</value>
    public bool? LowercaseInput { get; set; }

    /// <summary>Gets or sets the name of the model output that holds the logits.</summary>
    /// <value>The default value is <see langword="null"/>: <c>logits</c> when the model has it, else its first output.</value>
    public string? OutputName { get; set; }
}
