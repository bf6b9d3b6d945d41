namespace Llm.Stack;

/// <summary>
/// What <see cref="GuardrailChatClient"/> and <see cref="GuardrailRetriever"/> check, and what they do with what they
/// find, per stage: the input messages, the retrieved documents, the output.
/// </summary>
/// <remarks>
/// Harmful content (the content policy, <see cref="ContentClassifier"/>) takes <see cref="GuardrailAction.Allow"/>,
/// <see cref="GuardrailAction.Flag"/> or <see cref="GuardrailAction.Block"/>, and in retrieved documents also
/// <see cref="GuardrailAction.Strip"/>. Personal data takes <see cref="GuardrailAction.Allow"/>, <see cref="GuardrailAction.Flag"/>,
/// <see cref="GuardrailAction.Redact"/> or <see cref="GuardrailAction.Block"/>; prompt injection takes
/// <see cref="GuardrailAction.Allow"/>, <see cref="GuardrailAction.Flag"/>, <see cref="GuardrailAction.Strip"/> or
/// <see cref="GuardrailAction.Block"/>; a setter given an action its check cannot take throws. The clients read the
/// options on every call: do not change an instance while calls that use it are running.
/// </remarks>
public sealed class GuardrailOptions
{
    /// <summary>Gets or sets what is done with personal data and secrets in the input messages (user, assistant and tool text, and functions' text results; system messages are the application's own and are not checked).</summary>
    /// <value>The default value is <see cref="GuardrailAction.Redact"/>: the model sees placeholders, the caller's answer the originals.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Strip"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction InputPii { get; set => field = PiiAction(value); } = GuardrailAction.Redact;

    /// <summary>Gets or sets what is done with a prompt injection in a user message.</summary>
    /// <value>The default value is <see cref="GuardrailAction.Block"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction InputInjection { get; set => field = InjectionAction(value); } = GuardrailAction.Block;

    /// <summary>
    /// Gets or sets what is done with a prompt injection in a function's result sent back to the model
    /// (<see cref="GuardrailStage.ToolResults"/>). To see the results of functions that
    /// <c>UseFunctionInvocation</c> calls, add the guardrails after it (<c>.UseFunctionInvocation().UseGuardrails()</c>),
    /// so that they wrap each round trip to the model.
    /// </summary>
    /// <value>
    /// The default value is <see cref="GuardrailAction.Strip"/>: the injection's signals are cut from the result (all of
    /// it when a classifier decided), and the model still gets a result for its call. <see cref="GuardrailAction.Block"/>
    /// fails the call.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction ToolResultInjection { get; set => field = InjectionAction(value); } = GuardrailAction.Strip;

    /// <summary>Gets or sets what <see cref="GuardrailRetriever"/> does with personal data and secrets in a retrieved chunk.</summary>
    /// <value>The default value is <see cref="GuardrailAction.Redact"/>: each item is replaced by a label of its kind (<c>[EMAIL]</c>).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Strip"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction RetrievedPii { get; set => field = PiiAction(value); } = GuardrailAction.Redact;

    /// <summary>Gets or sets what <see cref="GuardrailRetriever"/> does with a retrieved chunk that is a prompt injection.</summary>
    /// <value>The default value is <see cref="GuardrailAction.Strip"/>: the chunk is dropped.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction RetrievedInjection { get; set => field = InjectionAction(value); } = GuardrailAction.Strip;

    /// <summary>
    /// Gets or sets what is done with personal data and secrets that the model writes itself (the placeholders of
    /// <see cref="InputPii"/> are restored, not checked).
    /// </summary>
    /// <value>The default value is <see cref="GuardrailAction.Redact"/>: each item is replaced by a label of its kind (<c>[EMAIL]</c>).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Strip"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction OutputPii { get; set => field = PiiAction(value); } = GuardrailAction.Redact;

    /// <summary>
    /// Gets or sets what is done with a prompt injection in the model's answer: an instruction the model copied from a
    /// retrieved document or a function's result, or text aimed at whatever reads the answer next (an agent, a tool, a
    /// template). A streamed answer is then held back to the end of its current sentence, like
    /// <see cref="OutputContent"/>, and each sentence is assessed before it is emitted.
    /// </summary>
    /// <value>
    /// The default value is <see cref="GuardrailAction.Flag"/>: counted and logged, the answer unchanged.
    /// <see cref="GuardrailAction.Strip"/> cuts the signals' text from the answer (the whole sentence when a classifier
    /// decided); <see cref="GuardrailAction.Block"/> refuses the answer.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction OutputInjection { get; set => field = InjectionAction(value); } = GuardrailAction.Flag;

    /// <summary>Gets or sets what is done with harmful content (<see cref="ContentCategory"/>) in a user message.</summary>
    /// <value>The default value is <see cref="GuardrailAction.Block"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Strip"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction InputContent { get; set => field = ContentAction(value, strip: false); } = GuardrailAction.Block;

    /// <summary>Gets or sets what <see cref="GuardrailRetriever"/> does with a retrieved chunk that is harmful content.</summary>
    /// <value>The default value is <see cref="GuardrailAction.Strip"/>: the chunk is dropped.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction RetrievedContent { get; set => field = ContentAction(value, strip: true); } = GuardrailAction.Strip;

    /// <summary>
    /// Gets or sets what is done with harmful content in the model's answer. A streamed answer is then held back to the
    /// end of its current sentence (a line break, <c>.</c>, <c>!</c> or <c>?</c>): each sentence is classified with the
    /// sentences just before it (about 256 characters) before it is emitted, so a blocked sentence is never emitted.
    /// </summary>
    /// <value>The default value is <see cref="GuardrailAction.Block"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="GuardrailAction.Redact"/>, <see cref="GuardrailAction.Strip"/>, <see cref="GuardrailAction.Repair"/> or not a <see cref="GuardrailAction"/>.</exception>
    public GuardrailAction OutputContent { get; set => field = ContentAction(value, strip: false); } = GuardrailAction.Block;

    /// <summary>
    /// Gets or sets the content policy's classifier: <see cref="EnglishContentClassifier"/>, a moderator model
    /// (<see cref="ChatClientContentClassifier"/>), or the application's own. It is called once per user message, once
    /// per retrieved chunk, once per non-streamed answer and once per sentence of a streamed answer, so a model-based
    /// classifier costs a model call each time.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a registered <see cref="IContentClassifier"/> when <see cref="Microsoft.Extensions.AI.GuardrailChatClientBuilderExtensions.UseGuardrails"/> finds one, else <see cref="EnglishContentClassifier.Default"/>.</value>
    public IContentClassifier? ContentClassifier { get; set; }

    /// <summary>Gets or sets the detector of personal data and secrets; choose the kinds with <see cref="Llm.Stack.PiiDetector.PiiDetector(IEnumerable{PiiKind})"/>.</summary>
    /// <value>The default value is <see cref="PiiDetector.Default"/>: every <see cref="PiiKind"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public PiiDetector PiiDetector { get; set => field = value ?? throw new ArgumentNullException(nameof(value)); } = PiiDetector.Default;

    /// <summary>Gets or sets the prompt-injection detector; its <see cref="PromptInjectionDetector.Threshold"/> decides.</summary>
    /// <value>The default value is <see cref="PromptInjectionDetector.Default"/> (threshold 0.5).</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public PromptInjectionDetector InjectionDetector { get; set => field = value ?? throw new ArgumentNullException(nameof(value)); } = PromptInjectionDetector.Default;

    /// <summary>
    /// Gets or sets a second opinion on prompt injection, asked about each user message and retrieved chunk that
    /// <see cref="InjectionDetector"/> lets through (one classifier call per text, so it costs what the classifier costs).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the detector alone decides.</value>
    public IPromptInjectionClassifier? InjectionClassifier { get; set; }

    /// <summary>
    /// Gets or sets the answer returned instead of throwing <see cref="GuardrailViolationException"/> when a check blocks
    /// a chat call; its finish reason is <see cref="Microsoft.Extensions.AI.ChatFinishReason.ContentFilter"/>. A
    /// streamed answer blocked part-way keeps what it already emitted (none of it blocked) and ends with this text.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a blocked call throws.</value>
    public string? RefusalMessage { get; set; }

    private static GuardrailAction PiiAction(GuardrailAction value)
    {
        if (!Enum.IsDefined(value) || value is GuardrailAction.Strip or GuardrailAction.Repair)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Personal data takes Allow, Flag, Redact or Block; Strip applies to prompt injection.");
        }

        return value;
    }

    private static GuardrailAction ContentAction(GuardrailAction value, bool strip)
    {
        if (!Enum.IsDefined(value) || value is GuardrailAction.Redact or GuardrailAction.Repair || (value == GuardrailAction.Strip && !strip))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, strip
                ? "Harmful content in retrieved documents takes Allow, Flag, Strip or Block."
                : "Harmful content takes Allow, Flag or Block; Strip applies to retrieved documents only.");
        }

        return value;
    }

    private static GuardrailAction InjectionAction(GuardrailAction value)
    {
        if (!Enum.IsDefined(value) || value is GuardrailAction.Redact or GuardrailAction.Repair)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Prompt injection takes Allow, Flag, Strip or Block; Redact applies to personal data.");
        }

        return value;
    }
}
