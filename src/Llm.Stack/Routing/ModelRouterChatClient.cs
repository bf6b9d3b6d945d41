using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Sends each call to the model of the first <see cref="ModelRoute"/> whose conditions it meets, else to its inner client
/// (the default model), and records on the answer which model gave it
/// (<see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>). Add it with <c>ChatClientBuilder.UseModelRouter(...)</c>.
/// </summary>
/// <remarks>
/// The route is chosen once, before the call is sent; a routed call's <see cref="ChatOptions.ModelId"/> is cleared, so the
/// named model answers with its own configured model. Prompt tokens are counted, and the last user message embedded and
/// classified, only when a route needs them. Thread-safe when the intent embedder is:
/// the routes are read-only once built. The routed models' clients are not disposed with it.
/// </remarks>
internal sealed class ModelRouterChatClient : DelegatingChatClient
{
    private readonly Route[] _routes;
    private readonly IChatClient _default;
    private readonly PromptBudget? _counter;
    private readonly int _assumedOutputTokens;
    private readonly EmbeddingClassifier? _classifier;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;

    /// <summary>Initializes a new instance of the <see cref="ModelRouterChatClient"/> class.</summary>
    /// <param name="innerClient">The default model.</param>
    /// <param name="options">The routes; checked here.</param>
    /// <param name="resolveModel">Returns the client of a named model, or <see langword="null"/> when none has that name.</param>
    /// <param name="configuredPrices">Returns the configured prices of a named model, or <see langword="null"/>.</param>
    /// <param name="resolveEmbedder">Returns the embedding model of a name (<see langword="null"/>: the unkeyed one), or <see langword="null"/> when none is registered.</param>
    /// <exception cref="ArgumentException">A route has no model, no condition, bounds that contradict each other, or an intent the classifier does not know.</exception>
    /// <exception cref="InvalidOperationException">
    /// A route names a model that is not registered, sets a cost ceiling on a model without prices, or sets intents while the
    /// router has no intent classifier, no embedder, or an embedder the classifier was not trained for.
    /// </exception>
    public ModelRouterChatClient(
        IChatClient innerClient,
        ModelRouterOptions options,
        Func<string, IChatClient?> resolveModel,
        Func<string, TokenPrices?> configuredPrices,
        Func<string?, IEmbeddingGenerator<string, Embedding<float>>?> resolveEmbedder)
        : base(innerClient)
    {
        _default = new NamedModelChatClient(options.DefaultModel, innerClient);
        _assumedOutputTokens = options.AssumedOutputTokens;
        var models = new Dictionary<string, IChatClient>(StringComparer.OrdinalIgnoreCase) { [options.DefaultModel] = _default };
        _routes = new Route[options.Routes.Count];
        bool counts = false;
        for (int i = 0; i < _routes.Length; i++)
        {
            ModelRoute route = options.Routes[i] ?? throw new ArgumentException($"ModelRouterOptions.Routes[{i}] is null.", nameof(options));
            string name = Check(route, i, nameof(options));
            if (!models.TryGetValue(name, out IChatClient? model))
            {
                IChatClient found = resolveModel(name) ?? throw new InvalidOperationException(
                    $"Route {i} of UseModelRouter names the model '{name}', but no chat model has that name: configure {LlmStackOptions.SectionName}:ChatModels:{name} (services.AddLlmStack(configuration)) or register one with AddKeyedChatClient(\"{name}\", ...).");
                models[name] = model = new NamedModelChatClient(name, found);
            }

            TokenPrices? prices = null;
            if (route.MaxCost is not null)
            {
                prices = options.Prices.TryGetValue(name, out TokenPrices? given) ? given : configuredPrices(name);
                if (prices?.InputPerMillion is null || prices.OutputPerMillion is null)
                {
                    throw new InvalidOperationException(
                        $"Route {i} of UseModelRouter sets a cost ceiling on the model '{name}', which has no input and output prices: set {LlmStackOptions.SectionName}:ChatModels:{name}:InputPricePerMillionTokens and OutputPricePerMillionTokens, or ModelRouterOptions.Prices[\"{name}\"].");
                }
            }

            HashSet<string>? intents = null;
            if (route.Intents.Count > 0)
            {
                if (_classifier is null)
                {
                    (_classifier, _embedder) = IntentModels(options, resolveEmbedder, i);
                }

                IReadOnlyList<string> labels = _classifier.Labels;
                intents = new HashSet<string>(route.Intents, StringComparer.Ordinal);
                if (intents.FirstOrDefault(intent => !labels.Contains(intent, StringComparer.Ordinal)) is { } unknown)
                {
                    throw new ArgumentException(
                        $"ModelRouterOptions.Routes[{i}] (model '{name}') has the intent '{unknown}', which is not a label of the intent classifier ({string.Join(", ", labels)}).",
                        nameof(options));
                }
            }

            counts |= route.MinPromptTokens is not null || route.MaxPromptTokens is not null || route.MaxCost is not null;
            _routes[i] = new Route(model, route.MinPromptTokens, route.MaxPromptTokens, route.MaxCost, prices,
                route.RequestedModels.Count == 0 ? null : new HashSet<string>(route.RequestedModels, StringComparer.OrdinalIgnoreCase),
                intents, route.MinIntentProbability ?? 0d);
        }

        // The prompt is counted as prompt assembly counts it; the budget's window is unused here.
        _counter = counts ? new PromptBudget(int.MaxValue, 0, options.Tokenizer) : null;
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ValueTask<(IChatClient Model, ChatOptions? Options)> choice = ChooseAsync(messages, options, cancellationToken);
        if (choice.IsCompletedSuccessfully)
        {
            // No intent had to be classified: the chosen model's task is returned as it is, with no layer of its own.
            (IChatClient model, ChatOptions? chosen) = choice.Result;
            return model.GetResponseAsync(messages, chosen, cancellationToken);
        }

        return RespondAfterChoiceAsync(choice.AsTask(), messages, cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ValueTask<(IChatClient Model, ChatOptions? Options)> choice = ChooseAsync(messages, options, cancellationToken);
        if (choice.IsCompletedSuccessfully)
        {
            // No intent had to be classified: the chosen model's stream is returned as it is.
            (IChatClient model, ChatOptions? chosen) = choice.Result;
            return model.GetStreamingResponseAsync(messages, chosen, cancellationToken);
        }

        return StreamAfterChoiceAsync(choice.AsTask(), messages, cancellationToken);
    }

    private static async Task<ChatResponse> RespondAfterChoiceAsync(
        Task<(IChatClient Model, ChatOptions? Options)> choice, IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        (IChatClient model, ChatOptions? options) = await choice.ConfigureAwait(false);
        return await model.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> StreamAfterChoiceAsync(
        Task<(IChatClient Model, ChatOptions? Options)> choice,
        IEnumerable<ChatMessage> messages,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (IChatClient model, ChatOptions? options) = await choice.ConfigureAwait(false);
        await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>The intent classifier and its embedder, for route <paramref name="index"/>, the first with intents.</summary>
    private static (EmbeddingClassifier Classifier, IEmbeddingGenerator<string, Embedding<float>> Embedder) IntentModels(
        ModelRouterOptions options, Func<string?, IEmbeddingGenerator<string, Embedding<float>>?> resolveEmbedder, int index)
    {
        EmbeddingClassifier classifier = options.IntentClassifier
            ?? (options.IntentClassifierPath is { } path ? EmbeddingClassifier.Load(path) : null)
            ?? throw new InvalidOperationException(
                $"Route {index} of UseModelRouter sets Intents, but the router has no intent classifier: set {LlmStackOptions.SectionName}:{RouterConfiguration.SectionName}:IntentClassifierPath, or ModelRouterOptions.IntentClassifier or IntentClassifierPath.");
        IEmbeddingGenerator<string, Embedding<float>> embedder = options.IntentEmbedder
            ?? resolveEmbedder(options.IntentEmbeddingModel)
            ?? throw new InvalidOperationException(options.IntentEmbeddingModel is { } name
                ? $"The router's IntentEmbeddingModel is '{name}', but no embedding model has that name: configure {LlmStackOptions.SectionName}:EmbeddingModels:{name}, or register one with AddKeyedEmbeddingGenerator(\"{name}\", ...)."
                : $"Route {index} of UseModelRouter sets Intents, but no embedding generator is registered to classify with: configure {LlmStackOptions.SectionName}:Embeddings, set {LlmStackOptions.SectionName}:{RouterConfiguration.SectionName}:IntentEmbeddingModel, or ModelRouterOptions.IntentEmbedder.");
        classifier.EnsureEmbedder(embedder);
        return (classifier, embedder);
    }

    /// <summary>The model of the first route the call meets, else the default; a routed call's options lose their model id.</summary>
    private async ValueTask<(IChatClient Model, ChatOptions? Options)> ChooseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        int tokens = -1;
        EmbeddingClassifierPrediction? intent = null;
        bool classified = false;
        foreach (Route route in _routes)
        {
            if (route.Requested is not null && (options?.ModelId is not { } requested || !route.Requested.Contains(requested)))
            {
                continue;
            }

            if (_counter is not null && tokens < 0 && (route.MinTokens is not null || route.MaxTokens is not null || route.MaxCost is not null))
            {
                tokens = _counter.CountPromptTokens(messages, options?.Instructions);
            }

            if (tokens < route.MinTokens || tokens > route.MaxTokens)
            {
                continue;
            }

            if (route.MaxCost is decimal ceiling
                && route.Prices!.Cost(UsageKind.Chat, tokens, 0, options?.MaxOutputTokens ?? _assumedOutputTokens) > ceiling)
            {
                continue;
            }

            if (route.Intents is not null)
            {
                // The last user message is classified once per call, and only when a route with intents is reached.
                if (!classified)
                {
                    intent = await ClassifyAsync(messages, cancellationToken).ConfigureAwait(false);
                    classified = true;
                }

                if (intent is null || !route.Intents.Contains(intent.Label) || intent.Probability < route.MinIntentProbability)
                {
                    continue;
                }
            }

            if (ReferenceEquals(route.Model, _default))
            {
                return (_default, options);
            }

            if (options?.ModelId is not null)
            {
                options = options.Clone();
                options.ModelId = null;
            }

            return (route.Model, options);
        }

        return (_default, options);
    }

    /// <summary>The intent classifier's prediction for the last user message, or <see langword="null"/> when there is no text to classify.</summary>
    private async Task<EmbeddingClassifierPrediction?> ClassifyAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ChatMessage? last = messages.LastOrDefault(m => m.Role == ChatRole.User);
        string? text = last?.Text;
        return string.IsNullOrWhiteSpace(text) ? null : await _classifier!.ClassifyAsync(_embedder!, text, cancellationToken).ConfigureAwait(false);
    }

    private static string Check(ModelRoute route, int index, string paramName) =>
        route.Problem() is { } problem
            ? throw new ArgumentException($"ModelRouterOptions.Routes[{index}] {problem}", paramName)
            : route.Model!;

    private sealed record Route(
        IChatClient Model, int? MinTokens, int? MaxTokens, decimal? MaxCost, TokenPrices? Prices, HashSet<string>? Requested, HashSet<string>? Intents, double MinIntentProbability);
}
