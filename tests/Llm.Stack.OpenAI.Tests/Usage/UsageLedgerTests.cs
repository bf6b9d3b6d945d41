using System.Diagnostics.Metrics;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.OpenAI.Tests.Usage;

/// <summary>
/// The usage ledger over named models of configuration (provider <c>openai</c>, the official client) against Kestrel
/// servers on 127.0.0.1 that report a known usage: totals to the token per tenant, user, operation and model, the cost
/// from each model's prices, budgets that reject a call before anything is sent, and the GenAI token histogram.
/// </summary>
public sealed class UsageLedgerTests : IAsyncLifetime
{
    private FaultInjectingOpenAIServer _fast = null!;
    private FaultInjectingOpenAIServer _smart = null!;

    public async Task InitializeAsync()
    {
        _fast = await FaultInjectingOpenAIServer.StartAsync();
        _smart = await FaultInjectingOpenAIServer.StartAsync();
        _fast.PromptTokens = 12;
        _fast.CachedTokens = 4;
        _fast.ReasoningTokens = 2;
    }

    public async Task DisposeAsync()
    {
        await _fast.DisposeAsync();
        await _smart.DisposeAsync();
    }

    private ServiceProvider Build(Action<UsageLedgerOptions>? budgets = null)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:fast:Provider"] = "openai",
            ["LlmStack:ChatModels:fast:Endpoint"] = _fast.Endpoint.ToString(),
            ["LlmStack:ChatModels:fast:Model"] = "fast-model",
            ["LlmStack:ChatModels:fast:InputPricePerMillionTokens"] = "1000",
            ["LlmStack:ChatModels:fast:CachedInputPricePerMillionTokens"] = "500",
            ["LlmStack:ChatModels:fast:OutputPricePerMillionTokens"] = "2000",
            ["LlmStack:ChatModels:smart:Provider"] = "openai",
            ["LlmStack:ChatModels:smart:Endpoint"] = _smart.Endpoint.ToString(),
            ["LlmStack:ChatModels:smart:Model"] = "smart-model",
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddUsageLedger(budgets);
        return services.BuildServiceProvider();
    }

    private static async Task<string> StreamAsync(IChatClient client, string question)
    {
        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(question))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }

    [Fact]
    public async Task Every_call_is_counted_to_the_token_and_priced_by_its_models_configured_prices()
    {
        await using ServiceProvider provider = Build();
        IChatClient fast = provider.GetRequiredKeyedService<IChatClient>("fast");
        IChatClient smart = provider.GetRequiredKeyedService<IChatClient>("smart");

        using (UsageScope.Begin(tenant: "acme", user: "ann", operation: "support"))
        {
            Assert.Equal("You asked: Where is Hekla?", (await fast.GetResponseAsync("Where is Hekla?")).Text); // 12 in (4 cached), 5 out (2 reasoning)
            Assert.Equal("You asked: Which volcano erupted in 2010?", await StreamAsync(fast, "Which volcano erupted in 2010?")); // 12 in (4 cached), 7 out (2 reasoning)
        }

        using (UsageScope.Begin(tenant: "globex", user: "bob", operation: "search"))
        {
            await smart.GetResponseAsync("Hi there"); // 5 in, 4 out, no prices
        }

        UsageLedger ledger = provider.GetRequiredService<UsageLedger>();
        UsageTotals acme = ledger.GetTotals(tenant: "acme");
        Assert.Equal(2, acme.Calls);
        Assert.Equal(24, acme.InputTokens);
        Assert.Equal(8, acme.CachedInputTokens);
        Assert.Equal(12, acme.OutputTokens);
        Assert.Equal(4, acme.ReasoningTokens);
        Assert.Equal(((16 * 1000m) + (8 * 500m) + (12 * 2000m)) / 1_000_000m, acme.Cost);
        Assert.Equal(0, acme.UnpricedCalls);
        Assert.Equal(0, acme.UnreportedCalls);

        UsageTotals globex = ledger.GetTotals(tenant: "globex");
        Assert.Equal((1L, 5L, 4L, 0m, 1L), (globex.Calls, globex.InputTokens, globex.OutputTokens, globex.Cost, globex.UnpricedCalls));

        Assert.Equal(acme, ledger.GetTotals(user: "ann"));
        Assert.Equal(acme, ledger.GetTotals(operation: "support", model: "fast"));
        Assert.Equal(globex, ledger.GetTotals(model: "smart", kind: UsageKind.Chat));
        Assert.Equal(3, ledger.GetTotals().Calls);
        Assert.Equal(45, ledger.GetTotals().TotalTokens);
        Assert.Equal(0, ledger.GetTotals(kind: UsageKind.Embeddings).Calls);
    }

    [Fact]
    public async Task A_spent_budget_rejects_the_next_call_before_anything_is_sent()
    {
        await using ServiceProvider provider = Build(o => o.Budgets.Add(new UsageBudget("acme-tokens") { Tenant = "acme", MaxTokens = 20 }));
        IChatClient fast = provider.GetRequiredKeyedService<IChatClient>("fast");

        using (UsageScope.Begin(tenant: "acme"))
        {
            await fast.GetResponseAsync("Where is Hekla?");    // 17 tokens: under 20
            await fast.GetResponseAsync("Where is Hekla?");    // 34 tokens: the call that crosses the limit completes

            BudgetExceededException rejected = await Assert.ThrowsAsync<BudgetExceededException>(() => fast.GetResponseAsync("Where is Katla?"));
            await Assert.ThrowsAsync<BudgetExceededException>(() => StreamAsync(fast, "Where is Katla?"));

            Assert.Equal("acme-tokens", rejected.BudgetName);
            Assert.Equal(BudgetExceededException.TokensUnit, rejected.Unit);
            Assert.Equal(34m, rejected.Spent);
            Assert.Equal(20m, rejected.Limit);
            Assert.Equal("The usage budget 'acme-tokens' is spent for tenant 'acme': 34 tokens of 20 tokens. The call was not sent.", rejected.Message);
        }

        Assert.Equal(2, _fast.Requests.Count); // the rejected calls never reached the server
        using (UsageScope.Begin(tenant: "globex"))
        {
            await fast.GetResponseAsync("Where is Hekla?"); // another tenant is not covered
        }

        Assert.Equal(3, _fast.Requests.Count);
        Assert.Equal(34, provider.GetRequiredService<UsageLedger>().GetTotals(tenant: "acme").TotalTokens); // rejected calls cost nothing
    }

    [Fact]
    public async Task A_budget_for_each_tenant_gives_every_tenant_its_own_limit_in_cost()
    {
        // One call of fast costs (8 * 1000 + 4 * 500 + 5 * 2000) / 1e6 = 0.02.
        await using ServiceProvider provider = Build(o => o.Budgets.Add(new UsageBudget("each-tenant") { Tenant = UsageBudget.Each, MaxCost = 0.03m }));
        IChatClient fast = provider.GetRequiredKeyedService<IChatClient>("fast");

        foreach (string tenant in new[] { "acme", "globex" })
        {
            using (UsageScope.Begin(tenant: tenant))
            {
                await fast.GetResponseAsync("Where is Hekla?");
                await fast.GetResponseAsync("Where is Hekla?");
                BudgetExceededException e = await Assert.ThrowsAsync<BudgetExceededException>(() => fast.GetResponseAsync("Where is Hekla?"));
                Assert.Equal((BudgetExceededException.CostUnit, 0.04m, 0.03m), (e.Unit, e.Spent, e.Limit));
                Assert.Contains($"for tenant '{tenant}'", e.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(4, _fast.Requests.Count);
    }

    [Fact]
    public async Task Each_call_is_reported_on_the_Meter_as_the_GenAI_token_usage_histogram()
    {
        var measurements = new System.Collections.Concurrent.ConcurrentBag<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LlmStackTelemetry.MeterName && instrument.Name == "gen_ai.client.token.usage")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            Dictionary<string, object?> map = [];
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (Equals(map.GetValueOrDefault("llm_stack.usage.tenant"), "meter-tenant"))
            {
                measurements.Add((value, map));
            }
        });
        listener.Start();
        await using ServiceProvider provider = Build();

        using (UsageScope.Begin(tenant: "meter-tenant", operation: "support"))
        {
            await provider.GetRequiredKeyedService<IChatClient>("fast").GetResponseAsync("Where is Hekla?");
        }

        Assert.Equal(2, measurements.Count);
        var input = measurements.Single(m => Equals(m.Tags["gen_ai.token.type"], "input"));
        var output = measurements.Single(m => Equals(m.Tags["gen_ai.token.type"], "output"));
        Assert.Equal((12L, 5L), (input.Value, output.Value));
        Assert.Equal("chat", input.Tags["gen_ai.operation.name"]);
        Assert.Equal("fast", input.Tags["gen_ai.request.model"]);
        Assert.Equal("support", input.Tags["llm_stack.usage.operation"]);
        Assert.False(input.Tags.ContainsKey("llm_stack.usage.user"));
    }

    [Fact]
    public async Task Embedding_calls_are_counted_and_priced_by_the_named_embedding_models_price()
    {
        using var server = new OpenAIProtocolServer(); // reports 1 input token per embedding call
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:EmbeddingModels:small:Provider"] = "openai",
            ["LlmStack:EmbeddingModels:small:Endpoint"] = server.Endpoint.ToString(),
            ["LlmStack:EmbeddingModels:small:Model"] = "embed-small",
            ["LlmStack:EmbeddingModels:small:InputPricePerMillionTokens"] = "20",
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddUsageLedger(o => o.Budgets.Add(new UsageBudget("embeddings") { Model = "small", MaxTokens = 2 }));
        await using ServiceProvider provider = services.BuildServiceProvider();
        var small = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("small");

        using (UsageScope.Begin(tenant: "acme", operation: "ingest"))
        {
            await small.GenerateAsync(["Hekla", "Katla"]);
            await small.GenerateAsync(["Askja"]);
            await Assert.ThrowsAsync<BudgetExceededException>(() => small.GenerateAsync(["Grimsvotn"]));
        }

        UsageTotals totals = provider.GetRequiredService<UsageLedger>().GetTotals(operation: "ingest", kind: UsageKind.Embeddings);
        Assert.Equal((2L, 2L, 0L, 40m / 1_000_000m), (totals.Calls, totals.InputTokens, totals.OutputTokens, totals.Cost));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task The_README_example_charges_the_call_to_its_tenant()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:primary:Provider"] = "openai",
            ["LlmStack:ChatModels:primary:Endpoint"] = _fast.Endpoint.ToString(),
            ["LlmStack:ChatModels:primary:Model"] = "fast-model",
            ["LlmStack:ChatModels:primary:InputPricePerMillionTokens"] = "1000",
            ["LlmStack:ChatModels:primary:OutputPricePerMillionTokens"] = "2000",
        }).Build();
        var services = new ServiceCollection();

        // README: Usage, cost and budgets
        services.AddLlmStack(configuration).AddOpenAIProvider()
            .AddUsageLedger(o => o.Budgets.Add(new UsageBudget("per-tenant") { Tenant = UsageBudget.Each, MaxCost = 10m }));
        ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredKeyedService<IChatClient>("primary");

        using (UsageScope.Begin(tenant: "acme", user: "ann", operation: "support-answer"))
        {
            ChatResponse answer = await chat.GetResponseAsync("Which volcano erupted in 2010?");
            Console.WriteLine(answer.Text);
        }

        UsageTotals acme = provider.GetRequiredService<UsageLedger>().GetTotals(tenant: "acme");
        Console.WriteLine($"{acme.Calls} calls, {acme.InputTokens} in ({acme.CachedInputTokens} cached), {acme.OutputTokens} out, cost {acme.Cost}");
        // README: end

        await using (provider)
        {
            Assert.Equal((1L, 12L, 4L, 7L), (acme.Calls, acme.InputTokens, acme.CachedInputTokens, acme.OutputTokens));
            Assert.Equal(((12 * 1000m) + (7 * 2000m)) / 1_000_000m, acme.Cost); // no cached price: cached tokens at the input price
        }
    }
}
