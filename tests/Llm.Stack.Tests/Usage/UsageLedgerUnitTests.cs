using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Usage;

/// <summary>The ledger's parts that need no server: scopes, prices, budgets' filters, and bad arguments.</summary>
public class UsageLedgerUnitTests
{
    [Fact]
    public async Task A_scope_flows_into_awaited_calls_nests_and_is_restored_when_disposed()
    {
        Assert.Null(UsageScope.Current);
        using (UsageScope.Begin(tenant: "acme", user: "ann"))
        {
            await Task.Yield();
            Assert.Equal(("acme", "ann", (string?)null), (UsageScope.Current!.Tenant, UsageScope.Current.User, UsageScope.Current.Operation));
            using (UsageScope.Begin(operation: "ingest", user: "bot"))
            {
                Assert.Equal(("acme", "bot", "ingest"), (UsageScope.Current!.Tenant, UsageScope.Current.User, UsageScope.Current.Operation));
            }

            Assert.Equal("ann", UsageScope.Current!.User);
            Assert.Null(UsageScope.Current.Operation);
        }

        Assert.Null(UsageScope.Current);
    }

    [Fact]
    public async Task Concurrent_flows_each_see_their_own_scope()
    {
        async Task<string?> InScope(string tenant)
        {
            using (UsageScope.Begin(tenant: tenant))
            {
                await Task.Delay(20);
                return UsageScope.Current?.Tenant;
            }
        }

        string?[] seen = await Task.WhenAll(InScope("a"), InScope("b"), InScope("c"));
        Assert.Equal("a,b,c", string.Join(",", seen));
    }

    [Fact]
    public void Cost_charges_cached_input_at_its_own_price_and_needs_the_prices_of_its_kind()
    {
        var prices = new TokenPrices(inputPerMillion: 2m, outputPerMillion: 8m, cachedInputPerMillion: 0.5m);

        Assert.Equal(((600 * 2m) + (400 * 0.5m) + (100 * 8m)) / 1_000_000m, prices.Cost(UsageKind.Chat, 1000, 400, 100));
        Assert.Equal(((1000 * 3m) + (10 * 6m)) / 1_000_000m, new TokenPrices(3m, 6m).Cost(UsageKind.Chat, 1000, 200, 10)); // cached at the input price
        Assert.Null(new TokenPrices(3m).Cost(UsageKind.Chat, 10, 0, 10));
        Assert.Equal(30m / 1_000_000m, new TokenPrices(3m).Cost(UsageKind.Embeddings, 10, 0, 0));
        Assert.Null(new TokenPrices(null, 1m).Cost(UsageKind.Embeddings, 10, 0, 0));
    }

    [Fact]
    public async Task A_budget_for_a_model_covers_only_that_model()
    {
        var ledger = new UsageLedger(new UsageLedgerOptions { Budgets = { new UsageBudget("big-model") { Model = "big", MaxTokens = 10 } } });
        ledger.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "big", InputTokens = 8, OutputTokens = 2, UsageReported = true });

        var e = Assert.Throws<BudgetExceededException>(() => ledger.ThrowIfBudgetSpent("big", null));
        ledger.ThrowIfBudgetSpent("small", null);
        Assert.Equal("The usage budget 'big-model' is spent for model 'big': 10 tokens of 10 tokens. The call was not sent.", e.Message);

        // Through the middleware: the inner client is never called.
        int calls = 0;
        var inner = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => { calls++; return Task.FromResult(new ChatResponse()); } };
        IChatClient big = new ChatClientBuilder(inner).UseUsageLedger("big", ledger: ledger).Build();
        await Assert.ThrowsAsync<BudgetExceededException>(() => big.GetResponseAsync("hi"));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Budgets_keep_running_sums_per_value_among_many_keys_and_agree_with_the_totals()
    {
        var ledger = new UsageLedger(new UsageLedgerOptions
        {
            Budgets =
            {
                new UsageBudget("per-tenant") { Tenant = UsageBudget.Each, MaxTokens = 100 },
                new UsageBudget("acme-big") { Tenant = "acme", Model = "big", MaxCost = 0.5m },
            },
        });
        for (int i = 0; i < 2_000; i++) // many distinct keys: users and operations under several tenants
        {
            ledger.Record(new UsageRecord
            {
                Kind = i % 2 == 0 ? UsageKind.Chat : UsageKind.Embeddings,
                Model = i % 3 == 0 ? "big" : "small",
                Tenant = "t" + (i % 7),
                User = "u" + i,
                Operation = "op" + (i % 5),
                InputTokens = 0,
                OutputTokens = 0,
                Cost = 0m,
                UsageReported = true,
            });
        }

        ledger.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "big", Tenant = "acme", User = "ann", InputTokens = 60, OutputTokens = 30, Cost = 0.3m, UsageReported = true });
        ledger.Record(new UsageRecord { Kind = UsageKind.Embeddings, Model = "small", Tenant = "acme", User = "bob", InputTokens = 10, Cost = 0.2m, UsageReported = true });
        ledger.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "big", Tenant = "acme", InputTokens = 1, Cost = 0.2m, UsageReported = true });
        ledger.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "big", InputTokens = 99, UsageReported = true }); // outside any tenant

        // acme: 101 tokens of chat and embeddings across users (the totals agree), and 0.5 on "big".
        Assert.Equal(101, ledger.GetTotals(tenant: "acme").TotalTokens);
        BudgetExceededException tokens = Assert.Throws<BudgetExceededException>(() => ledger.ThrowIfBudgetSpent("small", ScopeOf("acme")));
        Assert.Equal(("per-tenant", 101m, 100m), (tokens.BudgetName, tokens.Spent, tokens.Limit));

        var tenantless = new UsageLedger(new UsageLedgerOptions { Budgets = { new UsageBudget("acme-big") { Tenant = "acme", Model = "big", MaxCost = 0.5m } } });
        tenantless.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "big", Tenant = "acme", Cost = 0.5m, UsageReported = true });
        BudgetExceededException cost = Assert.Throws<BudgetExceededException>(() => tenantless.ThrowIfBudgetSpent("big", ScopeOf("acme")));
        Assert.Equal(("acme-big", 0.5m), (cost.BudgetName, cost.Spent));
        tenantless.ThrowIfBudgetSpent("small", ScopeOf("acme")); // another model: not covered
        tenantless.ThrowIfBudgetSpent("big", ScopeOf("beta"));   // another tenant: not covered

        // Other tenants have their own sums; calls outside any tenant share one (99 tokens, under the limit).
        ledger.ThrowIfBudgetSpent("big", ScopeOf("t3"));
        ledger.ThrowIfBudgetSpent("big", null);
        ledger.Record(new UsageRecord { Kind = UsageKind.Chat, Model = "small", InputTokens = 1, UsageReported = true });
        Assert.Throws<BudgetExceededException>(() => ledger.ThrowIfBudgetSpent("big", null));
        ledger.ThrowIfBudgetSpent("big", ScopeOf("t3"));
    }

    private static UsageScope ScopeOf(string tenant)
    {
        using (UsageScope.Begin(tenant: tenant))
        {
            return UsageScope.Current!;
        }
    }

    [Fact]
    public async Task A_client_that_reports_no_usage_is_counted_as_a_call_without_tokens()
    {
        var ledger = new UsageLedger();
        IChatClient client = new ChatClientBuilder(new TestChatClient()).UseUsageLedger("local", new TokenPrices(1m, 1m), ledger).Build();

        await client.GetResponseAsync("hi");

        UsageTotals totals = ledger.GetTotals(model: "local");
        Assert.Equal((1L, 0L, 1L, 1L), (totals.Calls, totals.TotalTokens, totals.UnreportedCalls, totals.UnpricedCalls));
    }

    [Fact]
    public void Bad_arguments_are_refused_naming_them()
    {
        Assert.Throws<ArgumentException>("tenant", () => UsageScope.Begin(tenant: " "));
        Assert.Throws<ArgumentException>("name", () => new UsageBudget(""));
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new UsageBudget("b").MaxCost = 0m);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new UsageBudget("b").MaxTokens = 0);
        Assert.Throws<ArgumentOutOfRangeException>("inputPerMillion", () => new TokenPrices(-1m));
        Assert.Throws<ArgumentException>("options", () => new UsageLedger(new UsageLedgerOptions { Budgets = { new UsageBudget("x"), new UsageBudget("x") } }));
        Assert.Throws<ArgumentOutOfRangeException>("record", () => new UsageLedger().Record(new UsageRecord { Kind = UsageKind.Chat, Model = "m", InputTokens = -1 }));
        Assert.Throws<InvalidOperationException>(() => new ChatClientBuilder(new TestChatClient()).UseUsageLedger().Build());
    }
}
