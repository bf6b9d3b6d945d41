namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>The shape and behaviour of a tiny generated model.</summary>
public sealed record TinyModelSpec
{
    /// <summary>Gets the seed of the random weights.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Gets the number of decoder layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Gets the hidden size.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Gets the number of attention heads (head size = hidden / heads).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Gets the SwiGLU inner size.</summary>
    public int IntermediateSize { get; init; } = 128;

    /// <summary>Gets the vocabulary size (bytes + merges + added tokens).</summary>
    public int VocabSize { get; init; } = 500;

    /// <summary>Gets the context length.</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>Gets the standard deviation of the raw logits (so that greedy choices have clear margins).</summary>
    public float LogitScale { get; init; } = 4.0f;

    /// <summary>Gets the rank of the LoRA branch on every projection (0: none, the plain model).</summary>
    public int LoraRank { get; init; }

    /// <summary>Gets the tokens forced at absolute positions: the token predicted AT position p (from the input at p).</summary>
    public IReadOnlyDictionary<int, int> ForcedTokens { get; init; } = new Dictionary<int, int>();

    /// <summary>Gets the chat template written into tokenizer_config.json (null: none).</summary>
    public string? ChatTemplate { get; init; } = TinyModelFiles.ChatMlTemplate;
}
