using System.ClientModel;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.OpenAI.Tests.Routing;

/// <summary>
/// <c>UseModelRouter(...)</c> over three named models of configuration (provider <c>openai</c>, the official client) against
/// three Kestrel servers on 127.0.0.1 that inject faults: routing by requested model name, by prompt tokens counted as
/// prompt assembly counts them, and by a cost ceiling from the configured prices; which model the answer records; the
/// routed model's own retries; the ledger charging each call to the model that answered; configuration errors.
/// </summary>
public sealed class ModelRouterTests : IAsyncLifetime
{
    private const string LongQuestion = "Summarise everything the documents say about the eruption of Eyjafjallajokull in 2010, the ash cloud, and the flights cancelled across Europe.";
    private const string ShortQuestion = "Where is Hekla?";

    private RoutedModelServers _models = null!;
    private FaultInjectingOpenAIServer _small = null!;
    private FaultInjectingOpenAIServer _large = null!;
    private FaultInjectingOpenAIServer _reasoner = null!;

    public async Task InitializeAsync()
    {
        _models = await RoutedModelServers.StartAsync("small", "large", "reasoner");
        (_small, _large, _reasoner) = (_models["small"], _models["large"], _models["reasoner"]);
    }

    public async Task DisposeAsync() => await _models.DisposeAsync();

    /// <summary>The prompt tokens of a one-message call, as <see cref="PromptBudget"/> counts an assembled prompt (3 for the reply priming).</summary>
    private static int PromptTokens(string question) => 3 + new PromptBudget(4096, 0).CountTokens(new ChatMessage(ChatRole.User, question));

    private Dictionary<string, string?> Settings(int minLargeTokens)
    {
        Dictionary<string, string?> settings = _models.Settings();
        settings["LlmStack:ChatModels:small:Resilience:MaxRetries"] = "0";
        settings["LlmStack:ChatModels:large:InputPricePerMillionTokens"] = "10";
        settings["LlmStack:ChatModels:large:OutputPricePerMillionTokens"] = "30";
        settings["LlmStack:ChatModels:large:Resilience:MaxRetries"] = "2";
        settings["LlmStack:ChatModels:large:Resilience:BaseDelay"] = "00:00:00.010";
        settings["LlmStack:ChatModels:large:Resilience:UseCircuitBreaker"] = "false";
        settings["LlmStack:Router:Routes:0:Model"] = "reasoner";
        settings["LlmStack:Router:Routes:0:RequestedModels"] = "reasoning, think";
        settings["LlmStack:Router:Routes:1:Model"] = "large";
        settings["LlmStack:Router:Routes:1:MinPromptTokens"] = minLargeTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<ModelRouterOptions>? configure = null, bool ledger = false) =>
        _models.Build(settings, configure, ledger ? stack => stack.AddUsageLedger() : null);

    private static object? AnsweredBy(ChatResponse response) => RoutedModelServers.AnsweredBy(response);

    [Fact]
    public async Task A_prompt_of_at_least_the_routes_tokens_goes_to_its_model_counted_as_prompt_assembly_counts()
    {
        int tokens = PromptTokens(LongQuestion);
        await using ServiceProvider atLimit = Build(Settings(minLargeTokens: tokens));
        await using ServiceProvider aboveLimit = Build(Settings(minLargeTokens: tokens + 1));

        ChatResponse routed = await atLimit.GetRequiredService<IChatClient>().GetResponseAsync(LongQuestion);
        ChatResponse stayed = await aboveLimit.GetRequiredService<IChatClient>().GetResponseAsync(LongQuestion);

        Assert.Equal(("large", "model-large", "You asked: " + LongQuestion), (AnsweredBy(routed), routed.ModelId, routed.Text));
        Assert.Equal(("small", "model-small"), (AnsweredBy(stayed), stayed.ModelId));
        Assert.Single(_large.Requests);
        Assert.Single(_small.Requests);
        Assert.Empty(_reasoner.Requests);
    }

    [Fact]
    public async Task Instructions_count_towards_the_prompt_tokens_as_a_system_message()
    {
        const string instructions = "Answer in one sentence, citing the documents.";
        int tokens = PromptTokens(ShortQuestion) + new PromptBudget(4096, 0).CountTokens(new ChatMessage(ChatRole.System, instructions));
        await using ServiceProvider provider = Build(Settings(minLargeTokens: tokens));
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse without = await chat.GetResponseAsync(ShortQuestion);
        ChatResponse with = await chat.GetResponseAsync(ShortQuestion, new ChatOptions { Instructions = instructions });

        Assert.Equal("small", AnsweredBy(without));
        Assert.Equal("large", AnsweredBy(with));
    }

    [Fact]
    public async Task A_requested_model_name_goes_to_its_route_whose_model_answers_with_its_configured_model_id_streamed()
    {
        await using ServiceProvider provider = Build(Settings(minLargeTokens: 10_000));
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        var text = new System.Text.StringBuilder();
        var answeredBy = new HashSet<object?>();
        var modelIds = new HashSet<string?>();
        await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync(ShortQuestion, new ChatOptions { ModelId = "Reasoning" }))
        {
            text.Append(update.Text);
            answeredBy.Add(update.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
            modelIds.Add(update.ModelId);
        }

        ChatResponse other = await chat.GetResponseAsync(ShortQuestion, new ChatOptions { ModelId = "model-small-2026" });

        Assert.Equal("You asked: " + ShortQuestion, text.ToString());
        Assert.Equal("reasoner", Assert.Single(answeredBy));
        Assert.Equal("model-reasoner", Assert.Single(modelIds)); // the requested name is a route, not the provider's model id
        Assert.Equal(("small", "model-small-2026"), (AnsweredBy(other), other.ModelId)); // the default model gets the options unchanged
        Assert.Single(_reasoner.Requests);
        Assert.Single(_small.Requests);
    }

    [Fact]
    public async Task A_cost_ceiling_takes_calls_whose_estimated_cost_on_the_model_from_its_configured_prices_is_within_it()
    {
        // large: 10 per million input tokens, 30 per million output tokens; the answer is estimated at MaxOutputTokens.
        decimal ceiling = ((PromptTokens(ShortQuestion) * 10m) + (100 * 30m)) / 1_000_000m;
        await using ServiceProvider provider = Build(Settings(minLargeTokens: 1), o =>
        {
            o.Routes.Clear();
            o.Routes.Add(new ModelRoute { Model = "large", MaxCost = ceiling });
        });
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { MaxOutputTokens = 100 };

        ChatResponse cheap = await chat.GetResponseAsync(ShortQuestion, options);
        ChatResponse dear = await chat.GetResponseAsync(ShortQuestion + " And Katla?", options);
        ChatResponse longerAnswer = await chat.GetResponseAsync(ShortQuestion, new ChatOptions { MaxOutputTokens = 101 });

        Assert.Equal("large", AnsweredBy(cheap));
        Assert.Equal("small", AnsweredBy(dear));
        Assert.Equal("small", AnsweredBy(longerAnswer));
        Assert.Single(_large.Requests);
        Assert.Equal(2, _small.Requests.Count);
    }

    [Fact]
    public async Task A_routed_model_retries_its_own_faults_and_answers_once_the_other_models_untouched()
    {
        await using ServiceProvider provider = Build(Settings(minLargeTokens: 1));
        _large.Enqueue(new ChatFault(Status: 500), new ChatFault(Status: 503));

        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync(LongQuestion))
        {
            text.Append(update.Text);
            Assert.Equal("large", update.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        }

        Assert.Equal("You asked: " + LongQuestion, text.ToString()); // nothing duplicated or lost across the retries
        Assert.Equal(3, _large.Requests.Count);
        Assert.Empty(_small.Requests);
    }

    [Fact]
    public async Task The_ledger_charges_each_call_to_the_model_the_router_sent_it_to()
    {
        await using ServiceProvider provider = Build(Settings(minLargeTokens: PromptTokens(LongQuestion)), ledger: true);
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync(LongQuestion);
        await chat.GetResponseAsync(ShortQuestion);
        await chat.GetResponseAsync(ShortQuestion);

        UsageLedger ledger = provider.GetRequiredService<UsageLedger>();
        UsageTotals large = ledger.GetTotals(model: "large"), small = ledger.GetTotals(model: "small");
        int longWords = ("You asked: " + LongQuestion).Split(' ').Length, shortWords = ("You asked: " + ShortQuestion).Split(' ').Length;
        Assert.Equal((1L, 5L, (long)longWords), (large.Calls, large.InputTokens, large.OutputTokens));
        Assert.Equal(((5m * 10m) + (longWords * 30m)) / 1_000_000m, large.Cost);
        Assert.Equal((2L, 10L, 2L * shortWords), (small.Calls, small.InputTokens, small.OutputTokens));
    }

    [Fact]
    public void Configuration_errors_name_the_full_key_path()
    {
        Dictionary<string, string?> settings = Settings(minLargeTokens: 1);
        settings["LlmStack:Router:Routes:1:MinPromptTokenz"] = "5";
        settings["LlmStack:Router:Routes:2:Model"] = "large";
        settings["LlmStack:Router:Routes:3:Model"] = "large";
        settings["LlmStack:Router:Routes:3:MaxCost"] = "-1";
        settings["LlmStack:Router:Routes:4:Model"] = "large";
        settings["LlmStack:Router:Routes:4:MinPromptTokens"] = "10";
        settings["LlmStack:Router:Routes:4:MaxPromptTokens"] = "9";
        settings["LlmStack:Router:DefaultModell"] = "small";

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => Build(settings));

        Assert.Contains(error.Failures, f => f.StartsWith("LlmStack:Router:Routes:1:MinPromptTokenz is not a known key. Did you mean LlmStack:Router:Routes:1:MinPromptTokens?", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("LlmStack:Router:Routes:2 (model 'large') sets no condition", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("LlmStack:Router:Routes:3:MaxCost is '-1', which is not allowed", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("LlmStack:Router:Routes:4 (model 'large') has MinPromptTokens 10 above MaxPromptTokens 9", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("LlmStack:Router:DefaultModell is not a known key. Did you mean LlmStack:Router:DefaultModel?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Building_fails_naming_an_unregistered_model_or_a_cost_ceiling_without_prices()
    {
        await using ServiceProvider unknown = Build(Settings(minLargeTokens: 1), o => o.Routes.Add(new ModelRoute { Model = "huge", MinPromptTokens = 9000 }));
        await using ServiceProvider unpriced = Build(Settings(minLargeTokens: 1), o => o.Routes.Insert(0, new ModelRoute { Model = "reasoner", MaxCost = 1m }));
        await using ServiceProvider bare = Build(Settings(minLargeTokens: 1), o => o.Routes.Add(new ModelRoute { Model = "large" }));

        InvalidOperationException noModel = Assert.Throws<InvalidOperationException>(() => unknown.GetRequiredService<IChatClient>());
        InvalidOperationException noPrices = Assert.Throws<InvalidOperationException>(() => unpriced.GetRequiredService<IChatClient>());
        ArgumentException noCondition = Assert.Throws<ArgumentException>(() => bare.GetRequiredService<IChatClient>());

        Assert.Contains("names the model 'huge', but no chat model has that name", noModel.Message, StringComparison.Ordinal);
        Assert.Contains("LlmStack:ChatModels:reasoner:InputPricePerMillionTokens", noPrices.Message, StringComparison.Ordinal);
        Assert.StartsWith("ModelRouterOptions.Routes[2] (model 'large') sets no condition", noCondition.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>("builder", () => ((ChatClientBuilder)null!).UseModelRouter());
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new ModelRoute { MaxPromptTokens = 0 });
        Assert.Throws<ArgumentException>("value", () => new ModelRouterOptions { DefaultModel = " " });
    }

    [Fact]
    public async Task Prices_given_in_code_serve_a_cost_ceiling_on_a_model_configuration_does_not_price()
    {
        await using ServiceProvider provider = Build(Settings(minLargeTokens: 10_000), o =>
        {
            o.Prices["reasoner"] = new TokenPrices(1m, 2m);
            o.AssumedOutputTokens = 0;
            o.Routes.Add(new ModelRoute { Model = "reasoner", MaxCost = PromptTokens(ShortQuestion) / 1_000_000m });
        });
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse within = await chat.GetResponseAsync(ShortQuestion);
        ChatResponse over = await chat.GetResponseAsync(LongQuestion);

        Assert.Equal(("reasoner", "small"), (AnsweredBy(within), AnsweredBy(over)));
    }

    [Fact]
    public async Task The_readme_example_routes_a_requested_name_to_its_model()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:primary:Provider"] = "openai",
            ["LlmStack:ChatModels:primary:Endpoint"] = _large.Endpoint.ToString(),
            ["LlmStack:ChatModels:primary:Model"] = "model-large",
            ["LlmStack:ChatModels:primary:InputPricePerMillionTokens"] = "0.15",
            ["LlmStack:ChatModels:primary:OutputPricePerMillionTokens"] = "0.60",
            ["LlmStack:ChatModels:backup:Provider"] = "openai",
            ["LlmStack:ChatModels:backup:Endpoint"] = _small.Endpoint.ToString(),
            ["LlmStack:ChatModels:backup:Model"] = "model-small",
            ["LlmStack:Router:DefaultModel"] = "backup",
            ["LlmStack:Router:Routes:0:Model"] = "primary",
            ["LlmStack:Router:Routes:0:RequestedModels:0"] = "smart",
            ["LlmStack:Router:Routes:1:Model"] = "primary",
            ["LlmStack:Router:Routes:1:MinPromptTokens"] = "2000",
            ["LlmStack:Router:Routes:1:MaxCost"] = "0.01",
        }).Build();
        var services = new ServiceCollection();

        // README: Named models, routed
        services.AddLlmStack(configuration).AddOpenAIProvider();
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("backup")).UseModelRouter();
        ChatResponse answer = await services.BuildServiceProvider().GetRequiredService<IChatClient>()
            .GetResponseAsync("Which volcano erupted in 2010?", new ChatOptions { ModelId = "smart" });
        object? answeredBy = answer.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]; // "primary"
        // README: end

        Assert.Equal("primary", answeredBy);
        Assert.Equal("model-large", answer.ModelId);
        Assert.Single(_large.Requests);
        Assert.Empty(_small.Requests);
    }
}
