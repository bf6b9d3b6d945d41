namespace Llm.Stack;

/// <summary>Options of <see cref="UsageLedger"/> (<c>builder.AddUsageLedger(...)</c>): its budgets.</summary>
/// <remarks>Read once, when the ledger is created; do not change an instance after that.</remarks>
public sealed class UsageLedgerOptions
{
    /// <summary>Gets the budgets every call recorded by the ledger is checked against before it is sent.</summary>
    /// <value>Empty by default: no limit.</value>
    public IList<UsageBudget> Budgets { get; } = [];
}
