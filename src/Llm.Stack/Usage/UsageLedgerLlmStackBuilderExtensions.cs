using Llm.Stack;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the usage ledger on an <see cref="LlmStackBuilder"/>.</summary>
public static class UsageLedgerLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="UsageLedger"/> singleton. Every chat and embedding model that
    /// <c>services.AddLlmStack(configuration)</c> creates (<c>LlmStack:Chat</c>, <c>LlmStack:Embeddings</c> and the named
    /// models of <c>LlmStack:ChatModels</c> and <c>LlmStack:EmbeddingModels</c>) then records its calls in it, priced by
    /// its configured prices and named by its configured name (the default models by their <c>Model</c>); clients
    /// registered in code record into it with <c>UseUsageLedger()</c>.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Adds budgets (<see cref="UsageLedgerOptions.Budgets"/>); <see langword="null"/> for none.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Calling it twice keeps the first registration.</remarks>
    /// <example>
    /// <code>
    /// services.AddLlmStack(configuration).AddOpenAIProvider()
    ///     .AddUsageLedger(o => o.Budgets.Add(new UsageBudget("per-tenant") { Tenant = UsageBudget.Each, MaxCost = 10m }));
    /// </code>
    /// </example>
    public static LlmStackBuilder AddUsageLedger(this LlmStackBuilder builder, Action<UsageLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(_ =>
        {
            var options = new UsageLedgerOptions();
            configure?.Invoke(options);
            return new UsageLedger(options);
        });
        return builder;
    }
}
