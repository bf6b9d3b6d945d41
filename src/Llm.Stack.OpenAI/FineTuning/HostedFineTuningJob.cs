namespace Llm.Stack;

/// <summary>A hosted fine-tuning job as the server last reported it.</summary>
/// <remarks>
/// A snapshot: it does not change when the job moves on; ask <see cref="OpenAIFineTuningClient.GetJobAsync"/> again.
/// Instances are immutable and safe to share across threads.
/// </remarks>
public sealed class HostedFineTuningJob
{
    internal HostedFineTuningJob(string id, string statusText, string baseModel)
    {
        Id = id;
        StatusText = statusText;
        Status = ParseStatus(statusText);
        BaseModel = baseModel;
    }

    /// <summary>Gets the job's id, such as <c>ftjob-abc123</c>.</summary>
    public string Id { get; }

    /// <summary>Gets the job's state.</summary>
    public HostedFineTuningJobStatus Status { get; }

    /// <summary>Gets the job's state as the server wrote it, such as <c>validating_files</c>.</summary>
    public string StatusText { get; }

    /// <summary>Gets a value indicating whether the job has ended: succeeded, failed or cancelled.</summary>
    public bool IsFinished => Status is HostedFineTuningJobStatus.Succeeded or HostedFineTuningJobStatus.Failed or HostedFineTuningJobStatus.Cancelled;

    /// <summary>Gets the model being fine-tuned.</summary>
    public string BaseModel { get; }

    /// <summary>
    /// Gets the tuned model's id once the job has succeeded, such as <c>ft:gpt-4o-mini-2024-07-18:org:support:abc123</c>;
    /// <see langword="null"/> before. Use it as the <c>Model</c> of a named chat model (<c>LlmStack:ChatModels:&lt;name&gt;:Model</c>).
    /// </summary>
    public string? FineTunedModel { get; init; }

    /// <summary>Gets the uploaded training file's id.</summary>
    public string? TrainingFileId { get; init; }

    /// <summary>Gets the uploaded validation file's id, or <see langword="null"/> when there is none.</summary>
    public string? ValidationFileId { get; init; }

    /// <summary>Gets the suffix given at submission, or <see langword="null"/>.</summary>
    public string? Suffix { get; init; }

    /// <summary>Gets the number of tokens trained on (billed), once known.</summary>
    public int? TrainedTokens { get; init; }

    /// <summary>Gets when the job was created, or <see langword="null"/> when the server did not say.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the job ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets when the server expects the job to end, or <see langword="null"/>.</summary>
    public DateTimeOffset? EstimatedFinishAt { get; init; }

    /// <summary>Gets the error code of a failed job, such as <c>invalid_training_file</c>; <see langword="null"/> otherwise.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets why a failed job failed; <see langword="null"/> otherwise.</summary>
    public string? ErrorMessage { get; init; }

    /// <inheritdoc />
    public override string ToString() => FineTunedModel is null ? $"{Id} {StatusText}" : $"{Id} {StatusText} {FineTunedModel}";

    private static HostedFineTuningJobStatus ParseStatus(string status) => status switch
    {
        "validating_files" => HostedFineTuningJobStatus.ValidatingFiles,
        "queued" => HostedFineTuningJobStatus.Queued,
        "running" => HostedFineTuningJobStatus.Running,
        "paused" => HostedFineTuningJobStatus.Paused,
        "succeeded" => HostedFineTuningJobStatus.Succeeded,
        "failed" => HostedFineTuningJobStatus.Failed,
        "cancelled" => HostedFineTuningJobStatus.Cancelled,
        _ => HostedFineTuningJobStatus.Unknown,
    };
}
