using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// An embedding generator that records each call's input tokens and cost in a <see cref="UsageLedger"/>, charged to the
/// current <see cref="UsageScope"/>, and rejects a call with a <see cref="BudgetExceededException"/> before sending it
/// when a covering budget is spent. Add it with <c>EmbeddingGeneratorBuilder.UseUsageLedger()</c>.
/// </summary>
/// <remarks>
/// A generator that reports no usage (a local model) is counted with zero tokens (<see cref="UsageTotals.UnreportedCalls"/>).
/// Thread-safe.
/// </remarks>
public sealed class UsageLedgerEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly UsageLedger _ledger;
    private readonly string _model;
    private readonly TokenPrices? _prices;
    private readonly string? _provider;

    /// <summary>Initializes a new instance of the <see cref="UsageLedgerEmbeddingGenerator"/> class.</summary>
    /// <param name="innerGenerator">The generator whose calls are counted.</param>
    /// <param name="ledger">The ledger to record into.</param>
    /// <param name="model">The name calls are recorded and budgeted under; <see langword="null"/> for the generator's default model id.</param>
    /// <param name="prices">The model's prices; <see langword="null"/> when unknown (calls are counted without cost).</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerGenerator"/> or <paramref name="ledger"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty or white space.</exception>
    public UsageLedgerEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, UsageLedger ledger, string? model = null, TokenPrices? prices = null)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (model is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(model);
        }

        EmbeddingGeneratorMetadata? metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
        _ledger = ledger;
        _model = model ?? metadata?.DefaultModelId ?? TelemetryTags.EmbeddingsOperation;
        _prices = prices;
        _provider = metadata?.ProviderName;
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        UsageScope? scope = UsageScope.Current;
        _ledger.ThrowIfBudgetSpent(_model, scope);
        GeneratedEmbeddings<Embedding<float>> embeddings = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        _ledger.Record(UsageKind.Embeddings, _model, _provider, scope, embeddings.Usage, _prices);
        return embeddings;
    }
}
