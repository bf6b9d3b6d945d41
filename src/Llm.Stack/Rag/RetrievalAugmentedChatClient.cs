using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Chat middleware that answers the last user message from retrieved sources, with <c>[n]</c> citations and a list
/// of the sources cited: a <see cref="RagPipeline"/> over the inner client, seen as an <see cref="IChatClient"/>.
/// Add it with <see cref="RetrievalAugmentedChatClientBuilderExtensions.UseRetrievalAugmentation"/>.
/// </summary>
/// <remarks>
/// <para>
/// The last user message is the question; the other user and assistant messages are the conversation history (a
/// follow-up is rewritten into a standalone query). The caller's system messages are not forwarded: the pipeline's
/// system prompt (<see cref="RagOptions.SystemPrompt"/>) governs how sources are used. The caller's
/// <see cref="ChatOptions"/> are merged over <see cref="RagOptions.ChatOptions"/> for the generation call.
/// </para>
/// <para>
/// Without a chat model (<see cref="CreateExtractive"/>) the answer is extractive: the best sentences of the sources,
/// cut at <see cref="ChatOptions.MaxOutputTokens"/> tokens and at the first of <see cref="ChatOptions.StopSequences"/>;
/// its usage counts the tokens of the question and of the answer text.
/// </para>
/// <para>The client holds no per-call state and is safe to use concurrently, provided its retriever, reranker and inner client are.</para>
/// </remarks>
public sealed class RetrievalAugmentedChatClient : DelegatingChatClient
{
    /// <summary>The model id an extractive client reports.</summary>
    public const string ExtractiveModelId = "llmstack-rag";

    private readonly RagPipeline _pipeline;
    private readonly RagOptions _defaults;
    private readonly Tokenizer _tokenizer;

    /// <summary>Initializes a new instance of the <see cref="RetrievalAugmentedChatClient"/> class that generates answers with <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The chat model that writes the answers.</param>
    /// <param name="retriever">Finds the sources.</param>
    /// <param name="reranker">Reorders the candidates; <see langword="null"/> for none.</param>
    /// <param name="defaultOptions">The configured RAG options; <see langword="null"/> for the defaults.</param>
    /// <param name="tokenizer">Counts prompt tokens; <see langword="null"/> for <c>cl100k_base</c>.</param>
    /// <param name="logger">The pipeline's logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> or <paramref name="retriever"/> is <see langword="null"/>.</exception>
    public RetrievalAugmentedChatClient(
        IChatClient innerClient,
        IRetriever retriever,
        IReranker? reranker = null,
        RagOptions? defaultOptions = null,
        Tokenizer? tokenizer = null,
        ILogger<RagPipeline>? logger = null)
        : this(innerClient, generates: true, retriever, reranker, defaultOptions, tokenizer, logger)
    {
    }

    private RetrievalAugmentedChatClient(IChatClient innerClient, bool generates, IRetriever retriever, IReranker? reranker, RagOptions? defaultOptions, Tokenizer? tokenizer, ILogger<RagPipeline>? logger)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(retriever);
        _defaults = defaultOptions ?? new RagOptions();
        _tokenizer = tokenizer ?? PromptBudget.DefaultTokenizer;
        _pipeline = new RagPipeline(retriever, generates ? innerClient : null, reranker, _defaults, tokenizer, logger);
    }

    /// <summary>Gets a value indicating whether answers are extractive (no chat model writes them).</summary>
    public bool IsExtractive => _pipeline.IsExtractive;

    /// <summary>Gets or sets a value indicating whether the answer ends with a list of the sources it cites.</summary>
    /// <value>The default value is <see langword="true"/>: <c>Sources:</c> then one <c>[n] path</c> line per cited source, paths relative to the ingested root.</value>
    public bool IncludeSources { get; set; } = true;

    /// <summary>Creates a client that answers extractively, for a stack with no chat model.</summary>
    /// <param name="retriever">Finds the sources.</param>
    /// <param name="reranker">Reorders the candidates; <see langword="null"/> for none.</param>
    /// <param name="defaultOptions">The configured RAG options; <see langword="null"/> for the defaults.</param>
    /// <param name="tokenizer">Counts the tokens of the usage report; <see langword="null"/> for <c>cl100k_base</c>.</param>
    /// <param name="logger">The pipeline's logger; <see langword="null"/> for none.</param>
    /// <returns>A client whose model id is <see cref="ExtractiveModelId"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="retriever"/> is <see langword="null"/>.</exception>
    public static RetrievalAugmentedChatClient CreateExtractive(
        IRetriever retriever,
        IReranker? reranker = null,
        RagOptions? defaultOptions = null,
        Tokenizer? tokenizer = null,
        ILogger<RagPipeline>? logger = null) =>
        new(new NoModelChatClient(), generates: false, retriever, reranker, defaultOptions, tokenizer, logger);

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="messages"/> holds no user message with text.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<ChatMessage> list = [.. messages];
        ChatMessage question = list.LastOrDefault(m => m.Role == ChatRole.User && !string.IsNullOrWhiteSpace(m.Text))
            ?? throw new ArgumentException("The messages hold no user message with text to answer.", nameof(messages));
        RagOptions rag = _defaults.Clone();
        rag.History = list.Where(m => m != question && (m.Role == ChatRole.User || m.Role == ChatRole.Assistant)).ToList();
        rag.ChatOptions = Merge(options, _defaults.ChatOptions);
        return AnswerAsync(question.Text, rag, cancellationToken);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType == typeof(RagPipeline))
        {
            return _pipeline;
        }

        return base.GetService(serviceType, serviceKey);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> AnswerAsync(string question, RagOptions rag, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? modelId = IsExtractive ? ExtractiveModelId : rag.ChatOptions?.ModelId ?? InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
        string messageId = Guid.NewGuid().ToString("N");
        RagAnswer? answer = null;
        var written = new StringBuilder();
        ChatFinishReason finish = ChatFinishReason.Stop;
        await foreach (RagAnswerUpdate update in _pipeline.AskStreamingAsync(question, rag, cancellationToken).ConfigureAwait(false))
        {
            answer = update.Answer ?? answer;
            if (update.Text is not { Length: > 0 } text)
            {
                continue;
            }

            if (IsExtractive)
            {
                (text, bool cutAtLength) = Limit(text, rag.ChatOptions);
                finish = cutAtLength ? ChatFinishReason.Length : finish;
            }

            written.Append(text);
            yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = modelId, MessageId = messageId };
        }

        if (IncludeSources && answer is { Citations.Count: > 0 })
        {
            string sources = "\n\nSources:\n" + string.Join("\n", answer.Citations.DistinctBy(c => c.Marker).OrderBy(c => c.Marker)
                .Select(c => $"[{c.Marker}] {c.Source ?? c.DocumentId}{(c.PageNumber is int p ? $", page {p}" : string.Empty)}"));
            written.Append(sources);
            yield return new ChatResponseUpdate(ChatRole.Assistant, sources) { ModelId = modelId, MessageId = messageId };
        }

        UsageDetails usage = answer?.Usage is { } reported && !IsExtractive
            ? reported
            : new UsageDetails
            {
                InputTokenCount = _tokenizer.CountTokens(question),
                OutputTokenCount = _tokenizer.CountTokens(written.ToString()),
            };
        usage.TotalTokenCount ??= (usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0);
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = finish,
            ModelId = modelId,
            MessageId = messageId,
            Contents = [new UsageContent(usage)],
        };
    }

    /// <summary>Cuts an extractive answer at the first stop sequence, then at the token limit (which ends with <see cref="ChatFinishReason.Length"/>).</summary>
    private (string Text, bool CutAtLength) Limit(string text, ChatOptions? options)
    {
        if (options?.StopSequences is { Count: > 0 } stops)
        {
            int at = stops.Where(s => !string.IsNullOrEmpty(s)).Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (at >= 0)
            {
                text = text[..at];
            }
        }

        if (options?.MaxOutputTokens is int max && _tokenizer.CountTokens(text) > max)
        {
            return (text[.._tokenizer.GetIndexByTokenCount(text, max, out _, out _)], true);
        }

        return (text, false);
    }

    private static ChatOptions? Merge(ChatOptions? call, ChatOptions? configured)
    {
        if (call is null)
        {
            return configured;
        }

        ChatOptions merged = call.Clone();
        if (configured is not null)
        {
            merged.ModelId ??= configured.ModelId;
            merged.Temperature ??= configured.Temperature;
            merged.TopP ??= configured.TopP;
            merged.TopK ??= configured.TopK;
            merged.Seed ??= configured.Seed;
            merged.MaxOutputTokens ??= configured.MaxOutputTokens;
            merged.StopSequences ??= configured.StopSequences;
            merged.Tools ??= configured.Tools;
        }

        return merged;
    }

    /// <summary>The inner client of an extractive answerer: it has no model and is never called.</summary>
    private sealed class NoModelChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("An extractive answerer has no chat model.");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("An extractive answerer has no chat model.");

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("llmstack", defaultModelId: ExtractiveModelId) : null;

        public void Dispose()
        {
        }
    }
}
