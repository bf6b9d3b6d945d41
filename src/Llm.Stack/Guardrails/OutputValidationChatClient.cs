using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Json.Schema;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Llm.Stack;

/// <summary>
/// Chat middleware that validates the model's answers: structured output is checked against the JSON schema of
/// <see cref="ChatOptions.ResponseFormat"/> and repaired with one more round trip when it does not match, and answers
/// that decline the request are recognised. Add it with
/// <see cref="OutputValidationChatClientBuilderExtensions.UseOutputValidation"/>.
/// </summary>
/// <remarks>
/// <para>
/// Structured output: when the call asks for JSON (<see cref="ChatResponseFormatJson"/>), the answer must parse as JSON
/// and, when the format carries a schema (as <c>GetResponseAsync&lt;T&gt;</c> sets it), be valid against that schema
/// (JSON Schema 2020-12 and the drafts it names, through JsonSchema.Net). An answer wrapped in a Markdown code fence is
/// unwrapped. An invalid answer is sent back to the model once with the problems found (<see cref="OutputValidationOptions.Repair"/>);
/// the repaired answer is returned with the usage of both calls. An answer still invalid, or a refusal where JSON was
/// asked for, throws <see cref="GuardrailViolationException"/> (<see cref="GuardrailCategory.InvalidOutput"/> or
/// <see cref="GuardrailCategory.Refusal"/>, stage <see cref="GuardrailStage.Output"/>) whose
/// <see cref="GuardrailViolationException.Details"/> name where the answer failed (JSON pointer and schema keyword),
/// never its text. A streamed structured answer is held until it is complete, since it cannot be validated before.
/// </para>
/// <para>
/// Refusals: an answer that <see cref="OutputValidationOptions.RefusalDetector"/> recognises is counted and logged, and a
/// non-streamed one is marked with <see cref="RefusalPropertyName"/> = <see langword="true"/> in
/// <see cref="ChatResponse.AdditionalProperties"/>. Plain-text answers are never changed and stream without delay.
/// </para>
/// <para>
/// Every decision is counted on the <c>Llm.Stack</c> Meter (<see cref="LlmStackTelemetry.GuardrailDecisionsName"/>,
/// stage <c>output</c>) and logged without the text. The client holds no per-call state and is safe to use
/// concurrently, provided the inner client is.
/// </para>
/// </remarks>
public sealed class OutputValidationChatClient : DelegatingChatClient
{
    /// <summary>The key of <see cref="ChatResponse.AdditionalProperties"/> that marks an answer recognised as a refusal.</summary>
    public const string RefusalPropertyName = "llm_stack.refusal";

    private const int MaxCachedSchemas = 256;
    private static readonly ConcurrentDictionary<string, JsonSchema> s_schemas = new(StringComparer.Ordinal);
    private static readonly EvaluationOptions s_evaluation = new() { OutputFormat = OutputFormat.List };
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="OutputValidationChatClient"/> class.</summary>
    /// <param name="innerClient">The client whose answers are validated.</param>
    /// <param name="options">What to check; <see langword="null"/> for the defaults of <see cref="OutputValidationOptions"/>.</param>
    /// <param name="logger">Logs each decision (never the text); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public OutputValidationChatClient(IChatClient innerClient, OutputValidationOptions? options = null, ILogger? logger = null)
        : base(innerClient)
    {
        Options = options ?? new OutputValidationOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the options the client validates with.</summary>
    public OutputValidationOptions Options { get; }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? [.. messages];
        ChatResponse response = await base.GetResponseAsync(conversation, options, cancellationToken).ConfigureAwait(false);
        return await ValidateAsync(conversation, options, response, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? [.. messages];
        return options?.ResponseFormat is ChatResponseFormatJson
            ? StreamStructuredAsync(conversation, options, cancellationToken)
            : StreamTextAsync(conversation, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamTextAsync(IList<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (head.Length < RefusalDetector.ScannedLength && Options.RefusalDetector is not null)
            {
                head.Append(update.Text);
            }

            yield return update;
        }

        if (Options.RefusalDetector is { } detector && head.Length > 0 && detector.IsRefusal(head.ToString()))
        {
            GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.Refusal, "refusal", GuardrailAction.Flag, 1);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamStructuredAsync(IList<ChatMessage> messages, ChatOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
        }

        ChatResponse streamed = updates.ToChatResponse();
        ChatResponse validated = await ValidateAsync(messages, options, streamed, cancellationToken).ConfigureAwait(false);
        IEnumerable<ChatResponseUpdate> result = ReferenceEquals(validated, streamed) ? updates : validated.ToChatResponseUpdates();
        foreach (ChatResponseUpdate update in result)
        {
            yield return update;
        }
    }

    private async Task<ChatResponse> ValidateAsync(IList<ChatMessage> messages, ChatOptions? options, ChatResponse response, CancellationToken cancellationToken)
    {
        string text = response.Text;
        bool refusal = Options.RefusalDetector is { } detector && detector.IsRefusal(text);
        if (options?.ResponseFormat is not ChatResponseFormatJson format)
        {
            if (refusal)
            {
                GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.Refusal, "refusal", GuardrailAction.Flag, 1);
                (response.AdditionalProperties ??= [])[RefusalPropertyName] = true;
            }

            return response;
        }

        JsonSchema? schema;
        try
        {
            schema = format.Schema is { } schemaElement ? SchemaOf(schemaElement) : null;
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException or NotSupportedException or FormatException)
        {
            throw new ArgumentException($"options.ResponseFormat carries a schema that is not a valid JSON schema: {e.Message}", nameof(options), e);
        }

        Verdict verdict = Check(text, schema);
        if (verdict.IsValid)
        {
            if (verdict.Unwrapped is { } json)
            {
                GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.InvalidOutput, "code_fence", GuardrailAction.Repair, 1);
                return WithText(response, json);
            }

            return response;
        }

        if (refusal)
        {
            GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.Refusal, "refusal", GuardrailAction.Block, 1);
            throw new GuardrailViolationException(GuardrailCategory.Refusal, GuardrailStage.Output);
        }

        if (!Options.Repair)
        {
            GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.InvalidOutput, verdict.Kind, GuardrailAction.Block, 1);
            throw new GuardrailViolationException(GuardrailCategory.InvalidOutput, GuardrailStage.Output, verdict.Details);
        }

        GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.InvalidOutput, verdict.Kind, GuardrailAction.Repair, 1);
        var repairRequest = new ChatMessage(ChatRole.User, RepairInstruction(verdict.Problems));
        List<ChatMessage> retry = options.ConversationId is not null
            ? [repairRequest]
            : [.. messages, new ChatMessage(ChatRole.Assistant, text), repairRequest];
        ChatResponse repaired = await base.GetResponseAsync(retry, options, cancellationToken).ConfigureAwait(false);
        if (response.Usage is { } first)
        {
            first.Add(repaired.Usage ?? new UsageDetails());
            repaired.Usage = first;
        }

        Verdict second = Check(repaired.Text, schema);
        if (!second.IsValid)
        {
            GuardrailScreen.Record(_logger, GuardrailStage.Output, GuardrailCategory.InvalidOutput, second.Kind, GuardrailAction.Block, 1);
            throw new GuardrailViolationException(GuardrailCategory.InvalidOutput, GuardrailStage.Output, second.Details);
        }

        return second.Unwrapped is { } unwrapped ? WithText(repaired, unwrapped) : repaired;
    }

    /// <summary>Parses the answer (unwrapping one Markdown code fence) and validates it against the schema.</summary>
    private static Verdict Check(string text, JsonSchema? schema)
    {
        string candidate = text.Trim();
        string? unwrapped = null;
        if (candidate.StartsWith("```", StringComparison.Ordinal) && candidate.EndsWith("```", StringComparison.Ordinal) && candidate.Length >= 6)
        {
            int firstLine = candidate.IndexOf('\n', StringComparison.Ordinal);
            if (firstLine > 0 && firstLine < candidate.Length - 3)
            {
                candidate = candidate[(firstLine + 1)..^3].Trim();
                unwrapped = candidate;
            }
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(candidate);
        }
        catch (JsonException e)
        {
            string where = $"line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}";
            return new Verdict(false, null, "json_syntax", [$"The answer is not valid JSON ({where})."], [$"(root): not valid JSON at {where}"]);
        }

        using (document)
        {
            if (schema is null)
            {
                return new Verdict(true, unwrapped, "", [], []);
            }

            EvaluationResults results = schema.Evaluate(document.RootElement, s_evaluation);
            if (results.IsValid)
            {
                return new Verdict(true, unwrapped, "", [], []);
            }

            var problems = new List<string>();
            var details = new List<string>();
            foreach (EvaluationResults detail in results.Details ?? [])
            {
                foreach ((string keyword, string message) in detail.Errors ?? new Dictionary<string, string>())
                {
                    string location = detail.InstanceLocation.ToString() is { Length: > 0 } pointer ? pointer : "(root)";
                    problems.Add($"{location}: {message}");
                    details.Add(keyword.Length > 0 ? $"{location}: {keyword}" : location);
                }
            }

            if (problems.Count == 0)
            {
                problems.Add("The answer does not match the schema.");
                details.Add("(root)");
            }

            return new Verdict(false, null, "json_schema", problems, details.Distinct(StringComparer.Ordinal).ToArray());
        }
    }

    private static string RepairInstruction(IReadOnlyList<string> problems)
    {
        var text = new StringBuilder("Your previous answer cannot be used: it must be JSON that matches the requested schema. Problems found:\n");
        foreach (string problem in problems.Take(20))
        {
            text.Append("- ").Append(problem).Append('\n');
        }

        return text.Append("Answer again with the corrected JSON only: no explanation and no code fence.").ToString();
    }

    private static JsonSchema SchemaOf(JsonElement schema)
    {
        string text = schema.GetRawText();
        if (s_schemas.TryGetValue(text, out JsonSchema? cached))
        {
            return cached;
        }

        JsonSchema parsed = JsonSchema.FromText(text);

        if (s_schemas.Count >= MaxCachedSchemas)
        {
            s_schemas.Clear();
        }

        return s_schemas.GetOrAdd(text, parsed);
    }

    private static ChatResponse WithText(ChatResponse response, string json)
    {
        var message = new ChatMessage(ChatRole.Assistant, json)
        {
            AuthorName = response.Messages.LastOrDefault()?.AuthorName,
            MessageId = response.Messages.LastOrDefault()?.MessageId,
        };
        return new ChatResponse(message)
        {
            ResponseId = response.ResponseId,
            ConversationId = response.ConversationId,
            ModelId = response.ModelId,
            CreatedAt = response.CreatedAt,
            FinishReason = response.FinishReason,
            Usage = response.Usage,
            AdditionalProperties = response.AdditionalProperties,
            RawRepresentation = response.RawRepresentation,
        };
    }

    private readonly record struct Verdict(bool IsValid, string? Unwrapped, string Kind, IReadOnlyList<string> Problems, IReadOnlyList<string> Details);
}
