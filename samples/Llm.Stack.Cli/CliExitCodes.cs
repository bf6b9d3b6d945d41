namespace Llm.Stack.Cli;

/// <summary>The exit codes of <c>llmstack</c>, documented in README.md ("Exit codes").</summary>
internal static class CliExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad input or nothing to work on (an empty question, a missing path, an empty index).</summary>
    public const int Failed = 1;

    /// <summary>The configuration is invalid (an unknown key, a bad value, a public address without an API key).</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>A configured model endpoint cannot be reached, or cut a streamed answer off before its end.</summary>
    public const int EndpointUnreachable = 3;

    /// <summary>Another process is writing the index (<c>ingest --no-wait</c>).</summary>
    public const int IndexBusy = 4;

    /// <summary>The data folder cannot be written: read-only, no permission, or the disk is full. The last committed index is kept.</summary>
    public const int CannotWrite = 5;

    /// <summary>The index on disk is damaged.</summary>
    public const int IndexDamaged = 6;

    /// <summary><c>serve</c> cannot listen: the port is in use, not permitted, or the address is not this machine's.</summary>
    public const int AddressUnavailable = 7;

    /// <summary><c>tune-embeddings</c> trained an adapter that does not rank the held-out pairs better than the base embedder; nothing was saved.</summary>
    public const int AdapterNotBetter = 8;

    /// <summary><c>eval --baseline</c>: a metric's mean dropped more than <c>--max-drop</c> allows; the reports are written, with the questions that got worse.</summary>
    public const int Regression = 9;

    /// <summary><c>finetune status</c> or <c>finetune submit --follow</c>: the hosted fine-tuning job failed (the server's reason is printed) or was cancelled.</summary>
    public const int FineTuningJobFailed = 10;

    /// <summary>The guardrails (<c>LlmStack:Guardrails</c>) refused the question or the answer; the message names the check and the stage, never the text.</summary>
    public const int GuardrailRefused = 11;

    /// <summary>Interrupted with Ctrl-C; an interrupted ingest keeps what it committed and resumes next time.</summary>
    public const int Cancelled = 130;
}
