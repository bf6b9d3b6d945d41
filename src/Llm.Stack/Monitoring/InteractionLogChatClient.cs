using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Chat middleware that records every call in an <see cref="InteractionLog"/>: id, time, tenant, user, model, prompt
/// template, tokens, time to first token, total latency, guardrail blocks and errors, and (when
/// <see cref="InteractionLogOptions.IncludeContent"/> is on) the question and the answer. Add it with
/// <see cref="InteractionLogChatClientBuilderExtensions.UseInteractionLog"/>.
/// </summary>
/// <remarks>
/// <para>
/// The caller may set <see cref="ChatOptions.AdditionalProperties"/> entries <see cref="InteractionIdKey"/> (the id to
/// record under, so that it can be returned before the answer streams), <see cref="TenantIdKey"/>,
/// <see cref="UserIdKey"/>, <see cref="PromptTemplateKey"/> and <see cref="PromptTemplateVersionKey"/>; they are taken
/// out of the options before the inner client sees them. The id is returned in the response's (and each update's)
/// <see cref="ChatResponse.AdditionalProperties"/> under <see cref="InteractionIdKey"/>; the streamed updates of one call
/// that carry no properties of their own share one dictionary holding the id, so do not add to it.
/// </para>
/// <para>
/// A <see cref="RetrievalAugmentedChatClient"/> below this layer adds its query, sources and citations to the same
/// record; a call made while another interaction is being recorded on the same flow (a second layer, or the RAG
/// pipeline's own model calls) adds to that record rather than write another. The record is queued when the call
/// ends; storing it happens on the log's background writer. Thread-safe: holds no per-call state.
/// </para>
/// </remarks>
public sealed class InteractionLogChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the interaction id (a string), in options and in responses.</summary>
    public const string InteractionIdKey = "llmstack.interaction_id";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the tenant id (a string).</summary>
    public const string TenantIdKey = "llmstack.tenant_id";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the user id (a string).</summary>
    public const string UserIdKey = "llmstack.user_id";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the prompt template's name (a string).</summary>
    public const string PromptTemplateKey = "llmstack.prompt_template";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the prompt template's version (a string).</summary>
    public const string PromptTemplateVersionKey = "llmstack.prompt_template_version";

    private static readonly string[] s_keys = [InteractionIdKey, TenantIdKey, UserIdKey, PromptTemplateKey, PromptTemplateVersionKey];

    private readonly InteractionLog _log;
    private string? _defaultModelId;
    private bool _metadataRead;

    /// <summary>Initializes a new instance of the <see cref="InteractionLogChatClient"/> class.</summary>
    /// <param name="innerClient">The client whose calls are recorded.</param>
    /// <param name="log">The log the records go to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> or <paramref name="log"/> is <see langword="null"/>.</exception>
    public InteractionLogChatClient(IChatClient innerClient, InteractionLog log)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
    }

    /// <summary>Gets the log the records go to.</summary>
    public InteractionLog Log => _log;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (InteractionContext.Current is { } outer)
        {
            ChatResponse inner = await base.GetResponseAsync(messages, Strip(options), cancellationToken).ConfigureAwait(false);
            outer.ModelId ??= inner.ModelId;
            return inner;
        }

        InteractionRecord record = Begin(messages, ref options);
        long start = Stopwatch.GetTimestamp();
        InteractionContext.Current = record;
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            End(record, start, null);
            InteractionLog.Fail(record, e);
            _log.Write(record);
            throw;
        }

        record.TimeToFirstToken = Stopwatch.GetElapsedTime(start);
        End(record, start, response.Usage);
        record.ModelId ??= response.ModelId;
        if (_log.IncludesContent)
        {
            record.Answer ??= response.Text;
        }

        (response.AdditionalProperties ??= [])[InteractionIdKey] = record.Id;
        _log.Write(record);
        return response;
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RecordStreamingAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> RecordStreamingAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (InteractionContext.Current is { } outer)
        {
            // Inside another interaction being recorded (a second layer, the RAG pipeline's model call): add to its record.
            IAsyncEnumerator<ChatResponseUpdate> nested = InteractionContext.Flow(base.GetStreamingResponseAsync(messages, Strip(options), cancellationToken), outer, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            try
            {
                while (await nested.MoveNextAsync().ConfigureAwait(false))
                {
                    outer.ModelId ??= nested.Current.ModelId;
                    yield return nested.Current;
                }
            }
            finally
            {
                await nested.DisposeAsync().ConfigureAwait(false);
            }

            yield break;
        }

        InteractionRecord record = Begin(messages, ref options);
        long start = Stopwatch.GetTimestamp();
        StreamTally tally = new() { CollectAnswer = _log.IncludesContent };
        ExecutionContext? callerContext = null;
        ExecutionContext? recordContext = null;
        bool ended = false;
        IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    // The record is current during each step (as InteractionContext.Flow does): this body resumes in its
                    // caller's context after each yield, and an inner layer may start its own calls or take guardrail
                    // decisions in a later step. While the caller's context stays the one of the first step, the context
                    // made then is put back as it is rather than made again.
                    if (recordContext is not null && ExecutionContext.Capture() == callerContext)
                    {
                        ExecutionContext.Restore(recordContext);
                    }
                    else
                    {
                        callerContext = ExecutionContext.Capture();
                        InteractionContext.Current = record;
                        recordContext = ExecutionContext.Capture();
                    }

                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        ended = true;
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception e)
                {
                    End(record, start, tally.InputTokens, tally.OutputTokens);
                    InteractionLog.Fail(record, e);
                    _log.Write(record);
                    throw;
                }

                Observe(record, update, start, ref tally);
                yield return update;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            if (tally.Answer is { } buffer)
            {
                if (ended)
                {
                    record.Answer ??= new string(buffer, 0, tally.AnswerLength);
                }

                ArrayPool<char>.Shared.Return(buffer);
            }
        }

        End(record, start, tally.InputTokens, tally.OutputTokens);
        _log.Write(record);
    }

    /// <summary>Takes what the record needs from a streamed update, and tags the update with the interaction id.</summary>
    /// <remarks>Kept out of the iterator so that its locals are not fields of the iterator's state.</remarks>
    private static void Observe(InteractionRecord record, ChatResponseUpdate update, long start, ref StreamTally tally)
    {
        record.ModelId ??= update.ModelId;
        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is UsageContent u)
            {
                tally.InputTokens = Sum(tally.InputTokens, u.Details.InputTokenCount);
                tally.OutputTokens = Sum(tally.OutputTokens, u.Details.OutputTokenCount);
            }
            else if (contents[i] is TextContent { Text.Length: > 0 } text)
            {
                record.TimeToFirstToken ??= Stopwatch.GetElapsedTime(start);
                if (tally.CollectAnswer)
                {
                    tally.Append(text.Text);
                }
            }
        }

        if (update.AdditionalProperties is { } properties)
        {
            properties[InteractionIdKey] = record.Id;
        }
        else
        {
            // The updates that carry no properties of their own share one dictionary holding only the id.
            update.AdditionalProperties = tally.IdOnly ??= new AdditionalPropertiesDictionary { [InteractionIdKey] = record.Id };
        }
    }

    private InteractionRecord Begin(IEnumerable<ChatMessage> messages, ref ChatOptions? options)
    {
        InteractionRecord record = InteractionLog.Begin("chat");
        if (options?.AdditionalProperties is { Count: > 0 } properties && HasAnyKey(properties))
        {
            record.Id = Text(properties, InteractionIdKey) ?? record.Id;
            record.TenantId = Text(properties, TenantIdKey);
            record.UserId = Text(properties, UserIdKey);
            record.PromptTemplate = Text(properties, PromptTemplateKey);
            record.PromptTemplateVersion = Text(properties, PromptTemplateVersionKey);
            options = Strip(options);
        }

        record.ModelId = options?.ModelId ?? DefaultModelId();
        if (_log.IncludesContent)
        {
            record.Question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        }

        return record;
    }

    private static void End(InteractionRecord record, long start, UsageDetails? usage) =>
        End(record, start, usage?.InputTokenCount, usage?.OutputTokenCount);

    private static void End(InteractionRecord record, long start, long? inputTokens, long? outputTokens)
    {
        record.Duration = Stopwatch.GetElapsedTime(start);
        record.InputTokens ??= inputTokens;
        record.OutputTokens ??= outputTokens;
    }

    private static long? Sum(long? total, long? count) => count is null ? total : (total ?? 0) + count;

    private string? DefaultModelId()
    {
        if (!_metadataRead)
        {
            _defaultModelId = InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
            _metadataRead = true;
        }

        return _defaultModelId;
    }

    private static bool HasAnyKey(AdditionalPropertiesDictionary properties)
    {
        foreach (string key in s_keys)
        {
            if (properties.ContainsKey(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The options without this layer's keys, so that no provider sends them on; the caller's instance is not changed.</summary>
    private static ChatOptions? Strip(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } properties || !HasAnyKey(properties))
        {
            return options;
        }

        ChatOptions copy = options.Clone();
        foreach (string key in s_keys)
        {
            copy.AdditionalProperties!.Remove(key);
        }

        if (copy.AdditionalProperties!.Count == 0)
        {
            copy.AdditionalProperties = null;
        }

        return copy;
    }

    private static string? Text(AdditionalPropertiesDictionary properties, string key) =>
        properties.TryGetValue(key, out object? value) && value is not null && value.ToString() is { Length: > 0 } text ? text : null;

    /// <summary>What a streamed call adds up: its tokens, its answer (in a pooled buffer, when content is recorded) and the properties that carry its id.</summary>
    private struct StreamTally
    {
        public bool CollectAnswer;
        public long? InputTokens;
        public long? OutputTokens;
        public AdditionalPropertiesDictionary? IdOnly;
        public char[]? Answer;
        public int AnswerLength;

        public void Append(string text)
        {
            if (Answer is null || Answer.Length - AnswerLength < text.Length)
            {
                char[] larger = ArrayPool<char>.Shared.Rent(Math.Max(256, (AnswerLength + text.Length) * 2));
                if (Answer is not null)
                {
                    Answer.AsSpan(0, AnswerLength).CopyTo(larger);
                    ArrayPool<char>.Shared.Return(Answer);
                }

                Answer = larger;
            }

            text.CopyTo(Answer.AsSpan(AnswerLength));
            AnswerLength += text.Length;
        }
    }
}
