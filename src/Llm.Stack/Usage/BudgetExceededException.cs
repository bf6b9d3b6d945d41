namespace Llm.Stack;

/// <summary>
/// Thrown by the usage ledger's middleware (<c>UseUsageLedger()</c>) before a call is sent, when a <see cref="UsageBudget"/>
/// that covers it has been spent: names the budget, what was spent and the limit.
/// </summary>
public sealed class BudgetExceededException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class.</summary>
    public BudgetExceededException()
        : this("A usage budget is spent.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public BudgetExceededException(string message)
        : base(message)
    {
        BudgetName = string.Empty;
        Unit = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public BudgetExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
        BudgetName = string.Empty;
        Unit = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class for a spent budget.</summary>
    /// <param name="budgetName">The name of the budget.</param>
    /// <param name="unit"><see cref="TokensUnit"/> or <see cref="CostUnit"/>: what <paramref name="spent"/> and <paramref name="limit"/> count.</param>
    /// <param name="spent">What the covered calls have spent.</param>
    /// <param name="limit">The budget's limit.</param>
    /// <param name="scope">Which tenant, user, operation and model the budget was checked for, in words, such as <c>tenant 'acme'</c>.</param>
    public BudgetExceededException(string budgetName, string unit, decimal spent, decimal limit, string scope)
        : base($"The usage budget '{budgetName}' is spent{(scope.Length > 0 ? " for " + scope : "")}: {Format(spent, unit)} of {Format(limit, unit)}. The call was not sent.")
    {
        BudgetName = budgetName;
        Unit = unit;
        Spent = spent;
        Limit = limit;
    }

    /// <summary>The <see cref="Unit"/> of a token limit (<see cref="UsageBudget.MaxTokens"/>).</summary>
    public const string TokensUnit = "tokens";

    /// <summary>The <see cref="Unit"/> of a cost limit (<see cref="UsageBudget.MaxCost"/>).</summary>
    public const string CostUnit = "cost";

    /// <summary>Gets the name of the spent budget.</summary>
    public string BudgetName { get; }

    /// <summary>Gets what <see cref="Spent"/> and <see cref="Limit"/> count: <see cref="TokensUnit"/> or <see cref="CostUnit"/>.</summary>
    public string Unit { get; }

    /// <summary>Gets what the covered calls had spent when the call was rejected.</summary>
    public decimal Spent { get; }

    /// <summary>Gets the budget's limit.</summary>
    public decimal Limit { get; }

    private static string Format(decimal value, string unit) =>
        unit == TokensUnit
            ? value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) + " tokens"
            : value.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
