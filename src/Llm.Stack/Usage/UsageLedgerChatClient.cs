using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// A chat client that records each call's usage (input, cached, output and reasoning tokens, and the cost from the
/// model's prices) in a <see cref="UsageLedger"/>, charged to the current <see cref="UsageScope"/>, and that rejects a call
/// with a <see cref="BudgetExceededException"/> before sending it when a covering budget is spent. Add it with
/// <c>ChatClientBuilder.UseUsageLedger()</c>.
/// </summary>
/// <remarks>
/// A streamed answer is recorded when its stream ends (the usage arrives with the last updates), also when the caller
/// stops reading early or the stream fails, with the usage reported until then. Place it above retries and failover
/// (<c>UseLlmResilience</c>, <c>UseFailover</c>) to count each call once; the models <c>AddLlmStack(configuration)</c>
/// creates have it above their resilience layer when a ledger is registered. Thread-safe.
/// </remarks>
public sealed class UsageLedgerChatClient : DelegatingChatClient
{
    private readonly UsageLedger _ledger;
    private readonly string? _model;
    private readonly TokenPrices? _prices;
    private readonly string? _provider;
    private readonly string? _defaultModelId;

    /// <summary>Initializes a new instance of the <see cref="UsageLedgerChatClient"/> class.</summary>
    /// <param name="innerClient">The client whose calls are counted.</param>
    /// <param name="ledger">The ledger to record into.</param>
    /// <param name="model">The name calls are recorded and budgeted under; <see langword="null"/> for the model id (the response's, else the client's default).</param>
    /// <param name="prices">The model's prices; <see langword="null"/> when unknown (calls are counted without cost).</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> or <paramref name="ledger"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty or white space.</exception>
    public UsageLedgerChatClient(IChatClient innerClient, UsageLedger ledger, string? model = null, TokenPrices? prices = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (model is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(model);
        }

        _ledger = ledger;
        _model = model;
        _prices = prices;
        ChatClientMetadata? metadata = innerClient.GetService<ChatClientMetadata>();
        _provider = metadata?.ProviderName;
        _defaultModelId = metadata?.DefaultModelId;
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        UsageScope? scope = UsageScope.Current;
        Task<ChatResponse> call;
        try
        {
            _ledger.ThrowIfBudgetSpent(ModelName(options, null), scope);
            call = base.GetResponseAsync(messages, options, cancellationToken);
            if (call.IsCompletedSuccessfully)
            {
                // The model answered at once: it is recorded now, and its own task is returned, with no task of this layer's.
                ChatResponse response = call.Result;
                Record(scope, options, response.ModelId, response.Usage);
                return call;
            }
        }
        catch (Exception e)
        {
            return CompletedCall.Faulted<ChatResponse>(e);
        }

        return RecordAsync(call, scope, options);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        new RecordedStream(this, messages, options, cancellationToken);

    private async Task<ChatResponse> RecordAsync(Task<ChatResponse> call, UsageScope? scope, ChatOptions? options)
    {
        ChatResponse response = await call.ConfigureAwait(false);
        Record(scope, options, response.ModelId, response.Usage);
        return response;
    }

    private string ModelName(ChatOptions? options, string? responseModelId) =>
        _model ?? responseModelId ?? options?.ModelId ?? _defaultModelId ?? TelemetryTags.ChatOperation;

    private void Record(UsageScope? scope, ChatOptions? options, string? modelId, UsageDetails? usage) =>
        _ledger.Record(UsageKind.Chat, ModelName(options, modelId), _provider, scope, usage, _prices);

    /// <summary>
    /// A streamed call: the budget is checked when reading begins, and the call is recorded when the stream ends (also when
    /// the caller stops early or the stream fails), with the usage its updates reported.
    /// </summary>
    private sealed class RecordedStream(UsageLedgerChatClient owner, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken callToken)
        : ChatUpdateRelay(callToken)
    {
        private UsageScope? _scope;
        private UsageDetails? _usage;
        private bool _usageIsSum;
        private string? _modelId;
        private bool _sent;

        protected override void Begin()
        {
            _scope = UsageScope.Current;
            owner._ledger.ThrowIfBudgetSpent(owner.ModelName(options, null), _scope);
        }

        protected override ValueTask<bool> OpenAsync(CancellationToken cancellationToken) =>
            FirstStep(owner.InnerClient.GetStreamingResponseAsync(messages, options, cancellationToken));

        protected override void OnUpdate(ChatResponseUpdate update)
        {
            _sent = true;
            _modelId ??= update.ModelId;
            IList<AIContent> contents = update.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is UsageContent { Details: { } details })
                {
                    Add(details);
                }
            }
        }

        protected override void OnEnd()
        {
            if (_sent || _usage is not null)
            {
                owner.Record(_scope, options, _modelId, _usage);
            }
        }

        protected override ChatUpdateRelay Restart() => new RecordedStream(owner, messages, options, CallToken);

        /// <summary>Adds an update's usage: the first is kept as it is (the sum of one), a second starts a sum of their own.</summary>
        private void Add(UsageDetails details)
        {
            if (_usage is null)
            {
                _usage = details;
                return;
            }

            if (!_usageIsSum)
            {
                var sum = new UsageDetails();
                sum.Add(_usage);
                _usage = sum;
                _usageIsSum = true;
            }

            _usage.Add(details);
        }
    }
}
