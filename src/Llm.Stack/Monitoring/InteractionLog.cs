using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Llm.Stack;

/// <summary>
/// Records interactions off the request path: <see cref="Write"/> puts a record in a bounded queue and returns at once,
/// and one background task stores the queue in batches in an <see cref="IInteractionStore"/>. Feedback on a recorded
/// interaction goes through <see cref="RecordFeedbackAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Chat calls are recorded by <c>UseInteractionLog()</c> on a <see cref="ChatClientBuilder"/>, and answers of a
/// <see cref="RagPipeline"/> by the pipeline itself (<see cref="RagPipeline.InteractionLog"/>). A full queue drops the
/// new record (counted on <see cref="LlmStackTelemetry.InteractionsDroppedName"/> and logged) rather than slow a request;
/// a batch the store refuses is retried once, then dropped and logged.
/// </para>
/// <para>
/// All members are safe to call from several threads at once. Dispose the log (the service provider does) to store what
/// is still queued.
/// </para>
/// </remarks>
public sealed partial class InteractionLog : IAsyncDisposable, IDisposable
{
    private readonly InteractionLogOptions _options;
    private readonly Channel<InteractionRecord> _queue;
    private readonly ILogger _logger;
    private readonly Task _writer;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _enqueued;
    private long _completed;
    private long _dropped;
    private long _droppedLogged;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="InteractionLog"/> class and starts its background writer.</summary>
    /// <param name="store">Where the records are stored.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults. They are copied.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    public InteractionLog(IInteractionStore store, InteractionLogOptions? options = null, ILogger<InteractionLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        options ??= new InteractionLogOptions();
        _options = new InteractionLogOptions
        {
            Enabled = options.Enabled,
            IncludeContent = options.IncludeContent,
            RedactPersonalData = options.RedactPersonalData,
            Path = options.Path,
            MaxAge = options.MaxAge,
            MaxSizeMegabytes = options.MaxSizeMegabytes,
            QueueCapacity = options.QueueCapacity,
            BatchSize = options.BatchSize,
            CostCalculator = options.CostCalculator,
        };
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _queue = Channel.CreateBounded<InteractionRecord>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _writer = Task.Run(RunAsync);
    }

    /// <summary>Gets the store the records are written to.</summary>
    public IInteractionStore Store { get; }

    /// <summary>Gets a value indicating whether interactions are recorded (<see cref="InteractionLogOptions.Enabled"/>).</summary>
    public bool IsEnabled => _options.Enabled;

    /// <summary>Gets a value indicating whether the text of questions and answers is recorded (<see cref="InteractionLogOptions.IncludeContent"/>).</summary>
    public bool IncludesContent => _options.IncludeContent;

    /// <summary>Gets the number of records dropped so far because the queue was full or the store failed.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Creates a new interaction id: 32 lower-case hexadecimal digits of a time-ordered UUID (version 7).</summary>
    /// <returns>The id.</returns>
    public static string NewId() => Guid.CreateVersion7().ToString("N");

    /// <summary>Queues a record to be stored; never waits.</summary>
    /// <param name="record">The record; do not change it afterwards.</param>
    /// <returns><see langword="true"/> when it was queued; <see langword="false"/> when it was dropped because the queue is full, the log is disabled or disposed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="record"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The record's <see cref="InteractionRecord.Id"/> is empty.</exception>
    public bool Write(InteractionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (string.IsNullOrEmpty(record.Id))
        {
            throw new ArgumentException("The record has no Id: set it, for example with InteractionLog.NewId().", nameof(record));
        }

        if (!_options.Enabled)
        {
            return false;
        }

        if (_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _enqueued);
            return true;
        }

        Interlocked.Increment(ref _dropped);
        LlmStackTelemetry.InteractionsDropped.Add(1);
        return false;
    }

    /// <summary>Waits until every record queued before the call has been stored (or dropped).</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the records are stored.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        long target = Interlocked.Read(ref _enqueued);
        while (Interlocked.Read(ref _completed) < target && !_writer.IsCompleted)
        {
            Task progress = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _completed) >= target)
            {
                break;
            }

            await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records a person's feedback on an interaction.</summary>
    /// <param name="interactionId">The interaction's id, as returned with the response (<see cref="InteractionLogChatClient.InteractionIdKey"/>).</param>
    /// <param name="feedback">The feedback.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>
    /// <see langword="true"/> when it was recorded; <see langword="false"/> when no interaction has that id (never
    /// recorded, or deleted by retention). A record still queued is stored first.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="interactionId"/> is empty, white space or longer than 128 characters, or a label or chunk id of <paramref name="feedback"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="feedback"/> is <see langword="null"/>.</exception>
    public async Task<bool> RecordFeedbackAsync(string interactionId, InteractionFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interactionId);
        ArgumentNullException.ThrowIfNull(feedback);
        if (interactionId.Length > 128)
        {
            throw new ArgumentException($"An interaction id has at most 128 characters; this one has {interactionId.Length}.", nameof(interactionId));
        }

        CheckItems(feedback, feedback.Labels, "Labels");
        CheckItems(feedback, feedback.RelevantChunkIds, "RelevantChunkIds");
        CheckItems(feedback, feedback.IrrelevantChunkIds, "IrrelevantChunkIds");

        if (await Store.AddFeedbackAsync(interactionId, feedback, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        if (Interlocked.Read(ref _completed) >= Interlocked.Read(ref _enqueued))
        {
            return false;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await Store.AddFeedbackAsync(interactionId, feedback, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking records, stores those still queued, and waits for the background writer to end.</summary>
    /// <returns>A task that completes when the writer has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _writer.ConfigureAwait(false);
    }

    /// <summary>Stops taking records, stores those still queued, and waits for the background writer to end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        // The writer runs on the thread pool and never waits for the caller, so this wait cannot deadlock.
        _writer.GetAwaiter().GetResult();
    }

    /// <summary>Starts a record of an interaction that began now.</summary>
    internal static InteractionRecord Begin(string operation) =>
        new() { Id = NewId(), Timestamp = DateTimeOffset.UtcNow, Operation = operation };

    /// <summary>Takes what is needed of an exception: its type, and for a guardrail the decision, never its message.</summary>
    internal static void Fail(InteractionRecord record, Exception e)
    {
        record.Error = e.GetType().Name;
        if (e is GuardrailViolationException violation)
        {
            string decision = $"blocked:{violation.Category}:{violation.Stage}".ToLowerInvariant();
            record.Error += ":" + violation.Category.ToString().ToLowerInvariant();
            record.GuardrailDecisions = [.. record.GuardrailDecisions, decision];
        }
    }

    private static void CheckItems(InteractionFeedback feedback, IReadOnlyList<string>? items, string name)
    {
        if (items is null)
        {
            throw new ArgumentException($"The feedback's {name} is null; use an empty list.", nameof(feedback));
        }

        foreach (string item in items)
        {
            if (string.IsNullOrWhiteSpace(item))
            {
                throw new ArgumentException($"The feedback's {name} holds an empty item.", nameof(feedback));
            }
        }
    }

    private async Task RunAsync()
    {
        ChannelReader<InteractionRecord> reader = _queue.Reader;
        var batch = new List<InteractionRecord>(Math.Min(_options.BatchSize, 4096));
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out InteractionRecord? record))
            {
                Prepare(record);
                batch.Add(record);
            }

            await StoreAsync(batch).ConfigureAwait(false);
            Interlocked.Add(ref _completed, batch.Count);
            batch.Clear();
            Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

            long dropped = Interlocked.Read(ref _dropped);
            if (dropped != _droppedLogged)
            {
                LogDropped(_logger, dropped - _droppedLogged, dropped);
                _droppedLogged = dropped;
            }
        }

        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task StoreAsync(List<InteractionRecord> batch)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Store.WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
                LlmStackTelemetry.InteractionsWritten.Add(batch.Count);
                return;
            }
            catch (Exception e) when (attempt == 1)
            {
                LogStoreFailed(_logger, batch.Count, e.GetType().Name, retrying: true, e);
                await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogStoreFailed(_logger, batch.Count, e.GetType().Name, retrying: false, e);
                Interlocked.Add(ref _dropped, batch.Count);
                _droppedLogged += batch.Count; // logged just above, not as a full queue
                LlmStackTelemetry.InteractionsDropped.Add(batch.Count);
                return;
            }
        }
    }

    /// <summary>The work kept off the request path: redaction and pricing.</summary>
    private void Prepare(InteractionRecord record)
    {
        if (!_options.IncludeContent)
        {
            record.Question = null;
            record.RewrittenQuery = null;
            record.Answer = null;
        }
        else if (_options.RedactPersonalData)
        {
            record.Question = Redact(record.Question);
            record.RewrittenQuery = Redact(record.RewrittenQuery);
            record.Answer = Redact(record.Answer);
        }

        if (_options.CostCalculator is { } price && record.Cost is null && (record.InputTokens is not null || record.OutputTokens is not null))
        {
            try
            {
                record.Cost = price(record.ModelId, new UsageDetails { InputTokenCount = record.InputTokens, OutputTokenCount = record.OutputTokens });
            }
            catch (Exception e)
            {
                LogPricingFailed(_logger, e.GetType().Name, e);
            }
        }
    }

    private static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        IReadOnlyList<PiiMatch> matches = PiiDetector.Default.Detect(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var redacted = new StringBuilder(text.Length);
        int position = 0;
        foreach (PiiMatch match in matches.OrderBy(m => m.Start))
        {
            if (match.Start < position)
            {
                continue;
            }

            redacted.Append(text, position, match.Start - position).Append(PiiLabels.Label(match.Kind));
            position = match.End;
        }

        return redacted.Append(text, position, text.Length - position).ToString();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The interaction log's queue was full: {Count} records dropped ({Total} in all). Raise LlmStack:InteractionLog:QueueCapacity or check the store's speed.")]
    private static partial void LogDropped(ILogger logger, long count, long total);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The interaction store failed to write {Count} records ({Error}); retrying: {Retrying}.")]
    private static partial void LogStoreFailed(ILogger logger, int count, string error, bool retrying, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The interaction log's cost calculator failed ({Error}); the cost was not recorded.")]
    private static partial void LogPricingFailed(ILogger logger, string error, Exception exception);
}
