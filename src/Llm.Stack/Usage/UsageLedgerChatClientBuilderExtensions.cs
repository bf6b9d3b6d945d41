using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the usage ledger (<see cref="UsageLedgerChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class UsageLedgerChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="UsageLedgerChatClient"/>: each call's tokens and cost are recorded in the ledger, charged to the
    /// current <see cref="UsageScope"/>, and a call is rejected with a <see cref="BudgetExceededException"/> before it is
    /// sent when a covering budget is spent.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="model">
    /// The name calls are recorded and budgeted under; when it names a model of <c>LlmStack:ChatModels</c> and
    /// <paramref name="prices"/> is <see langword="null"/>, that model's configured prices apply. <see langword="null"/>
    /// for the response's model id.
    /// </param>
    /// <param name="prices">The model's prices; <see langword="null"/> for the configured ones of <paramref name="model"/>, if any.</param>
    /// <param name="ledger">The ledger; <see langword="null"/> for the one <c>builder.AddUsageLedger()</c> registered.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">When built: no ledger is given and none is registered.</exception>
    /// <remarks>
    /// Put it above <c>UseFailover</c> and <c>UseLlmResilience</c>, so that a call counts once and its budget is checked once.
    /// The models that <c>services.AddLlmStack(configuration)</c> creates already have this layer when a ledger is registered.
    /// </remarks>
    /// <example>
    /// <code>
    /// IChatClient client = new ChatClientBuilder(model).UseUsageLedger("gpt-4o-mini", new TokenPrices(0.15m, 0.60m), ledger).Build();
    /// </code>
    /// </example>
    public static ChatClientBuilder UseUsageLedger(this ChatClientBuilder builder, string? model = null, TokenPrices? prices = null, UsageLedger? ledger = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new UsageLedgerChatClient(
            inner,
            ledger ?? services.GetService<UsageLedger>()
                ?? throw new InvalidOperationException("UseUsageLedger needs a UsageLedger: pass one, or register one with builder.AddUsageLedger()."),
            model,
            prices ?? (model is not null && services.GetService<IOptions<LlmStackOptions>>()?.Value.ChatModels.TryGetValue(model, out ChatModelSettings? settings) == true
                ? TokenPrices.Of(settings!)
                : null)));
    }
}
