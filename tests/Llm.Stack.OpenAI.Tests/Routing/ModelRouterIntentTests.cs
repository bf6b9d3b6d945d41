using Llm.Stack.Onnx;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.OpenAI.Tests.Routing;

/// <summary>
/// Intent routes of <c>UseModelRouter(...)</c>: an <see cref="EmbeddingClassifier"/> trained in the test on a small labelled
/// set over the real MiniLM embedder labels each call's last user message, and the call goes to the model of its intent —
/// three named models of configuration (provider <c>openai</c>) against three Kestrel servers on 127.0.0.1. In code and
/// from <c>LlmStack:Router</c> (the classifier loaded from its file); the minimum probability; configuration errors.
/// </summary>
public sealed class ModelRouterIntentTests : IAsyncLifetime
{
    /// <summary>The labelled set: eight texts per intent, none of them asked below.</summary>
    private static readonly ClassificationExample[] Labelled =
    [
        .. Examples("code",
            "How do I reverse a linked list in C#?",
            "My Python script throws a KeyError when reading the dictionary.",
            "Write a SQL query that joins orders with customers.",
            "Why does this JavaScript promise never resolve?",
            "How can I fix a null reference exception in my method?",
            "Explain what a recursive function is with an example in Java.",
            "The compiler says the variable is not defined in this scope.",
            "How do I parse JSON into a class with System.Text.Json?"),
        .. Examples("billing",
            "I was charged twice for my subscription this month.",
            "How do I update the credit card on my account?",
            "Can I get a refund for the annual plan I bought yesterday?",
            "Where can I download last month's invoice?",
            "Why is my bill higher than the price on the website?",
            "Please cancel my subscription before the next payment.",
            "Do you accept payment by bank transfer?",
            "The VAT number is missing from my receipt."),
        .. Examples("travel",
            "What is the cheapest way to get from Reykjavik to the glaciers?",
            "Which museums in Rome are open on Mondays?",
            "Do I need a visa to visit Japan for two weeks?",
            "Recommend a hotel near the beach in Lisbon.",
            "How early should I arrive at the airport for an international flight?",
            "What is the best season to hike in Patagonia?",
            "Is the night train from Vienna to Venice comfortable?",
            "Where can I rent a car at Keflavik airport?"),
    ];

    private const string CodeQuestion = "How do I sort a list of strings alphabetically in C#?";
    private const string BillingQuestion = "My payment failed and now my account is suspended, can you help with the invoice?";
    private const string TravelQuestion = "Which volcano tours leave from Reykjavik in winter?";

    private static OnnxEmbeddingGenerator? s_embedder;
    private static EmbeddingClassifier? s_classifier;

    private RoutedModelServers _models = null!;
    private FaultInjectingOpenAIServer _general = null!;
    private FaultInjectingOpenAIServer _coder = null!;
    private FaultInjectingOpenAIServer _billing = null!;

    public async Task InitializeAsync()
    {
        _models = await RoutedModelServers.StartAsync("general", "coder", "billing");
        (_general, _coder, _billing) = (_models["general"], _models["coder"], _models["billing"]);
        s_embedder ??= MiniLmEmbeddingGenerator.Create();
        s_classifier ??= await new EmbeddingClassifierTrainer().TrainAsync(s_embedder, Labelled);
    }

    public async Task DisposeAsync() => await _models.DisposeAsync();

    private static IEnumerable<ClassificationExample> Examples(string label, params string[] texts) => texts.Select(t => new ClassificationExample(t, label));

    private static object? AnsweredBy(ChatResponse response) => RoutedModelServers.AnsweredBy(response);

    private Dictionary<string, string?> Models() => _models.Settings();

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<ModelRouterOptions>? configure = null) =>
        _models.Build(settings, configure, stack => stack.AddMiniLmProvider());

    private static void CodeRoutes(ModelRouterOptions o)
    {
        o.IntentClassifier = s_classifier;
        o.IntentEmbedder = s_embedder;
        o.Routes.Add(new ModelRoute { Model = "coder", Intents = { "code" } });
        o.Routes.Add(new ModelRoute { Model = "billing", Intents = { "billing" } });
    }

    [Fact]
    public async Task Each_call_goes_to_the_model_of_the_intent_its_last_user_message_is_classified_as()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(new ConfigurationBuilder().AddInMemoryCollection(Models()).Build()).AddOpenAIProvider();
        IEmbeddingGenerator<string, Embedding<float>> embedder = s_embedder!;
        ClassificationExample[] labelled = Labelled;

        // README: intent routes
        EmbeddingClassifier classifier = await new EmbeddingClassifierTrainer().TrainAsync(embedder, labelled); // (text, intent) examples
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("general")).UseModelRouter(o =>
        {
            o.IntentClassifier = classifier; // or IntentClassifierPath: a file from classifier.SaveAsync(path)
            o.IntentEmbedder = embedder;     // or IntentEmbeddingModel, else the registered embedding generator
            o.Routes.Add(new ModelRoute { Model = "coder", Intents = { "code" } });
            o.Routes.Add(new ModelRoute { Model = "billing", Intents = { "billing" } });
        });
        // README: end

        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse code = await chat.GetResponseAsync(CodeQuestion);
        ChatResponse billing = await chat.GetResponseAsync(BillingQuestion);
        ChatResponse travel = await chat.GetResponseAsync(TravelQuestion);
        // A conversation: only the last user message counts, not the earlier one or the assistant's answer.
        ChatResponse followUp = await chat.GetResponseAsync(
        [
            new ChatMessage(ChatRole.User, BillingQuestion),
            new ChatMessage(ChatRole.Assistant, "Your invoice is in the account settings."),
            new ChatMessage(ChatRole.User, CodeQuestion),
        ]);

        Assert.Equal(("code", "billing", "travel"), (
            (await classifier.ClassifyAsync(embedder, CodeQuestion)).Label,
            (await classifier.ClassifyAsync(embedder, BillingQuestion)).Label,
            (await classifier.ClassifyAsync(embedder, TravelQuestion)).Label));
        Assert.Equal(("coder", "model-coder", "You asked: " + CodeQuestion), (AnsweredBy(code), code.ModelId, code.Text));
        Assert.Equal(("billing", "model-billing"), (AnsweredBy(billing), billing.ModelId));
        Assert.Equal(("general", "model-general"), (AnsweredBy(travel), travel.ModelId));
        Assert.Equal("coder", AnsweredBy(followUp));
        Assert.Equal((2, 1, 1), (_coder.Requests.Count, _billing.Requests.Count, _general.Requests.Count));
    }

    [Fact]
    public async Task A_streamed_call_is_classified_before_its_model_streams_the_whole_answer()
    {
        await using ServiceProvider provider = Build(Models(), CodeRoutes);

        var text = new System.Text.StringBuilder();
        var answeredBy = new HashSet<object?>();
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync(BillingQuestion))
        {
            text.Append(update.Text);
            answeredBy.Add(update.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        }

        Assert.Equal("You asked: " + BillingQuestion, text.ToString());
        Assert.Equal("billing", Assert.Single(answeredBy));
        Assert.Single(_billing.Requests);
        Assert.Empty(_coder.Requests);
        Assert.Empty(_general.Requests);
    }

    [Fact]
    public async Task A_prediction_below_the_minimum_probability_stays_with_the_default_model()
    {
        float probability = (await s_classifier!.ClassifyAsync(s_embedder!, CodeQuestion)).Probability;
        Assert.InRange(probability, 0.34f, MathF.BitDecrement(1f)); // a real prediction, better than a guess among three, below 1
        await using ServiceProvider atIt = Build(Models(), o =>
        {
            CodeRoutes(o);
            o.Routes[0].MinIntentProbability = probability;
        });
        await using ServiceProvider aboveIt = Build(Models(), o =>
        {
            CodeRoutes(o);
            o.Routes[0].MinIntentProbability = Math.BitIncrement(probability);
        });

        ChatResponse routed = await atIt.GetRequiredService<IChatClient>().GetResponseAsync(CodeQuestion);
        ChatResponse stayed = await aboveIt.GetRequiredService<IChatClient>().GetResponseAsync(CodeQuestion);

        Assert.Equal(("coder", "general"), (AnsweredBy(routed), AnsweredBy(stayed)));
    }

    [Fact]
    public async Task A_route_with_intents_and_other_conditions_classifies_only_calls_that_meet_the_others()
    {
        var counting = new CountingEmbedder(s_embedder!);
        await using ServiceProvider provider = Build(Models(), o =>
        {
            o.IntentClassifier = s_classifier;
            o.IntentEmbedder = counting;
            o.Routes.Add(new ModelRoute { Model = "coder", RequestedModels = { "smart" }, Intents = { "code" } });
        });
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse plain = await chat.GetResponseAsync(CodeQuestion);
        ChatResponse smart = await chat.GetResponseAsync(CodeQuestion, new ChatOptions { ModelId = "smart" });
        ChatResponse smartTravel = await chat.GetResponseAsync(TravelQuestion, new ChatOptions { ModelId = "smart" });

        Assert.Equal(("general", "coder", "general"), (AnsweredBy(plain), AnsweredBy(smart), AnsweredBy(smartTravel)));
        Assert.Equal(2, counting.Calls); // the call without the requested name was not embedded
    }

    [Fact]
    public async Task The_router_of_configuration_loads_the_classifier_from_its_file_over_the_configured_embedder()
    {
        string path = Path.Combine(Path.GetTempPath(), $"llmstack-intents-{Guid.NewGuid():N}.lsec");
        await s_classifier!.SaveAsync(path);
        try
        {
            Dictionary<string, string?> settings = Models();
            settings["LlmStack:EmbeddingModels:mini:Provider"] = "minilm";
            settings["LlmStack:Router:IntentClassifierPath"] = path;
            settings["LlmStack:Router:IntentEmbeddingModel"] = "mini";
            settings["LlmStack:Router:Routes:0:Model"] = "coder";
            settings["LlmStack:Router:Routes:0:Intents"] = "code";
            settings["LlmStack:Router:Routes:0:MinIntentProbability"] = "0.5";
            settings["LlmStack:Router:Routes:1:Model"] = "billing";
            settings["LlmStack:Router:Routes:1:Intents:0"] = "billing";
            await using ServiceProvider provider = Build(settings);
            IChatClient chat = provider.GetRequiredService<IChatClient>();

            ChatResponse code = await chat.GetResponseAsync(CodeQuestion);
            ChatResponse billing = await chat.GetResponseAsync(BillingQuestion);
            ChatResponse travel = await chat.GetResponseAsync(TravelQuestion);

            Assert.Equal(("coder", "billing", "general"), (AnsweredBy(code), AnsweredBy(billing), AnsweredBy(travel)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Configuration_errors_name_the_key_an_unknown_intent_a_missing_file_or_embedding_model()
    {
        string path = Path.Combine(Path.GetTempPath(), $"llmstack-intents-{Guid.NewGuid():N}.lsec");
        await s_classifier!.SaveAsync(path);
        try
        {
            Dictionary<string, string?> unknownIntent = Models();
            unknownIntent["LlmStack:Router:IntentClassifierPath"] = path;
            unknownIntent["LlmStack:Router:Routes:0:Model"] = "coder";
            unknownIntent["LlmStack:Router:Routes:0:Intents"] = "code, weather";
            unknownIntent["LlmStack:Router:Routes:1:Model"] = "billing";
            unknownIntent["LlmStack:Router:Routes:1:MinPromptTokens"] = "1";
            unknownIntent["LlmStack:Router:Routes:1:MinIntentProbability"] = "0.5";
            unknownIntent["LlmStack:Router:Routes:2:Model"] = "billing";
            unknownIntent["LlmStack:Router:Routes:2:Intents"] = "billing";
            unknownIntent["LlmStack:Router:Routes:2:MinIntentProbability"] = "1.5";
            unknownIntent["LlmStack:Router:IntentEmbeddingModel"] = "nowhere";
            Dictionary<string, string?> missingFile = Models();
            missingFile["LlmStack:Router:IntentClassifierPath"] = path + ".missing";

            OptionsValidationException intent = Assert.Throws<OptionsValidationException>(() => Build(unknownIntent));
            OptionsValidationException file = Assert.Throws<OptionsValidationException>(() => Build(missingFile));

            Assert.Contains(intent.Failures, f => f.StartsWith("LlmStack:Router:Routes:0:Intents has 'weather', which is not a label of the classifier LlmStack:Router:IntentClassifierPath names (billing, code, travel)", StringComparison.Ordinal));
            Assert.Contains(intent.Failures, f => f.StartsWith("LlmStack:Router:Routes:1 (model 'billing') sets MinIntentProbability but no Intents", StringComparison.Ordinal));
            Assert.Contains(intent.Failures, f => f.StartsWith("LlmStack:Router:Routes:2:MinIntentProbability is '1.5', which is not allowed", StringComparison.Ordinal));
            Assert.Contains(intent.Failures, f => f.StartsWith("LlmStack:Router:IntentEmbeddingModel is 'nowhere', but no embedding model has that name", StringComparison.Ordinal));
            Assert.Contains(file.Failures, f => f.StartsWith($"LlmStack:Router:IntentClassifierPath names the file '{path}.missing', which does not exist", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Building_fails_without_a_classifier_or_embedder_for_another_embedder_or_an_unknown_intent()
    {
        var route = new ModelRoute { Model = "coder", Intents = { "code" } };
        await using ServiceProvider noClassifier = Build(Models(), o => o.Routes.Add(route));
        await using ServiceProvider noEmbedder = Build(Models(), o =>
        {
            o.IntentClassifier = s_classifier;
            o.Routes.Add(route);
        });
        await using ServiceProvider otherEmbedder = Build(Models(), o =>
        {
            o.IntentClassifier = s_classifier;
            o.IntentEmbedder = new CountingEmbedder(s_embedder!, "another-model");
            o.Routes.Add(route);
        });
        await using ServiceProvider unknownIntent = Build(Models(), o =>
        {
            CodeRoutes(o);
            o.Routes.Add(new ModelRoute { Model = "billing", Intents = { "Billing" } });
        });

        InvalidOperationException classifier = Assert.Throws<InvalidOperationException>(() => noClassifier.GetRequiredService<IChatClient>());
        InvalidOperationException embedder = Assert.Throws<InvalidOperationException>(() => noEmbedder.GetRequiredService<IChatClient>());
        InvalidOperationException other = Assert.Throws<InvalidOperationException>(() => otherEmbedder.GetRequiredService<IChatClient>());
        ArgumentException intent = Assert.Throws<ArgumentException>(() => unknownIntent.GetRequiredService<IChatClient>());

        Assert.Contains("sets Intents, but the router has no intent classifier", classifier.Message, StringComparison.Ordinal);
        Assert.Contains("sets Intents, but no embedding generator is registered", embedder.Message, StringComparison.Ordinal);
        Assert.Contains("but the embedder is 'another-model'", other.Message, StringComparison.Ordinal);
        Assert.StartsWith("ModelRouterOptions.Routes[2] (model 'billing') has the intent 'Billing', which is not a label", intent.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new ModelRoute { MinIntentProbability = double.NaN });
        Assert.Throws<ArgumentException>("value", () => new ModelRouterOptions { IntentClassifierPath = " " });
    }

    /// <summary>Counts the embedding requests made through it, and may report another model id.</summary>
    private sealed class CountingEmbedder(IEmbeddingGenerator<string, Embedding<float>> inner, string? modelId = null)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return base.GenerateAsync(values, options, cancellationToken);
        }

        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            modelId is not null && serviceType == typeof(EmbeddingGeneratorMetadata)
                ? new EmbeddingGeneratorMetadata("counting", null, modelId)
                : base.GetService(serviceType, serviceKey);
    }
}
