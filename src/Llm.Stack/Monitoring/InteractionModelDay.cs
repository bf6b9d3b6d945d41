namespace Llm.Stack;

/// <summary>The interactions of one model on one UTC day, in <see cref="InteractionStatistics.ModelDays"/>.</summary>
/// <remarks>An instance is immutable.</remarks>
public sealed class InteractionModelDay
{
    /// <summary>Gets the UTC day.</summary>
    public DateOnly Day { get; init; }

    /// <summary>Gets the model id; <see langword="null"/> for interactions whose model is not known.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the number of interactions.</summary>
    public long Count { get; init; }

    /// <summary>Gets the number of input tokens reported.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the number of output tokens reported.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the cost computed.</summary>
    public decimal Cost { get; init; }
}
