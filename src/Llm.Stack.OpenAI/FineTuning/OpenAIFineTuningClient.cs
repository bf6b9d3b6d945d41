using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OpenAI;
using OpenAI.Files;
using OpenAI.FineTuning;

// The official client marks its fine-tuning API experimental (OPENAI001). This file is the only user, and none of its
// types appear in Llm.Stack's public API, so an application does not see the diagnostic; a change there is absorbed here.
#pragma warning disable OPENAI001

namespace Llm.Stack;

/// <summary>
/// Runs hosted fine-tuning jobs through the OpenAI-compatible fine-tuning API with the official OpenAI client
/// (<c>OpenAI.Files</c>, <c>OpenAI.FineTuning</c>): uploads the training and validation JSONL, creates a job, follows its
/// events, reads the tuned model's id, and cancels.
/// </summary>
/// <remarks>
/// <para>
/// The tuned model is then an ordinary model of the same endpoint: configure it as a named chat model,
/// <c>LlmStack:ChatModels:&lt;name&gt;</c> with <c>Provider</c> <c>openai</c>, the endpoint and
/// <c>Model</c> = <see cref="HostedFineTuningJob.FineTunedModel"/>, and resolve the keyed <c>IChatClient</c> under that name.
/// </para>
/// <para>
/// Calls go through the official client's pipeline, with its default retries (this client has no other retry layer).
/// An error answer from the server surfaces as the client's <see cref="ClientResultException"/> (with the HTTP
/// <see cref="ClientResultException.Status"/>, such as 404 for an unknown job id); a server that cannot be reached as the
/// same exception wrapping an <see cref="System.Net.Http.HttpRequestException"/>. The API key is sent only to the
/// endpoint, as a bearer token. Thread-safe: set <see cref="PollInterval"/> before use, then share the instance.
/// </para>
/// </remarks>
public sealed class OpenAIFineTuningClient
{
    private const int EventPageSize = 100;

    private readonly OpenAIFileClient _files;
    private readonly FineTuningClient _jobs;

    /// <summary>Initializes a new instance of the <see cref="OpenAIFineTuningClient"/> class over an OpenAI client.</summary>
    /// <param name="client">The OpenAI client, whose endpoint and credential the fine-tuning calls use.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    public OpenAIFineTuningClient(OpenAIClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _files = client.GetOpenAIFileClient();
        _jobs = client.GetFineTuningClient();
    }

    /// <summary>Initializes a new instance of the <see cref="OpenAIFineTuningClient"/> class for an OpenAI-compatible endpoint.</summary>
    /// <param name="endpoint">The endpoint, such as <c>https://api.example.com/v1</c> (absolute, http or https).</param>
    /// <param name="apiKey">The API key, sent as a bearer token; <see langword="null"/> for a server that needs none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URI.</exception>
    public OpenAIFineTuningClient(Uri endpoint, string? apiKey = null)
        : this(CreateClient(endpoint, apiKey))
    {
    }

    /// <summary>Gets or sets how long <see cref="WatchAsync"/> waits between two looks at a running job.</summary>
    /// <value>The default value is 10 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan PollInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(value));
            field = value;
        }
    } = TimeSpan.FromSeconds(10);

    /// <summary>Uploads the training (and validation) JSONL with the purpose <c>fine-tune</c> and creates a fine-tuning job.</summary>
    /// <param name="request">The base model, the data and the job's settings.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The created job, usually <see cref="HostedFineTuningJobStatus.ValidatingFiles"/> or <see cref="HostedFineTuningJobStatus.Queued"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ClientResultException">The server refused an upload or the job (the message says why), or cannot be reached.</exception>
    public async Task<HostedFineTuningJob> SubmitAsync(HostedFineTuningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string trainingFileId = await UploadAsync(request.TrainingData, request.TrainingFileName, cancellationToken).ConfigureAwait(false);
        string? validationFileId = request.ValidationData is { } validation
            ? await UploadAsync(validation, request.ValidationFileName, cancellationToken).ConfigureAwait(false)
            : null;

        var options = new FineTuningOptions { Suffix = request.Suffix, Seed = request.Seed, ValidationFile = validationFileId };
        if (request.EpochCount is { } epochs)
        {
            options.TrainingMethod = FineTuningTrainingMethod.CreateSupervised(
                HyperparameterBatchSize.CreateAuto(), new HyperparameterEpochCount(epochs), HyperparameterLearningRate.CreateAuto());
        }

        FineTuningJob job = await _jobs.FineTuneAsync(request.BaseModel, trainingFileId, waitUntilCompleted: false, options, cancellationToken).ConfigureAwait(false);
        return ToJob(job);
    }

    /// <summary>Gets a job's current state.</summary>
    /// <param name="jobId">The job's id, from <see cref="SubmitAsync"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The job as the server reports it now.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty.</exception>
    /// <exception cref="ClientResultException">The server does not know the job (status 404), refused the call, or cannot be reached.</exception>
    public async Task<HostedFineTuningJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        FineTuningJob job = await _jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        return ToJob(job);
    }

    /// <summary>Gets every event a job has produced so far, oldest first.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The events, oldest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty.</exception>
    /// <exception cref="ClientResultException">The server does not know the job (status 404), refused the call, or cannot be reached.</exception>
    public async Task<IReadOnlyList<HostedFineTuningEvent>> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        FineTuningJob job = await _jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        return await ReadNewEventsAsync(job, new HashSet<string>(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows a job: yields each of its events once, oldest first, as the server reports them (looking every
    /// <see cref="PollInterval"/>), and ends when the job has succeeded, failed or been cancelled. Then
    /// <see cref="GetJobAsync"/> gives the final state and the tuned model's id.
    /// </summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests; cancelling stops following, not the job.</param>
    /// <returns>The job's events, oldest first, including those before the call.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty.</exception>
    /// <exception cref="ClientResultException">The server does not know the job (status 404), refused a call, or cannot be reached.</exception>
    public IAsyncEnumerable<HostedFineTuningEvent> WatchAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return WatchCoreAsync(jobId, cancellationToken);
    }

    /// <summary>Cancels a job that has not finished.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The job after the cancellation, normally <see cref="HostedFineTuningJobStatus.Cancelled"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The job has already succeeded, failed or been cancelled; the message says which.</exception>
    /// <exception cref="ClientResultException">The server does not know the job (status 404), refused the call, or cannot be reached.</exception>
    public async Task<HostedFineTuningJob> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        FineTuningJob job = await _jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        HostedFineTuningJob current = ToJob(job);
        if (current.IsFinished)
        {
            throw new InvalidOperationException($"The fine-tuning job {jobId} has already {current.StatusText}; there is nothing to cancel.");
        }

        await job.CancelAndUpdateAsync(cancellationToken).ConfigureAwait(false);
        return ToJob(job);
    }

    private async IAsyncEnumerable<HostedFineTuningEvent> WatchCoreAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            // The state first, then the events: when the state says finished, the events read after it include the last ones.
            FineTuningJob job = await _jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
            bool finished = job.HasCompleted;
            foreach (HostedFineTuningEvent e in await ReadNewEventsAsync(job, seen, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            if (finished)
            {
                yield break;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the events not in <paramref name="seen"/>, oldest first, and adds them to it.</summary>
    private static async Task<IReadOnlyList<HostedFineTuningEvent>> ReadNewEventsAsync(FineTuningJob job, HashSet<string> seen, CancellationToken cancellationToken)
    {
        // The API lists events newest first, a page at a time: stop at the first one already seen, so a long job's
        // earlier pages are not fetched again on every look.
        var fresh = new List<HostedFineTuningEvent>();
        await foreach (FineTuningEvent e in job.GetEventsAsync(new GetEventsOptions { PageSize = EventPageSize }, cancellationToken).ConfigureAwait(false))
        {
            if (seen.Contains(e.Id))
            {
                break;
            }

            fresh.Add(new HostedFineTuningEvent(e.Id, e.CreatedAt, e.Message ?? string.Empty, e.Kind?.ToString(), e.Data?.ToString()));
        }

        fresh.Reverse();
        foreach (HostedFineTuningEvent e in fresh)
        {
            seen.Add(e.Id);
        }

        return fresh;
    }

    private async Task<string> UploadAsync(BinaryData data, string fileName, CancellationToken cancellationToken)
    {
        using Stream stream = data.ToStream();
        ClientResult<OpenAIFile> uploaded = await _files.UploadFileAsync(stream, fileName, FileUploadPurpose.FineTune, cancellationToken).ConfigureAwait(false);
        return uploaded.Value.Id;
    }

    private static HostedFineTuningJob ToJob(FineTuningJob job)
    {
        // The client's FineTuningJob has no public error, creation or end time: they are read from the job's JSON.
        using JsonDocument json = JsonDocument.Parse(job.GetRawResponse().Content);
        JsonElement root = json.RootElement;
        JsonElement error = root.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.Object ? e : default;
        return new HostedFineTuningJob(job.JobId, job.Status.ToString(), job.BaseModel)
        {
            FineTunedModel = string.IsNullOrEmpty(job.Value) ? null : job.Value,
            TrainingFileId = job.TrainingFileId,
            ValidationFileId = job.ValidationFileId,
            Suffix = job.UserProvidedSuffix,
            TrainedTokens = Int(root, "trained_tokens"),
            CreatedAt = Time(root, "created_at"),
            FinishedAt = Time(root, "finished_at"),
            EstimatedFinishAt = job.EstimatedFinishAt,
            ErrorCode = error.ValueKind == JsonValueKind.Object ? Text(error, "code") : null,
            ErrorMessage = error.ValueKind == JsonValueKind.Object ? Text(error, "message") : null,
        };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long seconds) && seconds > 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static OpenAIClient CreateClient(Uri endpoint, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The endpoint must be an absolute http or https URI, such as http://localhost:8080/v1; got '{endpoint}'.", nameof(endpoint));
        }

        // The OpenAI client always sends a bearer token; a server that needs none ignores a placeholder.
        return new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey), new OpenAIClientOptions { Endpoint = endpoint });
    }
}
