using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// The settings of the interaction log, bound from <c>LlmStack:InteractionLog</c> by <c>AddLlmStack(configuration)</c>
/// and validated there with their full key paths.
/// </summary>
/// <remarks>Read when <see cref="InteractionLog"/> is created; changing an instance afterwards has no effect.</remarks>
public sealed class InteractionLogOptions
{
    /// <summary>Gets or sets a value indicating whether interactions are recorded.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/>, <c>UseInteractionLog()</c> adds no layer and the RAG pipeline records nothing.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the text of questions, rewritten queries and answers is recorded.</summary>
    /// <value>The default value is <see langword="false"/>: only ids, scores, counts, times and outcomes are recorded.</value>
    public bool IncludeContent { get; set; }

    /// <summary>Gets or sets a value indicating whether personal data and secrets in recorded content are redacted (with <see cref="PiiDetector.Default"/>) before they are stored.</summary>
    /// <value>The default value is <see langword="true"/>. Applies only when <see cref="IncludeContent"/> is on; redaction runs on the background writer, not on the request path.</value>
    public bool RedactPersonalData { get; set; } = true;

    /// <summary>Gets or sets the file of the SQLite store.</summary>
    /// <value>A path; a relative one is under <c>LlmStack:DataDirectory</c>. The default value is <c>interactions.db</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string Path
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "interactions.db";

    /// <summary>Gets or sets how long interactions are kept; older ones (and their feedback) are deleted.</summary>
    /// <value>The default value is 30 days. At least one minute.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than one minute.</exception>
    public TimeSpan MaxAge
    {
        get;
        set
        {
            if (value < TimeSpan.FromMinutes(1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Keep interactions for at least one minute.");
            }

            field = value;
        }
    } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets the largest size of the store, in megabytes; past it the oldest interactions are deleted.</summary>
    /// <value>The default value is 1024. From 1 to 1,048,576.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to 1,048,576.</exception>
    public int MaxSizeMegabytes { get; set => field = OptionRange.Check(value, 1, 1_048_576); } = 1024;

    /// <summary>Gets or sets how many records may wait for the background writer; past it new records are dropped (and counted), never waited for.</summary>
    /// <value>The default value is 10,000. From 16 to 10,000,000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 16 to 10,000,000.</exception>
    public int QueueCapacity { get; set => field = OptionRange.Check(value, 16, 10_000_000); } = 10_000;

    /// <summary>Gets or sets the largest number of records the background writer stores in one transaction.</summary>
    /// <value>The default value is 512. From 1 to 100,000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to 100,000.</exception>
    public int BatchSize { get; set => field = OptionRange.Check(value, 1, 100_000); } = 512;

    /// <summary>Gets or sets the function that prices a call from its model id and usage; it runs on the background writer.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="InteractionRecord.Cost"/> is not computed.</value>
    public Func<string?, UsageDetails, decimal?>? CostCalculator { get; set; }
}
