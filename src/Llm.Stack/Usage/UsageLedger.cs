using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Counts the tokens and cost of chat and embedding calls per tenant, user, operation and model, answers queries on
/// the totals (<see cref="GetTotals"/>), enforces budgets (<see cref="UsageLedgerOptions.Budgets"/>), and reports every
/// call on the <c>Llm.Stack</c> Meter as OpenTelemetry's GenAI <c>gen_ai.client.token.usage</c> histogram.
/// </summary>
/// <remarks>
/// <para>
/// Calls reach the ledger through its middleware: <c>UseUsageLedger()</c> on a <c>ChatClientBuilder</c> or an
/// <c>EmbeddingGeneratorBuilder</c>; and, once <c>builder.AddUsageLedger()</c> has registered a ledger, every chat and
/// embedding model that <c>services.AddLlmStack(configuration)</c> creates (<c>LlmStack:Chat</c>, <c>LlmStack:Embeddings</c>,
/// and each named model) records into it, priced by its configured prices. The tenant, user and operation come from the
/// ambient <see cref="UsageScope"/> (not from <c>ChatOptions</c>), so that calls the RAG pipeline or ingestion make on
/// a request's behalf are charged to it too.
/// </para>
/// <para>
/// Totals are kept in memory for the ledger's lifetime, one running sum per distinct (kind, model, tenant, user,
/// operation), and per budget one running sum per value it sums over, so the budget check before each call is one lookup
/// per budget however many keys the ledger holds; nothing is stored per call. Thread-safe: calls record concurrently and
/// queries see each call's usage whole.
/// </para>
/// </remarks>
public sealed class UsageLedger
{
    private readonly ConcurrentDictionary<Key, Sum> _sums = new();
    private readonly UsageBudget[] _budgets;

    /// <summary>Per budget (same index as <see cref="_budgets"/>), the running sum of the calls it covers, per value it sums over.</summary>
    private readonly ConcurrentDictionary<Spending, Sum>[] _budgetSums;

    /// <summary>Initializes a new instance of the <see cref="UsageLedger"/> class.</summary>
    /// <param name="options">The budgets; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">A budget is <see langword="null"/>, or two budgets share a name.</exception>
    public UsageLedger(UsageLedgerOptions? options = null)
    {
        _budgets = [.. options?.Budgets ?? []];
        if (_budgets.Any(b => b is null))
        {
            throw new ArgumentException("A budget is null.", nameof(options));
        }

        if (_budgets.Select(b => b.Name).Distinct(StringComparer.Ordinal).Count() != _budgets.Length)
        {
            throw new ArgumentException("Two budgets have the same name: each budget needs its own, as BudgetExceededException reports it.", nameof(options));
        }

        _budgetSums = [.. _budgets.Select(_ => new ConcurrentDictionary<Spending, Sum>())];
    }

    /// <summary>Gets the budgets the ledger enforces.</summary>
    public IReadOnlyList<UsageBudget> Budgets => _budgets;

    /// <summary>Returns the totals of the recorded calls that match every filter given (<see langword="null"/> matches any value).</summary>
    /// <param name="tenant">Only calls of this tenant.</param>
    /// <param name="user">Only calls of this user.</param>
    /// <param name="operation">Only calls of this operation.</param>
    /// <param name="model">Only calls of this model (<see cref="UsageRecord.Model"/>).</param>
    /// <param name="kind">Only chat, or only embedding, calls.</param>
    /// <returns>The totals; zero when nothing matches.</returns>
    public UsageTotals GetTotals(string? tenant = null, string? user = null, string? operation = null, string? model = null, UsageKind? kind = null)
    {
        var total = new Sum();
        foreach ((Key key, Sum sum) in _sums)
        {
            if (Matches(key.Tenant, tenant) && Matches(key.User, user) && Matches(key.Operation, operation) && Matches(key.Model, model) && (kind is null || key.Kind == kind))
            {
                sum.AddTo(total);
            }
        }

        return total.ToTotals();
    }

    /// <summary>Adds one call's usage to the totals and reports it on the Meter.</summary>
    /// <param name="record">The call's usage.</param>
    /// <exception cref="ArgumentNullException"><paramref name="record"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token count or the cost is negative.</exception>
    public void Record(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.InputTokens < 0 || record.CachedInputTokens < 0 || record.OutputTokens < 0 || record.ReasoningTokens < 0 || record.Cost is < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(record), "Token counts and the cost must be zero or more.");
        }

        Add(new Call(record.Kind, record.Model, record.Provider, record.Tenant, record.User, record.Operation,
            record.InputTokens, record.CachedInputTokens, record.OutputTokens, record.ReasoningTokens, record.UsageReported, record.Cost));
    }

    /// <summary>
    /// Records one call from the usage its response reported (none when <paramref name="usage"/> is <see langword="null"/>),
    /// priced with <paramref name="prices"/>, as <see cref="Record(UsageRecord)"/> records it, without building the
    /// record (the middleware calls it on every call).
    /// </summary>
    internal void Record(UsageKind kind, string model, string? provider, UsageScope? scope, UsageDetails? usage, TokenPrices? prices)
    {
        UsageRecord.Figures(usage, prices, kind, out long input, out long cached, out long output, out long reasoning, out decimal? cost);
        if (input < 0 || cached < 0 || output < 0 || reasoning < 0 || cost is < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(usage), "Token counts and the cost must be zero or more.");
        }

        Add(new Call(kind, model, provider, scope?.Tenant, scope?.User, scope?.Operation, input, cached, output, reasoning, usage is not null, cost));
    }

    private void Add(in Call call)
    {
        _sums.GetOrAdd(new Key(call.Kind, call.Model, call.Tenant, call.User, call.Operation), static _ => new Sum()).Add(call);
        for (int i = 0; i < _budgets.Length; i++)
        {
            if (BudgetKey(_budgets[i], call.Model, call.Tenant, call.User, call.Operation) is { } key)
            {
                _budgetSums[i].GetOrAdd(key, static _ => new Sum()).Add(call);
            }
        }

        UsageTelemetry.Report(call);
    }

    /// <summary>
    /// Throws a <see cref="BudgetExceededException"/> when a budget that covers a call of <paramref name="model"/> in
    /// <paramref name="scope"/> has been spent; the middleware calls it before sending each call.
    /// </summary>
    /// <param name="model">The model the call goes to.</param>
    /// <param name="scope">The call's scope; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="BudgetExceededException">A covering budget is spent.</exception>
    public void ThrowIfBudgetSpent(string model, UsageScope? scope)
    {
        ArgumentNullException.ThrowIfNull(model);
        for (int i = 0; i < _budgets.Length; i++)
        {
            UsageBudget budget = _budgets[i];
            if (BudgetKey(budget, model, scope?.Tenant, scope?.User, scope?.Operation) is not { } key)
            {
                continue;
            }

            (long tokens, decimal cost) = _budgetSums[i].TryGetValue(key, out Sum? sum) ? sum.Spent() : (0, 0m);
            if (budget.MaxTokens is long maxTokens && tokens >= maxTokens)
            {
                Reject(budget, BudgetExceededException.TokensUnit, tokens, maxTokens, key.Tenant, key.User, key.Operation, key.Model);
            }

            if (budget.MaxCost is decimal maxCost && cost >= maxCost)
            {
                Reject(budget, BudgetExceededException.CostUnit, cost, maxCost, key.Tenant, key.User, key.Operation, key.Model);
            }
        }
    }

    /// <summary>
    /// The key of the running sum a budget keeps for a call's values (its filter's value, or with <see cref="UsageBudget.Each"/>
    /// the call's own, or <see langword="null"/> for any), or <see langword="null"/> when the budget does not cover the call.
    /// Every kind of call (chat and embeddings) counts towards a budget.
    /// </summary>
    private static Spending? BudgetKey(UsageBudget budget, string model, string? tenant, string? user, string? operation) =>
        Covers(budget.Tenant, tenant, out string? sumTenant)
        && Covers(budget.User, user, out string? sumUser)
        && Covers(budget.Operation, operation, out string? sumOperation)
        && Covers(budget.Model, model, out string? sumModel)
            ? new Spending(sumTenant, sumUser, sumOperation, sumModel)
            : null;

    /// <summary>Whether a budget's filter covers a call's value, and the value to sum the budget's spending over.</summary>
    private static bool Covers(string? filter, string? value, out string? sumOver)
    {
        sumOver = filter == UsageBudget.Each ? value : filter;
        return filter is null || filter == UsageBudget.Each || string.Equals(filter, value, StringComparison.Ordinal);
    }

    private static void Reject(UsageBudget budget, string unit, decimal spent, decimal limit, string? tenant, string? user, string? operation, string? model)
    {
        UsageTelemetry.ReportRejection(budget.Name);
        string[] parts =
        [
            .. tenant is null ? Array.Empty<string>() : [$"tenant '{tenant}'"],
            .. user is null ? Array.Empty<string>() : [$"user '{user}'"],
            .. operation is null ? Array.Empty<string>() : [$"operation '{operation}'"],
            .. model is null ? Array.Empty<string>() : [$"model '{model}'"],
        ];
        throw new BudgetExceededException(budget.Name, unit, spent, limit, string.Join(", ", parts));
    }

    /// <summary>A filter matches when it is null, or when the value is that filter (a null value matches only a null filter).</summary>
    private static bool Matches(string? value, string? filter) => filter is null || string.Equals(value, filter, StringComparison.Ordinal);

    private readonly record struct Key(UsageKind Kind, string Model, string? Tenant, string? User, string? Operation);

    /// <summary>One call's usage, as <see cref="UsageRecord"/> holds it, on the stack.</summary>
    internal readonly record struct Call(
        UsageKind Kind, string Model, string? Provider, string? Tenant, string? User, string? Operation,
        long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningTokens, bool UsageReported, decimal? Cost);

    /// <summary>The values a budget sums a call's spending over (<see langword="null"/>: any).</summary>
    private readonly record struct Spending(string? Tenant, string? User, string? Operation, string? Model);

    /// <summary>A running sum; a lock keeps each call's usage whole for readers.</summary>
    private sealed class Sum
    {
        private readonly Lock _lock = new();
        private long _calls;
        private long _input;
        private long _cached;
        private long _output;
        private long _reasoning;
        private decimal _cost;
        private long _unpriced;
        private long _unreported;

        public void Add(in Call call)
        {
            lock (_lock)
            {
                _calls++;
                _input += call.InputTokens;
                _cached += call.CachedInputTokens;
                _output += call.OutputTokens;
                _reasoning += call.ReasoningTokens;
                if (call.Cost is decimal cost)
                {
                    _cost += cost;
                }
                else
                {
                    _unpriced++;
                }

                if (!call.UsageReported)
                {
                    _unreported++;
                }
            }
        }

        public (long Tokens, decimal Cost) Spent()
        {
            lock (_lock)
            {
                return (_input + _output, _cost);
            }
        }

        public void AddTo(Sum total)
        {
            lock (_lock)
            {
                total._calls += _calls;
                total._input += _input;
                total._cached += _cached;
                total._output += _output;
                total._reasoning += _reasoning;
                total._cost += _cost;
                total._unpriced += _unpriced;
                total._unreported += _unreported;
            }
        }

        public UsageTotals ToTotals()
        {
            lock (_lock)
            {
                return new UsageTotals
                {
                    Calls = _calls,
                    InputTokens = _input,
                    CachedInputTokens = _cached,
                    OutputTokens = _output,
                    ReasoningTokens = _reasoning,
                    Cost = _cost,
                    UnpricedCalls = _unpriced,
                    UnreportedCalls = _unreported,
                };
            }
        }
    }
}
