namespace Llm.Stack;

/// <summary>The prices of a model's tokens, per million, as configured (<see cref="ChatModelSettings"/>, <see cref="EmbeddingModelSettings"/>).</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class TokenPrices
{
    /// <summary>Initializes a new instance of the <see cref="TokenPrices"/> class.</summary>
    /// <param name="inputPerMillion">The price of one million input tokens; <see langword="null"/> when unknown.</param>
    /// <param name="outputPerMillion">The price of one million output tokens (reasoning tokens included); <see langword="null"/> when unknown or not charged (embeddings).</param>
    /// <param name="cachedInputPerMillion">The price of one million input tokens served from the provider's prompt cache; <see langword="null"/> for the input price.</param>
    /// <exception cref="ArgumentOutOfRangeException">A price is negative.</exception>
    public TokenPrices(decimal? inputPerMillion, decimal? outputPerMillion = null, decimal? cachedInputPerMillion = null)
    {
        InputPerMillion = ModelPrices.Check(inputPerMillion, nameof(inputPerMillion));
        OutputPerMillion = ModelPrices.Check(outputPerMillion, nameof(outputPerMillion));
        CachedInputPerMillion = ModelPrices.Check(cachedInputPerMillion, nameof(cachedInputPerMillion));
    }

    /// <summary>Gets the price of one million input tokens, or <see langword="null"/> when unknown.</summary>
    public decimal? InputPerMillion { get; }

    /// <summary>Gets the price of one million output tokens, or <see langword="null"/> when unknown.</summary>
    public decimal? OutputPerMillion { get; }

    /// <summary>Gets the price of one million cached input tokens, or <see langword="null"/> to charge them at <see cref="InputPerMillion"/>.</summary>
    public decimal? CachedInputPerMillion { get; }

    /// <summary>Gets the prices of a configured chat model.</summary>
    /// <param name="settings">The model's settings.</param>
    /// <returns>Its prices.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is <see langword="null"/>.</exception>
    public static TokenPrices Of(ChatModelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.InputPricePerMillionTokens, settings.OutputPricePerMillionTokens, settings.CachedInputPricePerMillionTokens);
    }

    /// <summary>Gets the prices of a configured embedding model (input tokens only).</summary>
    /// <param name="settings">The model's settings.</param>
    /// <returns>Its prices.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is <see langword="null"/>.</exception>
    public static TokenPrices Of(EmbeddingModelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.InputPricePerMillionTokens);
    }

    /// <summary>
    /// Returns the cost of a call's usage: uncached input tokens at the input price, cached ones at the cached price,
    /// output tokens (reasoning included, as providers count them) at the output price.
    /// </summary>
    /// <param name="kind">Chat calls need an input and an output price; embedding calls an input price.</param>
    /// <param name="inputTokens">The input tokens, cached ones included.</param>
    /// <param name="cachedInputTokens">How many of the input tokens were cached.</param>
    /// <param name="outputTokens">The output tokens.</param>
    /// <returns>The cost, or <see langword="null"/> when a price it needs is unknown.</returns>
    public decimal? Cost(UsageKind kind, long inputTokens, long cachedInputTokens, long outputTokens)
    {
        if (InputPerMillion is not { } input || (kind == UsageKind.Chat && OutputPerMillion is null))
        {
            return null;
        }

        long cached = Math.Clamp(cachedInputTokens, 0, inputTokens);
        decimal total = ((inputTokens - cached) * input) + (cached * (CachedInputPerMillion ?? input)) + (outputTokens * (OutputPerMillion ?? 0m));
        return total / 1_000_000m;
    }
}
