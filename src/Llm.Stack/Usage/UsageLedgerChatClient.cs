using System.Runtime.CompilerServices;
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
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        UsageScope? scope = UsageScope.Current;
        _ledger.ThrowIfBudgetSpent(ModelName(options, null), scope);
        ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        Record(scope, options, response.ModelId, response.Usage);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        UsageScope? scope = UsageScope.Current;
        _ledger.ThrowIfBudgetSpent(ModelName(options, null), scope);
        UsageDetails? usage = null;
        string? modelId = null;
        bool sent = false;
        try
        {
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                sent = true;
                modelId ??= update.ModelId;
                IList<AIContent> contents = update.Contents;
                for (int i = 0; i < contents.Count; i++)
                {
                    if (contents[i] is UsageContent { Details: { } details })
                    {
                        (usage ??= new UsageDetails()).Add(details);
                    }
                }

                yield return update;
            }
        }
        finally
        {
            if (sent || usage is not null)
            {
                Record(scope, options, modelId, usage);
            }
        }
    }

    private string ModelName(ChatOptions? options, string? responseModelId) =>
        _model ?? responseModelId ?? options?.ModelId ?? _defaultModelId ?? TelemetryTags.ChatOperation;

    private void Record(UsageScope? scope, ChatOptions? options, string? modelId, UsageDetails? usage) =>
        _ledger.Record(UsageKind.Chat, ModelName(options, modelId), _provider, scope, usage, _prices);
}
