namespace Llm.Stack;

/// <summary>
/// A limit on the spending of the calls a <see cref="UsageLedger"/> records: a call is rejected with a
/// <see cref="BudgetExceededException"/>, before anything is sent, once the matching calls have reached
/// <see cref="MaxCost"/> or <see cref="MaxTokens"/>.
/// </summary>
/// <remarks>
/// The filters <see cref="Tenant"/>, <see cref="User"/>, <see cref="Operation"/> and <see cref="Model"/> choose the calls
/// the budget covers: <see langword="null"/> covers any value; <see cref="Each"/> gives every distinct value its own budget
/// (<c>Tenant = UsageBudget.Each</c>: each tenant may spend the limit; calls made outside any tenant share one). The call that crosses a limit completes (its
/// usage is known only after it); the next one is rejected. Budgets count from the ledger's start. Do not change an
/// instance after it is given to a ledger.
/// </remarks>
public sealed class UsageBudget
{
    /// <summary>The filter value that gives each distinct tenant, user, operation or model its own budget.</summary>
    public const string Each = "*";

    /// <summary>Initializes a new instance of the <see cref="UsageBudget"/> class.</summary>
    /// <param name="name">The name that <see cref="BudgetExceededException"/> reports, such as <c>acme-monthly</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public UsageBudget(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the budget's name.</summary>
    public string Name { get; }

    /// <summary>Gets or sets the tenant covered: a name, <see cref="Each"/>, or <see langword="null"/> for any.</summary>
    public string? Tenant { get; set; }

    /// <summary>Gets or sets the user covered: a name, <see cref="Each"/>, or <see langword="null"/> for any.</summary>
    public string? User { get; set; }

    /// <summary>Gets or sets the operation covered: a name, <see cref="Each"/>, or <see langword="null"/> for any.</summary>
    public string? Operation { get; set; }

    /// <summary>Gets or sets the model covered (as <see cref="UsageRecord.Model"/> names it): a name, <see cref="Each"/>, or <see langword="null"/> for any.</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets the most the covered calls may cost, in the currency of the configured prices.</summary>
    /// <value>Above zero, or <see langword="null"/> for no cost limit. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public decimal? MaxCost { get; set => field = OptionRange.CheckAbove(value, 0m); }

    /// <summary>Gets or sets the most input plus output tokens the covered calls may use.</summary>
    /// <value>At least 1, or <see langword="null"/> for no token limit. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public long? MaxTokens { get; set => field = OptionRange.Check(value, 1L); }
}
