using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Runs a dataset through several <see cref="IChatClient"/>s and compares them: quality metrics from
/// <see cref="IEvaluator"/>s against the reference answers, time to first token and total latency (streaming), tokens
/// and cost, aggregated and ranked with configurable weights.
/// </summary>
/// <remarks>
/// Calls run with bounded concurrency over all (model, item) pairs, go through <c>UseLlmResilience</c> (transient
/// faults retried with exponential back-off and jitter, honouring <c>Retry-After</c>; a stream is not retried once its
/// first update has arrived), and each
/// completed pair is appended to the results file at once, so a run that is interrupted resumes without repeating work.
/// An instance may run several comparisons concurrently only with different results files.
/// </remarks>
public sealed class ModelComparisonHarness
{
    private readonly ModelComparisonOptions _options;
    private readonly IReadOnlyList<IEvaluator> _evaluators;

    /// <summary>Initializes a new instance of the <see cref="ModelComparisonHarness"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public ModelComparisonHarness(ModelComparisonOptions? options = null)
    {
        _options = options ?? new ModelComparisonOptions();
        _evaluators = _options.Evaluators is { } evaluators
            ? [.. evaluators]
            : [new BleuEvaluator(), new RougeEvaluator(), new ExactMatchEvaluator(), new TokenF1Evaluator()];
    }

    /// <summary>
    /// The simple entry point (used by <c>llmstack eval</c>): reads a JSONL dataset, compares the models and writes
    /// <c>report.md</c>, <c>report.csv</c>, <c>report.json</c> and <c>report.html</c> to <paramref name="outputDirectory"/>,
    /// with the results file <c>results.jsonl</c> there unless <see cref="ModelComparisonOptions.ResultsPath"/> is set.
    /// </summary>
    /// <param name="datasetPath">The JSONL dataset (see <see cref="EvaluationDataset"/>).</param>
    /// <param name="models">The models to compare.</param>
    /// <param name="outputDirectory">The directory for the reports; created when missing.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">A path is empty, or <paramref name="models"/> is empty or has duplicate names.</exception>
    /// <exception cref="FormatException">The dataset is not valid.</exception>
    public static async Task<ModelComparisonReport> RunJsonlAsync(
        string datasetPath,
        IReadOnlyList<ModelCandidate> models,
        string outputDirectory,
        ModelComparisonOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetPath);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        options ??= new ModelComparisonOptions();
        if (options.ResultsPath is null)
        {
            // A copy, so that the caller's options are not changed.
            var copy = new ModelComparisonOptions
            {
                MaxConcurrency = options.MaxConcurrency,
                MaxRetries = options.MaxRetries,
                RetryDelay = options.RetryDelay,
                Evaluators = options.Evaluators,
                ResultsPath = Path.Combine(outputDirectory, "results.jsonl"),
                BiasProbes = options.BiasProbes,
                BiasProbeOptions = options.BiasProbeOptions,
            };
            foreach (var (name, weight) in options.Weights)
            {
                copy.Weights[name] = weight;
            }

            options = copy;
        }
        var dataset = await EvaluationDataset.LoadJsonlAsync(datasetPath, cancellationToken).ConfigureAwait(false);
        var report = await new ModelComparisonHarness(options).RunAsync(dataset, models, cancellationToken).ConfigureAwait(false);
        await report.WriteAsync(outputDirectory, cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>Runs every item through every model, evaluates the responses and ranks the models.</summary>
    /// <param name="dataset">The dataset items.</param>
    /// <param name="models">The models to compare.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="models"/> is empty or has duplicate names, or <paramref name="dataset"/> has duplicate ids.</exception>
    public async Task<ModelComparisonReport> RunAsync(
        IReadOnlyList<EvaluationDatasetItem> dataset, IReadOnlyList<ModelCandidate> models, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("At least one model is required.", nameof(models));
        }

        if (models.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != models.Count)
        {
            throw new ArgumentException("Model names must be unique.", nameof(models));
        }

        if (dataset.Select(i => i.Id).Distinct(StringComparer.Ordinal).Count() != dataset.Count)
        {
            throw new ArgumentException("Dataset item ids must be unique.", nameof(dataset));
        }

        var done = await LoadExistingAsync(cancellationToken).ConfigureAwait(false);
        var records = new Dictionary<(string, string), ModelRunRecord>();
        var pending = new List<(ModelCandidate Model, EvaluationDatasetItem Item)>();
        foreach (var model in models)
        {
            foreach (var item in dataset)
            {
                if (done.TryGetValue((model.Name, item.Id), out var existing))
                {
                    records[(model.Name, item.Id)] = existing;
                }
                else
                {
                    pending.Add((model, item));
                }
            }
        }

        // Each model's calls go through the stack's resilience middleware (transient faults retried with backoff, as
        // ModelComparisonOptions says); the layer under it counts the attempts of each call.
        var clients = models.ToDictionary(m => m.Name, Resilient, StringComparer.Ordinal);
        using var fileLock = new SemaphoreSlim(1, 1);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(pending, parallel, async (work, ct) =>
        {
            var record = await RunOneAsync(work.Model, clients[work.Model.Name], work.Item, ct).ConfigureAwait(false);
            await fileLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                records[(work.Model.Name, work.Item.Id)] = record;
                if (_options.ResultsPath is { } path)
                {
                    await File.AppendAllTextAsync(path, JsonSerializer.Serialize(record, ReportJson.Options) + "\n", Encoding.UTF8, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                fileLock.Release();
            }
        }).ConfigureAwait(false);

        var ordered = models.SelectMany(m => dataset.Select(i => records[(m.Name, i.Id)])).ToArray();
        var report = ModelComparisonReport.Create(ordered, models.Select(m => m.Name).ToArray(), _options.Weights);
        if (_options.BiasProbes is not { } probes)
        {
            return report;
        }

        var bias = new List<BiasReport>(models.Count);
        foreach (var model in models)
        {
            var found = await new BiasProbeHarness(clients[model.Name], _options.BiasProbeOptions).RunAsync(probes, cancellationToken).ConfigureAwait(false);
            bias.Add(new BiasReport(model.Name, found.Confidence, found.Attributes));
        }

        return report.WithBias(bias);
    }

    private async Task<Dictionary<(string, string), ModelRunRecord>> LoadExistingAsync(CancellationToken cancellationToken)
    {
        var existing = new Dictionary<(string, string), ModelRunRecord>();
        if (_options.ResultsPath is not { } path || !File.Exists(path))
        {
            return existing;
        }

        var lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
        var valid = new List<string>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            ModelRunRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<ModelRunRecord>(lines[i], ReportJson.Options);
            }
            catch (JsonException e)
            {
                // A last line cut short by an interrupted run is the only expected damage; anything earlier is an error.
                if (i == lines.Length - 1)
                {
                    break;
                }

                throw new FormatException($"Results file '{path}', line {i + 1}: not a valid record ({e.Message}).", e);
            }

            if (record is not null)
            {
                existing[(record.Model, record.ItemId)] = record; // later lines win
                valid.Add(lines[i]);
            }
        }

        // Rewrite the file without the damaged tail, ending with a newline, so that appends start on a fresh line.
        await File.WriteAllLinesAsync(path, valid, cancellationToken).ConfigureAwait(false);
        return existing;
    }

    // A model that already has the resilience layer (the configured chat model) is not wrapped twice, which would
    // multiply the attempts; its retries happen inside it and count as one attempt here.
    private IChatClient Resilient(ModelCandidate model) => model.Client.GetService<ResilientChatClient>() is not null
        ? new AttemptCountingChatClient(model.Client)
        : new ChatClientBuilder(model.Client)
            .UseLlmResilience(o =>
            {
                o.MaxRetries = _options.MaxRetries;
                o.BaseDelay = _options.RetryDelay;
                o.UseCircuitBreaker = false; // every item of a failing model is tried and recorded
            })
            .Use(inner => new AttemptCountingChatClient(inner))
            .Build();

    private async Task<ModelRunRecord> RunOneAsync(ModelCandidate model, IChatClient client, EvaluationDatasetItem item, CancellationToken cancellationToken)
    {
        var attempts = new StrongBox<int>();
        AttemptCountingChatClient.Current.Value = attempts;
        try
        {
            return await CallAndEvaluateAsync(model, client, item, attempts, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ModelRunRecord
            {
                Model = model.Name,
                ItemId = item.Id,
                Error = $"{e.GetType().Name}: {e.Message}",
                Attempts = Math.Max(1, attempts.Value),
            };
        }
    }

    private async Task<ModelRunRecord> CallAndEvaluateAsync(ModelCandidate model, IChatClient client, EvaluationDatasetItem item, StrongBox<int> attempts, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        var stopwatch = Stopwatch.StartNew();
        double? firstToken = null;
        await foreach (var update in client.GetStreamingResponseAsync(item.Messages, model.Options, cancellationToken).ConfigureAwait(false))
        {
            if (firstToken is null && !string.IsNullOrEmpty(update.Text))
            {
                firstToken = stopwatch.Elapsed.TotalMilliseconds;
            }

            updates.Add(update);
        }

        var total = stopwatch.Elapsed.TotalMilliseconds;
        var response = updates.ToChatResponse();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (item.References.Count > 0)
        {
            EvaluationContext[] context = [new ReferenceAnswersContext(item.References)];
            foreach (var evaluator in _evaluators)
            {
                var result = await evaluator.EvaluateAsync(item.Messages, response, null, context, cancellationToken).ConfigureAwait(false);
                foreach (var metric in result.Metrics.Values)
                {
                    if (metric is NumericMetric { Value: { } value })
                    {
                        metrics[metric.Name] = value;
                    }
                    else if (metric is BooleanMetric { Value: { } flag })
                    {
                        metrics[metric.Name] = flag ? 1 : 0;
                    }
                }
            }
        }

        var input = response.Usage?.InputTokenCount;
        var output = response.Usage?.OutputTokenCount;
        decimal? cost = null;
        if (input is { } i && output is { } o && model.InputPricePerMillionTokens is { } pin && model.OutputPricePerMillionTokens is { } pout)
        {
            cost = ((i * pin) + (o * pout)) / 1_000_000m;
        }

        return new ModelRunRecord
        {
            Model = model.Name,
            ItemId = item.Id,
            Response = response.Text,
            Attempts = attempts.Value,
            Metrics = metrics,
            TimeToFirstTokenMs = firstToken ?? total,
            TotalLatencyMs = total,
            InputTokens = input,
            OutputTokens = output,
            Cost = cost,
        };
    }
}
