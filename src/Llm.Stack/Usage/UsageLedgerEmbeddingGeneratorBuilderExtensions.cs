using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the usage ledger (<see cref="UsageLedgerEmbeddingGenerator"/>) to an <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/>.</summary>
public static class UsageLedgerEmbeddingGeneratorBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="UsageLedgerEmbeddingGenerator"/>: each call's input tokens and cost are recorded in the ledger,
    /// charged to the current <see cref="UsageScope"/>, and a call is rejected with a <see cref="BudgetExceededException"/>
    /// before it is sent when a covering budget is spent.
    /// </summary>
    /// <param name="builder">The embedding generator builder.</param>
    /// <param name="model">
    /// The name calls are recorded and budgeted under; when it names a model of <c>LlmStack:EmbeddingModels</c> and
    /// <paramref name="prices"/> is <see langword="null"/>, that model's configured price applies. <see langword="null"/>
    /// for the generator's default model id.
    /// </param>
    /// <param name="prices">The model's prices; <see langword="null"/> for the configured ones of <paramref name="model"/>, if any.</param>
    /// <param name="ledger">The ledger; <see langword="null"/> for the one <c>builder.AddUsageLedger()</c> registered.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">When built: no ledger is given and none is registered.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseUsageLedger(
        this EmbeddingGeneratorBuilder<string, Embedding<float>> builder, string? model = null, TokenPrices? prices = null, UsageLedger? ledger = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new UsageLedgerEmbeddingGenerator(
            inner,
            ledger ?? services.GetService<UsageLedger>()
                ?? throw new InvalidOperationException("UseUsageLedger needs a UsageLedger: pass one, or register one with builder.AddUsageLedger()."),
            model,
            prices ?? (model is not null && services.GetService<IOptions<LlmStackOptions>>()?.Value.EmbeddingModels.TryGetValue(model, out EmbeddingModelSettings? settings) == true
                ? TokenPrices.Of(settings!)
                : null)));
    }
}
