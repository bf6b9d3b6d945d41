namespace Llm.Stack;

/// <summary>The sum of the usage records that match a query of <see cref="UsageLedger.GetTotals"/>.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record UsageTotals
{
    /// <summary>Gets the number of calls.</summary>
    public long Calls { get; init; }

    /// <summary>Gets the input tokens, cached ones included.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the cached input tokens.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Gets the output tokens, reasoning ones included.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the reasoning tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Gets the input and output tokens together.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Gets the cost of the calls whose model has prices.</summary>
    public decimal Cost { get; init; }

    /// <summary>Gets the number of calls with no cost (a price of their model is unknown); <see cref="Cost"/> leaves them out.</summary>
    public long UnpricedCalls { get; init; }

    /// <summary>Gets the number of calls whose provider reported no usage (counted with zero tokens).</summary>
    public long UnreportedCalls { get; init; }
}
