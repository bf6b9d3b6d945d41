using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// The rules of a model router (<c>ChatClientBuilder.UseModelRouter(...)</c>): each call goes to the model of the first
/// route whose conditions it meets, else to the builder's own client, <see cref="DefaultModel"/>.
/// </summary>
/// <remarks>
/// <c>services.AddLlmStack(configuration)</c> binds <c>LlmStack:Router</c> (<c>DefaultModel</c>, <c>AssumedOutputTokens</c>,
/// and the list <c>Routes</c>, each with the keys of <see cref="ModelRoute"/>); the callback given to <c>UseModelRouter</c>
/// runs after the configured values, on an instance of its own. Read when the router is built; do not change it after.
/// </remarks>
public sealed class ModelRouterOptions
{
    /// <summary>Gets or sets the name the answer records (<see cref="Microsoft.Extensions.AI.FailoverChatClientBuilderExtensions.AnsweredByKey"/>) when the builder's own client answers.</summary>
    /// <value>The default value is <c>default</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public string DefaultModel
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "default";

    /// <summary>Gets the routes, tried in order; the first whose conditions a call meets takes it.</summary>
    /// <value>Empty by default: every call goes to the builder's own client.</value>
    public IList<ModelRoute> Routes { get; } = [];

    /// <summary>Gets or sets the answer tokens a cost ceiling (<see cref="ModelRoute.MaxCost"/>) assumes when a call sets no <c>ChatOptions.MaxOutputTokens</c>.</summary>
    /// <value>Zero or more. The default value is 256.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int AssumedOutputTokens { get; set => field = OptionRange.Check(value, 0); } = 256;

    /// <summary>
    /// Gets or sets the tokenizer that estimates a call's prompt tokens, counted as <see cref="PromptBudget"/> counts an
    /// assembled prompt (each message's content plus its overhead, the instructions as a system message, the reply priming).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: OpenAI's <c>cl100k_base</c> (<see cref="PromptBudget.DefaultTokenizer"/>).</value>
    public Tokenizer? Tokenizer { get; set; }

    /// <summary>
    /// Gets the prices of models a cost ceiling applies to, by model name (ignoring case), for models registered in code;
    /// a named model of configuration without an entry here is priced from its <c>LlmStack:ChatModels:&lt;name&gt;</c> keys.
    /// </summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, TokenPrices> Prices { get; } = new Dictionary<string, TokenPrices>(StringComparer.OrdinalIgnoreCase);
}
