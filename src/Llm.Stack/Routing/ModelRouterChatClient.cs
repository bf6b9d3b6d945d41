using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Sends each call to the model of the first <see cref="ModelRoute"/> whose conditions it meets, else to its inner client
/// (the default model), and records on the answer which model gave it
/// (<see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>). Add it with <c>ChatClientBuilder.UseModelRouter(...)</c>.
/// </summary>
/// <remarks>
/// The route is chosen once, before the call is sent; a routed call's <see cref="ChatOptions.ModelId"/> is cleared, so the
/// named model answers with its own configured model. Prompt tokens are counted only when a route needs them. Thread-safe:
/// the routes are read-only once built. The routed models' clients are not disposed with it.
/// </remarks>
internal sealed class ModelRouterChatClient : DelegatingChatClient
{
    private readonly Route[] _routes;
    private readonly IChatClient _default;
    private readonly PromptBudget? _counter;
    private readonly int _assumedOutputTokens;

    /// <summary>Initializes a new instance of the <see cref="ModelRouterChatClient"/> class.</summary>
    /// <param name="innerClient">The default model.</param>
    /// <param name="options">The routes; checked here.</param>
    /// <param name="resolveModel">Returns the client of a named model, or <see langword="null"/> when none has that name.</param>
    /// <param name="configuredPrices">Returns the configured prices of a named model, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A route has no model, no condition, or bounds that contradict each other.</exception>
    /// <exception cref="InvalidOperationException">A route names a model that is not registered, or sets a cost ceiling on a model without prices.</exception>
    public ModelRouterChatClient(IChatClient innerClient, ModelRouterOptions options, Func<string, IChatClient?> resolveModel, Func<string, TokenPrices?> configuredPrices)
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

            counts |= route.MinPromptTokens is not null || route.MaxPromptTokens is not null || route.MaxCost is not null;
            _routes[i] = new Route(model, route.MinPromptTokens, route.MaxPromptTokens, route.MaxCost, prices,
                route.RequestedModels.Count == 0 ? null : new HashSet<string>(route.RequestedModels, StringComparer.OrdinalIgnoreCase));
        }

        // The prompt is counted as prompt assembly counts it; the budget's window is unused here.
        _counter = counts ? new PromptBudget(int.MaxValue, 0, options.Tokenizer) : null;
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        IChatClient model = Choose(messages, ref options);
        return model.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        IChatClient model = Choose(messages, ref options);
        return model.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    /// <summary>The model of the first route the call meets, else the default; a routed call's options lose their model id.</summary>
    private IChatClient Choose(IEnumerable<ChatMessage> messages, ref ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        int tokens = -1;
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

            if (ReferenceEquals(route.Model, _default))
            {
                return _default;
            }

            if (options?.ModelId is not null)
            {
                options = options.Clone();
                options.ModelId = null;
            }

            return route.Model;
        }

        return _default;
    }

    private static string Check(ModelRoute route, int index, string paramName) =>
        route.Problem() is { } problem
            ? throw new ArgumentException($"ModelRouterOptions.Routes[{index}] {problem}", paramName)
            : route.Model!;

    private sealed record Route(IChatClient Model, int? MinTokens, int? MaxTokens, decimal? MaxCost, TokenPrices? Prices, HashSet<string>? Requested);
}
