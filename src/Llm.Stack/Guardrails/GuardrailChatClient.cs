using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Llm.Stack;

/// <summary>
/// Chat middleware that checks what goes to the model and what comes back: personal data in the input is replaced by
/// placeholders and restored in the answer, prompt injections in user messages are blocked (or stripped, or flagged),
/// harmful content (the content policy, <see cref="GuardrailOptions.ContentClassifier"/>) in user messages and in the
/// answer is blocked (or flagged), and personal data the model writes itself is redacted (or blocked, or flagged), in
/// streamed answers too. Add it with <see cref="GuardrailChatClientBuilderExtensions.UseGuardrails"/>.
/// </summary>
/// <remarks>
/// <para>
/// Input: the text of every user, assistant and tool message is checked for personal data (system messages are the
/// application's own); user messages are checked for prompt injection. The caller's messages are never changed: the
/// model receives copies. Each distinct item gets one placeholder per call (<c>[EMAIL_1]</c>), and the placeholders are
/// restored only in the answer of that call, so no caller's value reaches another caller.
/// </para>
/// <para>
/// Under a RAG layer (a <see cref="RagPipeline"/> or <c>UseRetrievalAugmentation()</c> given a guarded client), the
/// user message is the one the layer assembled: its question is checked as input, each retrieved source as a retrieved
/// document (<see cref="GuardrailOptions.RetrievedInjection"/>, <see cref="GuardrailOptions.RetrievedContent"/>,
/// <see cref="GuardrailOptions.RetrievedPii"/>: a dropped source reaches the model empty, personal data in it becomes a
/// label), and the layer's own delimiters of the sources block are not checked. The layer marks such a message in its
/// <see cref="ChatMessage.AdditionalProperties"/>, which no caller's text can set, and each part must still have the
/// form the layer gave it; the same delimiters typed by a caller are checked as theirs.
/// </para>
/// <para>
/// Output: streamed text is held back only as far as a later piece could still change it (see
/// <see cref="GuardrailOptions.OutputPii"/>): the trailing word, and when the output is checked for personal data, the
/// last 64 characters, and text is let out in stretches of at least 32 characters; when the output is checked for harmful content (<see cref="GuardrailOptions.OutputContent"/>), the
/// current sentence, which is classified with the sentences before it once it ends; when the output is checked for prompt
/// injection (<see cref="GuardrailOptions.OutputInjection"/>, flagged by default), the current sentence too. A blocked call throws <see cref="GuardrailViolationException"/> or, when
/// <see cref="GuardrailOptions.RefusalMessage"/> is set, answers with it (finish reason
/// <see cref="ChatFinishReason.ContentFilter"/>); a <see cref="GuardrailViolationException"/> from an inner layer (a
/// <see cref="GuardrailRetriever"/> under retrieval augmentation) is answered the same way.
/// </para>
/// <para>
/// Every decision is counted on the <c>Llm.Stack</c> Meter (<see cref="LlmStackTelemetry.GuardrailDecisionsName"/>)
/// and logged without the text. The client holds no per-call state and is safe to use concurrently, provided the
/// inner client and the configured classifier are.
/// </para>
/// </remarks>
public sealed class GuardrailChatClient : DelegatingChatClient
{
    private readonly GuardrailScreen _screen;

    /// <summary>Initializes a new instance of the <see cref="GuardrailChatClient"/> class.</summary>
    /// <param name="innerClient">The client the checked messages are sent to.</param>
    /// <param name="options">What to check and do; <see langword="null"/> for the defaults of <see cref="GuardrailOptions"/>.</param>
    /// <param name="logger">Logs each decision (never the text); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public GuardrailChatClient(IChatClient innerClient, GuardrailOptions? options = null, ILogger? logger = null)
        : base(innerClient)
    {
        _screen = new GuardrailScreen(options ?? new GuardrailOptions(), logger);
    }

    /// <summary>Gets the options the client checks with.</summary>
    public GuardrailOptions Options => _screen.Options;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (List<ChatMessage> prepared, PiiVault? vault, GuardrailViolationException? blocked) = await PrepareAsync(messages, cancellationToken).ConfigureAwait(false);
        if (blocked is not null)
        {
            return Refuse(blocked, null);
        }

        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(prepared, options, cancellationToken).ConfigureAwait(false);
        }
        catch (GuardrailViolationException inner) when (Options.RefusalMessage is not null)
        {
            return Refuse(inner, null);
        }

        GuardrailAction contentAction = Options.OutputContent;
        foreach (ChatMessage message in response.Messages)
        {
            for (int i = 0; i < message.Contents.Count; i++)
            {
                if (message.Contents[i] is TextContent { Text: { Length: > 0 } text } content)
                {
                    var output = new GuardedOutput(_screen, vault);
                    string checkedText = text;
                    if (output.IsActive)
                    {
                        checkedText = output.Push(text) + output.Flush();
                        if (output.IsBlocked)
                        {
                            return Refuse(new GuardrailViolationException(GuardrailCategory.PersonalData, GuardrailStage.Output), response);
                        }
                    }

                    if (contentAction != GuardrailAction.Allow)
                    {
                        ContentClassification classification = await _screen.ClassifyAsync(checkedText, GuardrailStage.Output, cancellationToken).ConfigureAwait(false);
                        if (classification.IsFlagged)
                        {
                            _screen.RecordContent(GuardrailStage.Output, contentAction, classification);
                            if (contentAction == GuardrailAction.Block)
                            {
                                return Refuse(GuardrailScreen.ContentViolation(GuardrailStage.Output, classification), response);
                            }
                        }
                    }

                    if (Options.OutputInjection != GuardrailAction.Allow)
                    {
                        (checkedText, GuardrailViolationException? injection) = await _screen.CheckOutputInjectionAsync(checkedText, Options.OutputInjection, cancellationToken).ConfigureAwait(false);
                        if (injection is not null)
                        {
                            return Refuse(injection, response);
                        }
                    }

                    if (!ReferenceEquals(checkedText, text))
                    {
                        message.Contents[i] = new TextContent(checkedText) { AdditionalProperties = content.AdditionalProperties, Annotations = content.Annotations };
                    }
                }
            }
        }

        return response;
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (List<ChatMessage> prepared, PiiVault? vault, GuardrailViolationException? blocked) = await PrepareAsync(messages, cancellationToken).ConfigureAwait(false);
        if (blocked is not null)
        {
            yield return RefuseUpdate(blocked, null);
            yield break;
        }

        var output = new GuardedOutput(_screen, vault);
        var content = new GuardedContent(_screen);
        ChatResponseUpdate? last = null;
        await using IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(prepared, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatResponseUpdate update;
            GuardrailViolationException? innerBlock = null;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }

                update = updates.Current;
            }
            catch (GuardrailViolationException inner) when (Options.RefusalMessage is not null)
            {
                innerBlock = inner;
                update = null!;
            }

            if (innerBlock is not null)
            {
                yield return RefuseUpdate(innerBlock, last);
                yield break;
            }

            last = update;
            if (!output.IsActive && !content.IsActive)
            {
                yield return update;
                continue;
            }

            (ChatResponseUpdate checkedUpdate, GuardrailViolationException? blockedOutput) = await CheckAsync(update, output, content, cancellationToken).ConfigureAwait(false);
            if (blockedOutput is not null)
            {
                yield return RefuseUpdate(blockedOutput, update);
                yield break;
            }

            yield return checkedUpdate;
        }

        if ((output.IsActive || content.IsActive) && last is not null)
        {
            (string rest, GuardrailViolationException? blockedRest) = await PassAsync(output, content, null, cancellationToken).ConfigureAwait(false);
            if (blockedRest is not null)
            {
                yield return RefuseUpdate(blockedRest, last);
            }
            else if (rest.Length > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, rest) { MessageId = last.MessageId, ResponseId = last.ResponseId, ModelId = last.ModelId };
            }
        }
    }

    /// <summary>
    /// The update with its text replaced by what the output checks let through now; text held back before other content
    /// (a function call, usage) is let out first. Returns what blocked the answer instead, when a check did.
    /// </summary>
    private static ValueTask<(ChatResponseUpdate Update, GuardrailViolationException? Blocked)> CheckAsync(ChatResponseUpdate update, GuardedOutput output, GuardedContent content, CancellationToken cancellationToken)
    {
        IList<AIContent> items = update.Contents;
        if (items.Count == 0)
        {
            return ValueTask.FromResult<(ChatResponseUpdate, GuardrailViolationException?)>((update, null));
        }

        if (items.Count > 1 || items[0] is not TextContent { Text: string piece })
        {
            return CheckContentsAsync(update, output, content, cancellationToken);
        }

        // The usual update, one piece of text, passes without an asynchronous step unless a sentence check awaits a classifier.
        ValueTask<(string Text, GuardrailViolationException? Blocked)> passing = PassAsync(output, content, piece, cancellationToken);
        return passing.IsCompletedSuccessfully
            ? ValueTask.FromResult(WithText(update, passing.Result))
            : AwaitTextAsync(update, passing);

        static async ValueTask<(ChatResponseUpdate, GuardrailViolationException?)> AwaitTextAsync(ChatResponseUpdate update, ValueTask<(string, GuardrailViolationException?)> passing) =>
            WithText(update, await passing.ConfigureAwait(false));
    }

    /// <summary>A copy of the update (it belongs to the inner client) whose only content is <paramref name="passed"/>'s text, if any.</summary>
    private static (ChatResponseUpdate Update, GuardrailViolationException? Blocked) WithText(ChatResponseUpdate update, (string Text, GuardrailViolationException? Blocked) passed)
    {
        if (passed.Blocked is not null)
        {
            return (update, passed.Blocked);
        }

        ChatResponseUpdate clone = update.Clone();
        clone.Contents = passed.Text.Length > 0 ? new List<AIContent>(1) { new TextContent(passed.Text) } : new List<AIContent>();
        return (clone, null);
    }

    /// <summary>The general case of <see cref="CheckAsync"/>: several contents, or content other than text.</summary>
    private static async ValueTask<(ChatResponseUpdate Update, GuardrailViolationException? Blocked)> CheckContentsAsync(ChatResponseUpdate update, GuardedOutput output, GuardedContent content, CancellationToken cancellationToken)
    {
        var contents = new List<AIContent>(update.Contents.Count);
        foreach (AIContent item in update.Contents)
        {
            (string text, GuardrailViolationException? blocked) = await PassAsync(output, content, (item as TextContent)?.Text, cancellationToken).ConfigureAwait(false);
            if (blocked is not null)
            {
                return (update, blocked);
            }

            if (text.Length > 0)
            {
                contents.Add(new TextContent(text));
            }

            if (item is not TextContent)
            {
                contents.Add(item);
            }
        }

        ChatResponseUpdate clone = update.Clone();
        clone.Contents = contents;
        return (clone, null);
    }

    /// <summary>
    /// Passes a piece of text (or, for <see langword="null"/>, the end of the text) through the personal-data check, then
    /// the content policy; synchronous unless a sentence ends and the sentence checks run.
    /// </summary>
    private static ValueTask<(string Text, GuardrailViolationException? Blocked)> PassAsync(GuardedOutput output, GuardedContent content, string? piece, CancellationToken cancellationToken)
    {
        bool final = piece is null;
        string text = piece ?? string.Empty;
        if (output.IsActive)
        {
            text = final ? output.Flush() : output.Push(text);
            if (output.IsBlocked)
            {
                return ValueTask.FromResult<(string, GuardrailViolationException?)>((string.Empty, new GuardrailViolationException(GuardrailCategory.PersonalData, GuardrailStage.Output)));
            }

            if (final && content.IsActive)
            {
                // The personal-data check let out its held text; the content policy judges it with the rest.
                content.Push(text);
                return ReleaseAsync(content, final: true, cancellationToken);
            }
        }

        if (!content.IsActive)
        {
            return ValueTask.FromResult<(string, GuardrailViolationException?)>((text, null));
        }

        if (!content.Push(text) && !final)
        {
            return ValueTask.FromResult<(string, GuardrailViolationException?)>((string.Empty, null));
        }

        return ReleaseAsync(content, final, cancellationToken);
    }

    /// <summary>Lets out what the sentence checks allow, or returns what blocked the answer.</summary>
    private static async ValueTask<(string Text, GuardrailViolationException? Blocked)> ReleaseAsync(GuardedContent content, bool final, CancellationToken cancellationToken)
    {
        string text = await content.ReleaseAsync(final, cancellationToken).ConfigureAwait(false);
        return (text, content.Blocked);
    }

    /// <summary>Checks the input: redacts personal data into the call's vault and decides on prompt injection.</summary>
    private async Task<(List<ChatMessage> Messages, PiiVault? Vault, GuardrailViolationException? Blocked)> PrepareAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        List<ChatMessage> list = [.. messages];
        GuardrailOptions options = Options;
        PiiVault? vault = options.InputPii == GuardrailAction.Redact
            ? new PiiVault(placeholder => list.Any(m => m.Contents.Any(c => c is TextContent t && t.Text.Contains(placeholder, StringComparison.Ordinal))))
            : null;
        for (int m = 0; m < list.Count; m++)
        {
            ChatMessage message = list[m];
            if (message.Role == ChatRole.System)
            {
                continue;
            }

            List<AIContent>? changed = null;
            for (int i = 0; i < message.Contents.Count; i++)
            {
                if (message.Contents[i] is FunctionResultContent { Result: not null } result)
                {
                    (AIContent? checkedResult, GuardrailViolationException? blocked) = await CheckToolResultAsync(result, options, vault, cancellationToken).ConfigureAwait(false);
                    if (blocked is not null)
                    {
                        return (list, null, blocked);
                    }

                    if (checkedResult is not null)
                    {
                        changed ??= [.. message.Contents];
                        changed[i] = checkedResult;
                    }

                    continue;
                }

                if (message.Contents[i] is not TextContent { Text: { Length: > 0 } text })
                {
                    continue;
                }

                bool fromUser = message.Role == ChatRole.User;
                string? part = fromUser ? SourceFormatter.PartOf(message, i) : null;
                if (part is SourceFormatter.HeaderPart)
                {
                    continue;
                }

                if (part is SourceFormatter.SourcePart && SourceFormatter.SourceBody(text) is { } body)
                {
                    // A source the RAG layer above put into the prompt: checked as a retrieved document, as GuardrailRetriever would.
                    string source = text[body];
                    string? kept;
                    try
                    {
                        kept = await _screen.ScreenRetrievedAsync(source, SourceFormatter.SourceId(text), cancellationToken).ConfigureAwait(false);
                    }
                    catch (GuardrailViolationException blockedSource)
                    {
                        return (list, null, blockedSource);
                    }

                    if (!ReferenceEquals(kept, source))
                    {
                        changed ??= [.. message.Contents];
                        changed[i] = new TextContent(kept is null ? string.Empty : string.Concat(text.AsSpan(0, body.Start.Value), kept, text.AsSpan(body.End.Value)));
                    }

                    continue;
                }

                // The sources block's footer is the library's own text: only the question after it is the caller's input.
                int prefix = part is SourceFormatter.FooterAndQuestionPart ? SourceFormatter.Footer.Length + 1 : 0;
                string input = prefix == 0 ? text : text[prefix..];
                (string checkedText, GuardrailViolationException? blockedText) = await CheckTextAsync(
                    input,
                    GuardrailStage.Input,
                    fromUser ? options.InputContent : GuardrailAction.Allow,
                    fromUser ? options.InputInjection : GuardrailAction.Allow,
                    vault,
                    cancellationToken).ConfigureAwait(false);
                if (blockedText is not null)
                {
                    return (list, null, blockedText);
                }

                if (!ReferenceEquals(checkedText, input))
                {
                    changed ??= [.. message.Contents];
                    changed[i] = new TextContent(prefix == 0 ? checkedText : string.Concat(text.AsSpan(0, prefix), checkedText));
                }
            }

            if (changed is not null)
            {
                ChatMessage copy = message.Clone();
                copy.Contents = changed;
                list[m] = copy;
            }
        }

        return (list, vault, null);
    }

    /// <summary>
    /// Checks a function's result sent back to the model: personal data in a text result as the input's
    /// (<see cref="GuardrailOptions.InputPii"/>), prompt injection as <see cref="GuardrailOptions.ToolResultInjection"/>
    /// says. Returns the result to send instead (<see langword="null"/> for the same), or the violation that blocks the call.
    /// </summary>
    private async Task<(AIContent? Result, GuardrailViolationException? Blocked)> CheckToolResultAsync(
        FunctionResultContent result, GuardrailOptions options, PiiVault? vault, CancellationToken cancellationToken)
    {
        string text = result.Result switch
        {
            string s => s,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } e => e.GetString() ?? string.Empty,
            System.Text.Json.JsonElement e => e.GetRawText(),
            _ => System.Text.Json.JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
        };
        (string checkedText, GuardrailViolationException? blocked) = await CheckTextAsync(
            text, GuardrailStage.ToolResults, GuardrailAction.Allow, options.ToolResultInjection, vault, cancellationToken).ConfigureAwait(false);
        if (blocked is not null)
        {
            return (null, blocked);
        }

        return ReferenceEquals(checkedText, text)
            ? (null, null)
            : (new FunctionResultContent(result.CallId, checkedText) { Exception = result.Exception, RawRepresentation = result.RawRepresentation }, null);
    }

    /// <summary>
    /// Checks one text sent to the model (a message's text or a function's result): personal data as
    /// <see cref="GuardrailOptions.InputPii"/> says (placeholders from <paramref name="vault"/>), then the content policy
    /// and prompt injection with the given actions (<see cref="GuardrailAction.Allow"/> skips a check).
    /// </summary>
    /// <returns>The text to send (the same instance when nothing changed), or the violation that blocks the call.</returns>
    private async ValueTask<(string Text, GuardrailViolationException? Blocked)> CheckTextAsync(
        string text, GuardrailStage stage, GuardrailAction contentAction, GuardrailAction injectionAction, PiiVault? vault, CancellationToken cancellationToken)
    {
        GuardrailOptions options = Options;
        string checkedText = text;
        if (options.InputPii != GuardrailAction.Allow && options.PiiDetector.Detect(text) is { Count: > 0 } found)
        {
            _screen.RecordPii(stage, options.InputPii, found);
            if (options.InputPii == GuardrailAction.Block)
            {
                return (text, new GuardrailViolationException(GuardrailCategory.PersonalData, stage));
            }

            if (vault is not null)
            {
                checkedText = GuardrailScreen.Replace(text, found, (match, value) => vault.Placeholder(match.Kind, value));
            }
        }

        if (contentAction != GuardrailAction.Allow)
        {
            ContentClassification classification = await _screen.ClassifyAsync(text, stage, cancellationToken).ConfigureAwait(false);
            if (classification.IsFlagged)
            {
                _screen.RecordContent(stage, contentAction, classification);
                if (contentAction == GuardrailAction.Block)
                {
                    return (text, GuardrailScreen.ContentViolation(stage, classification));
                }
            }
        }

        if (injectionAction != GuardrailAction.Allow
            && await _screen.AssessAsync(text, stage, cancellationToken).ConfigureAwait(false) is { } injection)
        {
            _screen.Record(stage, GuardrailCategory.PromptInjection, injection.Kind, injectionAction, 1);
            if (injectionAction == GuardrailAction.Block)
            {
                return (text, new GuardrailViolationException(GuardrailCategory.PromptInjection, stage));
            }

            if (injectionAction == GuardrailAction.Strip)
            {
                // Strip from the checked text: the redaction placeholders may have moved the signals, so assess it again.
                IReadOnlyList<InjectionSignal> signals = ReferenceEquals(checkedText, text) ? injection.Signals : options.InjectionDetector.Assess(checkedText).Signals;
                checkedText = injection.Kind == GuardrailScreen.ClassifierKind ? string.Empty : GuardrailScreen.Strip(checkedText, signals);
            }
        }

        return (checkedText, null);
    }

    private ChatResponse Refuse(GuardrailViolationException blocked, ChatResponse? response)
    {
        string refusal = Options.RefusalMessage ?? throw blocked;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, refusal))
        {
            FinishReason = ChatFinishReason.ContentFilter,
            ModelId = response?.ModelId,
            ResponseId = response?.ResponseId,
        };
    }

    private ChatResponseUpdate RefuseUpdate(GuardrailViolationException blocked, ChatResponseUpdate? last)
    {
        string refusal = Options.RefusalMessage ?? throw blocked;
        return new ChatResponseUpdate(ChatRole.Assistant, refusal)
        {
            FinishReason = ChatFinishReason.ContentFilter,
            MessageId = last?.MessageId,
            ResponseId = last?.ResponseId,
            ModelId = last?.ModelId,
        };
    }
}
