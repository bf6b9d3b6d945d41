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
/// <see cref="ChatResponse.AdditionalProperties"/> under <see cref="InteractionIdKey"/>.
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
            await foreach (ChatResponseUpdate update in InteractionContext.Flow(base.GetStreamingResponseAsync(messages, Strip(options), cancellationToken), outer, cancellationToken).ConfigureAwait(false))
            {
                outer.ModelId ??= update.ModelId;
                yield return update;
            }

            yield break;
        }

        InteractionRecord record = Begin(messages, ref options);
        long start = Stopwatch.GetTimestamp();
        UsageDetails? usage = null;
        System.Text.StringBuilder? answer = _log.IncludesContent ? new() : null;
        IAsyncEnumerator<ChatResponseUpdate> updates = InteractionContext.Flow(base.GetStreamingResponseAsync(messages, options, cancellationToken), record, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception e)
                {
                    End(record, start, usage);
                    InteractionLog.Fail(record, e);
                    _log.Write(record);
                    throw;
                }

                record.ModelId ??= update.ModelId;
                foreach (AIContent content in update.Contents)
                {
                    if (content is UsageContent u)
                    {
                        (usage ??= new UsageDetails()).Add(u.Details);
                    }
                    else if (content is TextContent { Text.Length: > 0 } text)
                    {
                        record.TimeToFirstToken ??= Stopwatch.GetElapsedTime(start);
                        answer?.Append(text.Text);
                    }
                }

                (update.AdditionalProperties ??= [])[InteractionIdKey] = record.Id;
                yield return update;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }

        End(record, start, usage);
        if (answer is not null)
        {
            record.Answer ??= answer.ToString();
        }

        _log.Write(record);
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

    private static void End(InteractionRecord record, long start, UsageDetails? usage)
    {
        record.Duration = Stopwatch.GetElapsedTime(start);
        if (usage is not null)
        {
            record.InputTokens ??= usage.InputTokenCount;
            record.OutputTokens ??= usage.OutputTokenCount;
        }
    }

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
}
