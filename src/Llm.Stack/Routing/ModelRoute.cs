namespace Llm.Stack;

/// <summary>
/// One rule of a model router (<c>UseModelRouter(...)</c>, <see cref="ModelRouterOptions.Routes"/>): calls that meet every
/// condition the rule sets go to the named model <see cref="Model"/>.
/// </summary>
/// <remarks>
/// The conditions are the requested model name (<see cref="RequestedModels"/>, compared with <c>ChatOptions.ModelId</c>),
/// the prompt's estimated tokens (<see cref="MinPromptTokens"/>, <see cref="MaxPromptTokens"/>), a cost ceiling
/// (<see cref="MaxCost"/>, the call's estimated cost on <see cref="Model"/> from its prices) and the intent of the last user
/// message (<see cref="Intents"/>, <see cref="MinIntentProbability"/>: the label an <see cref="EmbeddingClassifier"/>
/// predicts for it, <see cref="ModelRouterOptions.IntentClassifier"/>). A condition left unset always
/// holds; a rule must set at least one. Bound from <c>LlmStack:Router:Routes:&lt;index&gt;</c> by
/// <c>services.AddLlmStack(configuration)</c>. Do not change an instance after the router is built from it.
/// </remarks>
public sealed class ModelRoute
{
    /// <summary>Gets or sets the name of the model the rule's calls go to.</summary>
    /// <value>
    /// The service key of a keyed chat client (<c>LlmStack:ChatModels:&lt;name&gt;</c>, or <c>AddKeyedChatClient(name, ...)</c>),
    /// or <see cref="ModelRouterOptions.DefaultModel"/> for the builder's own client. Required; the default value is <see langword="null"/>.
    /// </value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? Model
    {
        get;
        set => field = OptionText.NullOrNotBlank(value);
    }

    /// <summary>
    /// Gets the requested model names the rule takes: a call whose <c>ChatOptions.ModelId</c> is one of them (ignoring case)
    /// meets this condition. Empty: any call meets it.
    /// </summary>
    /// <value>Empty by default.</value>
    public IList<string> RequestedModels { get; } = [];

    /// <summary>Gets or sets the fewest estimated prompt tokens of the rule's calls.</summary>
    /// <value>Zero or more, or <see langword="null"/> for no lower bound. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? MinPromptTokens { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets or sets the most estimated prompt tokens of the rule's calls.</summary>
    /// <value>At least 1, or <see langword="null"/> for no upper bound. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int? MaxPromptTokens { get; set => field = OptionRange.Check(value, 1); }

    /// <summary>
    /// Gets or sets the cost ceiling: the rule takes a call only when its estimated cost on <see cref="Model"/> is at most
    /// this much: the prompt's estimated tokens at the model's input price plus the answer's (<c>ChatOptions.MaxOutputTokens</c>,
    /// else <see cref="ModelRouterOptions.AssumedOutputTokens"/>) at its output price.
    /// </summary>
    /// <value>
    /// Above zero, in the currency of the prices, or <see langword="null"/> for no ceiling. The model needs input and
    /// output prices (<see cref="ModelRouterOptions.Prices"/>, or its configuration's <c>InputPricePerMillionTokens</c> and
    /// <c>OutputPricePerMillionTokens</c>). The default value is <see langword="null"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public decimal? MaxCost { get; set => field = OptionRange.CheckAbove(value, 0m); }

    /// <summary>
    /// Gets the intents the rule takes: a call whose last user message the router's intent classifier
    /// (<see cref="ModelRouterOptions.IntentClassifier"/> or <see cref="ModelRouterOptions.IntentClassifierPath"/>) labels
    /// with one of them (compared exactly), with at least <see cref="MinIntentProbability"/>, meets this condition. Empty:
    /// any call meets it.
    /// </summary>
    /// <value>Labels of the intent classifier; empty by default. Bound from <c>Intents</c> (a list, or one value separated by commas).</value>
    /// <remarks>
    /// The message is embedded and classified once per call, and only when the call meets the rule's other conditions;
    /// a call without a user message, or whose last user message has no text, meets no intent condition.
    /// </remarks>
    public IList<string> Intents { get; } = [];

    /// <summary>Gets or sets the least calibrated probability of the predicted intent for the rule to take the call.</summary>
    /// <value>
    /// From 0 to 1, or <see langword="null"/> to take the predicted (most probable) intent whatever its probability.
    /// Requires <see cref="Intents"/>. The default value is <see langword="null"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or outside [0, 1].</exception>
    public double? MinIntentProbability { get; set => field = OptionRange.Check(value, 0d, 1d); }

    /// <summary>What makes the route unusable, as the end of a sentence that names it; <see langword="null"/> when it is usable.</summary>
    internal string? Problem()
    {
        if (string.IsNullOrWhiteSpace(Model))
        {
            return "names no model: set its Model.";
        }

        if (RequestedModels.Count == 0 && MinPromptTokens is null && MaxPromptTokens is null && MaxCost is null && Intents.Count == 0)
        {
            return $"(model '{Model}') sets no condition: set RequestedModels, MinPromptTokens, MaxPromptTokens, MaxCost or Intents (calls that meet no route go to the default model).";
        }

        if (MinIntentProbability is not null && Intents.Count == 0)
        {
            return $"(model '{Model}') sets MinIntentProbability but no Intents: set the intents it applies to.";
        }

        if (Intents.Any(string.IsNullOrWhiteSpace))
        {
            return $"(model '{Model}') has an empty intent.";
        }

        if (MinPromptTokens > MaxPromptTokens)
        {
            return $"(model '{Model}') has MinPromptTokens {MinPromptTokens} above MaxPromptTokens {MaxPromptTokens}: no call could meet it.";
        }

        return RequestedModels.Any(string.IsNullOrWhiteSpace) ? $"(model '{Model}') has an empty requested model name." : null;
    }
}
