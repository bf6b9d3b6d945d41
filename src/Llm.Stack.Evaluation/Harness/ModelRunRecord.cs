namespace Llm.Stack.Evaluation;

/// <summary>The outcome of one dataset item on one model: the response, its metrics, latency, tokens and cost.</summary>
/// <remarks>Instances are immutable and safe to share across threads. This is also the line format of the results file.</remarks>
public sealed record ModelRunRecord
{
    /// <summary>Gets the model name.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the dataset item id.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the response text; <see langword="null"/> when the call failed.</summary>
    public string? Response { get; init; }

    /// <summary>Gets the error of the last attempt when the call failed; otherwise <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the number of attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the numeric metrics of the response, keyed by metric name; empty when the call failed.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Gets the time from the start of the successful attempt to the first streamed text, in milliseconds.</summary>
    public double? TimeToFirstTokenMs { get; init; }

    /// <summary>Gets the time of the successful attempt until the last update, in milliseconds.</summary>
    public double? TotalLatencyMs { get; init; }

    /// <summary>Gets the input tokens the provider reported.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Gets the output tokens the provider reported.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Gets the cost from the reported tokens and the candidate's prices; <see langword="null"/> when either is unknown.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets a value indicating whether the call succeeded.</summary>
    public bool Succeeded => Error is null;
}
