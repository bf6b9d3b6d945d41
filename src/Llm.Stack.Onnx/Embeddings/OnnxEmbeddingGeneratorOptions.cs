namespace Llm.Stack.Onnx;

/// <summary>Options of an <see cref="OnnxEmbeddingGenerator"/>.</summary>
/// <remarks>Read once, when the generator is created; changing them afterwards has no effect on it.</remarks>
public sealed class OnnxEmbeddingGeneratorOptions : OnnxSessionOptions
{
    /// <summary>Gets or sets how token vectors are pooled into the sentence embedding.</summary>
    /// <value>The default value is <see cref="EmbeddingPooling.Mean"/>.</value>
    public EmbeddingPooling Pooling
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown pooling.");
            }

            field = value;
        }
    } = EmbeddingPooling.Mean;

    /// <summary>Gets or sets a value indicating whether embeddings are scaled to unit length (L2).</summary>
    /// <value>The default value is <see langword="true"/>, so that the dot product is the cosine similarity.</value>
    public bool Normalize { get; set; } = true;

    /// <summary>Gets or sets the maximum sequence length in tokens, <c>[CLS]</c> and <c>[SEP]</c> included; longer inputs are truncated.</summary>
    /// <value>
    /// At least 3. The default value is <see langword="null"/>: the model's own limit, read from
    /// <c>sentence_bert_config.json</c>, <c>tokenizer.json</c>, <c>tokenizer_config.json</c> or <c>config.json</c> next to the
    /// model, else 512. The built-in MiniLM model uses 256.
    /// </value>
    public int? MaxTokens
    {
        get;
        set
        {
            if (value is < 3)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The maximum must leave room for [CLS], one token and [SEP] (at least 3).");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets how many inputs run through the model at once.</summary>
    /// <value>From 1 to 4,096. The default value is 32.</value>
    public int BatchSize { get; set => field = OptionRange.Check(value, 1, 4096); } = 32;

    /// <summary>Gets or sets the model id reported in <see cref="Microsoft.Extensions.AI.EmbeddingGeneratorMetadata"/> and on each embedding.</summary>
    /// <value>The default value is <see langword="null"/>: the model folder's name.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets a value indicating whether input is lowercased and stripped of accents (uncased models).</summary>
    /// <value>The default value is <see langword="null"/>: the <c>tokenizer.json</c> normalizer's setting, or <see langword="true"/> with a <c>vocab.txt</c>.</value>
    public bool? LowercaseInput { get; set; }

    /// <summary>Gets or sets the name of the model output that holds the token vectors.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: <c>last_hidden_state</c> when the model has it, else its first output.
    /// An output of rank 2 ([batch, dimensions]) is taken as already pooled.
    /// </value>
    public string? OutputName { get; set; }
}
