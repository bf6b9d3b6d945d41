using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds a model router to a <see cref="ChatClientBuilder"/>: calls go to named models by rules, and the answer names the model that gave it.</summary>
public static class ModelRouterChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a model router: each call goes to the model of the first route (<see cref="ModelRouterOptions.Routes"/>) whose
    /// conditions it meets (the requested model name in <see cref="ChatOptions.ModelId"/>, the prompt's estimated tokens,
    /// a cost ceiling from the model's prices, the intent an <see cref="EmbeddingClassifier"/> predicts for the last user
    /// message), else to the builder's client; the answer names the model that gave it under
    /// <see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>, on the response and on every streamed update.
    /// </summary>
    /// <param name="builder">The chat client builder; its client is the default model (<see cref="ModelRouterOptions.DefaultModel"/>).</param>
    /// <param name="configure">Configures the routes, after those of <c>LlmStack:Router</c> when <c>services.AddLlmStack(configuration)</c> bound them; <see langword="null"/> for the configured ones only.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// <para>
    /// The routes' models are the chat clients registered under those service keys (<c>LlmStack:ChatModels:&lt;name&gt;</c>,
    /// or <c>AddKeyedChatClient(name, ...)</c>), resolved when the builder builds its client. Building fails then with an
    /// <see cref="ArgumentException"/> for a route without a model or a condition, and with an
    /// <see cref="InvalidOperationException"/> naming a model that is not registered, or one under a cost ceiling that has
    /// no prices (<see cref="ModelRouterOptions.Prices"/>, or its configuration's <c>InputPricePerMillionTokens</c> and
    /// <c>OutputPricePerMillionTokens</c>).
    /// </para>
    /// <para>
    /// Prompt tokens are estimated as prompt assembly counts them (<see cref="PromptBudget"/>, with
    /// <see cref="ModelRouterOptions.Tokenizer"/>): the instructions and messages with their overhead; tool definitions are
    /// not counted. A call routed to a named model has its <see cref="ChatOptions.ModelId"/> cleared, so that the model
    /// answers with its own configured model; a call that stays with the default model is passed on unchanged. The router
    /// does not retry or fail over: put <c>UseLlmResilience()</c> (and <c>UseFailover</c>) next to each model. Put
    /// <c>UseUsageLedger()</c> above it, or register the ledger (<c>AddUsageLedger()</c>) so that each configured model
    /// records its own calls under its name. Thread-safe; the routed models' clients are not disposed with it.
    /// </para>
    /// <para>
    /// Intent routes (<see cref="ModelRoute.Intents"/>) classify the last user message with the router's classifier
    /// (<see cref="ModelRouterOptions.IntentClassifier"/>, or the file <see cref="ModelRouterOptions.IntentClassifierPath"/>)
    /// over its embedder (<see cref="ModelRouterOptions.IntentEmbedder"/>, the named embedding model
    /// <see cref="ModelRouterOptions.IntentEmbeddingModel"/>, else the registered embedding generator): one embedding per
    /// call that reaches such a route, before the call is sent; an embedding failure fails the call. Building fails with
    /// an <see cref="InvalidOperationException"/> when there is no classifier or embedder, or the classifier was trained
    /// for another embedder, and with an <see cref="ArgumentException"/> for an intent that is not one of its labels.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// // appsettings.json: "LlmStack": { "ChatModels": { "small": { ... }, "large": { ... } },
    /// //   "Router": { "DefaultModel": "small", "Routes": [ { "Model": "large", "MinPromptTokens": 3000 } ] } }
    /// services.AddLlmStack(configuration).AddOpenAIProvider();
    /// services.AddChatClient(sp => sp.GetRequiredKeyedService&lt;IChatClient&gt;("small")).UseModelRouter();
    ///
    /// // or in code:
    /// services.AddChatClient(sp => sp.GetRequiredKeyedService&lt;IChatClient&gt;("small")).UseModelRouter(o =>
    /// {
    ///     o.DefaultModel = "small";
    ///     o.Routes.Add(new ModelRoute { Model = "reasoner", RequestedModels = { "reasoning" } });
    ///     o.Routes.Add(new ModelRoute { Model = "large", MinPromptTokens = 3000, MaxCost = 0.05m });
    /// });
    ///
    /// // by intent: "Router": { "IntentClassifierPath": "intents.lsec",
    /// //   "Routes": [ { "Model": "coder", "Intents": [ "code" ], "MinIntentProbability": 0.6 } ] }
    /// </code>
    /// </example>
    public static ChatClientBuilder UseModelRouter(this ChatClientBuilder builder, Action<ModelRouterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            ModelRouterOptions options = services.GetService<IOptionsFactory<ModelRouterOptions>>()?.Create(Options.Options.DefaultName) ?? new ModelRouterOptions();
            configure?.Invoke(options);
            return new ModelRouterChatClient(
                inner,
                options,
                name => services.GetKeyedService<IChatClient>(name),
                name => services.GetService<IOptions<LlmStackOptions>>()?.Value.ChatModels.TryGetValue(name, out ChatModelSettings? settings) == true
                    ? TokenPrices.Of(settings!)
                    : null,
                name => name is null
                    ? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>()
                    : services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(name));
        });
    }
}
