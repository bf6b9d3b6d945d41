namespace Llm.Stack;

/// <summary>The state of a hosted fine-tuning job, as the OpenAI-compatible fine-tuning API reports it.</summary>
public enum HostedFineTuningJobStatus
{
    /// <summary>The server reported a state this version does not know; <see cref="HostedFineTuningJob.StatusText"/> holds it.</summary>
    Unknown = 0,

    /// <summary>The server checks the uploaded files (<c>validating_files</c>).</summary>
    ValidatingFiles,

    /// <summary>The job waits for capacity (<c>queued</c>).</summary>
    Queued,

    /// <summary>The model is training (<c>running</c>).</summary>
    Running,

    /// <summary>The job was paused (<c>paused</c>).</summary>
    Paused,

    /// <summary>Training finished; <see cref="HostedFineTuningJob.FineTunedModel"/> names the tuned model (<c>succeeded</c>).</summary>
    Succeeded,

    /// <summary>The job failed; <see cref="HostedFineTuningJob.ErrorMessage"/> says why (<c>failed</c>).</summary>
    Failed,

    /// <summary>The job was cancelled (<c>cancelled</c>).</summary>
    Cancelled,
}
