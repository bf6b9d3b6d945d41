using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// The rules of a model router (<c>ChatClientBuilder.UseModelRouter(...)</c>): each call goes to the model of the first
/// route whose conditions it meets, else to the builder's own client, <see cref="DefaultModel"/>.
/// </summary>
/// <remarks>
/// <c>services.AddLlmStack(configuration)</c> binds <c>LlmStack:Router</c> (<c>DefaultModel</c>, <c>AssumedOutputTokens</c>,
/// <c>IntentClassifierPath</c>, <c>IntentEmbeddingModel</c>, and the list <c>Routes</c>, each with the keys of
/// <see cref="ModelRoute"/>); the callback given to <c>UseModelRouter</c>
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

    /// <summary>
    /// Gets or sets the classifier of the routes' intent conditions (<see cref="ModelRoute.Intents"/>): it labels each
    /// call's last user message, embedded by <see cref="IntentEmbedder"/>. Train one with <see cref="EmbeddingClassifierTrainer"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the classifier of <see cref="IntentClassifierPath"/>, when set. A route
    /// with intents needs one or the other; its intents must be labels of the classifier.
    /// </value>
    public EmbeddingClassifier? IntentClassifier { get; set; }

    /// <summary>
    /// Gets or sets the file of the intent classifier (written by <see cref="EmbeddingClassifier.SaveAsync"/>), loaded when
    /// the router is built and <see cref="IntentClassifier"/> is not set. Bound from <c>LlmStack:Router:IntentClassifierPath</c>,
    /// which <c>services.AddLlmStack(configuration)</c> checks (the file must be an intact classifier, and each route's
    /// intents its labels).
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? IntentClassifierPath
    {
        get;
        set => field = OptionText.NullOrNotBlank(value);
    }

    /// <summary>
    /// Gets or sets the embedder of the intent classifier; it must be the embedder the classifier was trained for
    /// (<see cref="EmbeddingClassifier.EnsureEmbedder"/>, checked when the router is built).
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the embedding model named by <see cref="IntentEmbeddingModel"/>, else
    /// the registered <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (such as <c>LlmStack:Embeddings</c>'s).
    /// </value>
    public IEmbeddingGenerator<string, Embedding<float>>? IntentEmbedder { get; set; }

    /// <summary>
    /// Gets or sets the name of the embedding model of the intent classifier when <see cref="IntentEmbedder"/> is not set: the
    /// service key of a keyed embedding generator (<c>LlmStack:EmbeddingModels:&lt;name&gt;</c>). Bound from
    /// <c>LlmStack:Router:IntentEmbeddingModel</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the unkeyed registered embedding generator.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? IntentEmbeddingModel
    {
        get;
        set => field = OptionText.NullOrNotBlank(value);
    }
}
