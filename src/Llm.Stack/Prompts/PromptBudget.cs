using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Fits a prompt into a model's context window: the window minus the tokens reserved for the answer is allocated
/// by priority among the system prompt, the question, tool results, retrieved chunks, history and examples;
/// the lowest-priority parts are dropped (or a chunk truncated) first.
/// </summary>
/// <remarks>
/// <para>
/// Tokens are counted with a <see cref="Microsoft.ML.Tokenizers.Tokenizer"/>: the model's own when supplied,
/// otherwise OpenAI's <c>cl100k_base</c>. Each message costs <see cref="MessageOverheadTokens"/> on top of its
/// content, and the reply is primed with 3 tokens, as OpenAI's chat format counts them. The assembled prompt's
/// <see cref="PromptAssembly.TokenCount"/> never exceeds <see cref="PromptTokens"/>.
/// </para>
/// <para>
/// Retrieved chunks keep their relevance rank as their source number <c>[n]</c>, but are laid out with the most
/// relevant at both edges of the sources block (1, 3, 5 … 4, 2), because models use the middle of a long
/// context least ("lost in the middle", Liu et al., 2023).
/// </para>
/// <para>
/// Token counts of texts longer than a few words are cached per tokenizer (by content, up to 4 M characters of text,
/// then cleared), so chunks, the system prompt and history that come back in the next prompt are not tokenized
/// again. The last user message
/// holds one text part per source (its <see cref="ChatMessage.Text"/> is the whole block and the question), so the
/// assembled prompt is verified from the parts' counts.
/// </para>
/// <para>Instances are immutable and safe to use concurrently from several threads.</para>
/// </remarks>
public sealed class PromptBudget
{
    private const int ReplyPrimingTokens = 3;
    private readonly TokenCountCache _counts;

    /// <summary>Initializes a new instance of the <see cref="PromptBudget"/> class.</summary>
    /// <param name="contextWindowTokens">The model's context window in tokens.</param>
    /// <param name="reservedAnswerTokens">The tokens reserved for the answer.</param>
    /// <param name="tokenizer">The tokenizer to count with; <see langword="null"/> for <c>cl100k_base</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="contextWindowTokens"/> is zero or negative, <paramref name="reservedAnswerTokens"/> is negative,
    /// or fewer than 16 tokens would be left for the prompt.
    /// </exception>
    public PromptBudget(int contextWindowTokens, int reservedAnswerTokens, Tokenizer? tokenizer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextWindowTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(reservedAnswerTokens);
        if (contextWindowTokens - reservedAnswerTokens < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(reservedAnswerTokens), reservedAnswerTokens,
                $"The context window of {contextWindowTokens} tokens minus {reservedAnswerTokens} reserved answer tokens leaves fewer than 16 tokens for the prompt.");
        }

        ContextWindowTokens = contextWindowTokens;
        ReservedAnswerTokens = reservedAnswerTokens;
        Tokenizer = tokenizer ?? ChunkingTokenizers.Cl100kBase;
        _counts = TokenCountCache.For(Tokenizer);
    }

    /// <summary>Gets OpenAI's <c>cl100k_base</c> tokenizer, the default counter (the same instance as <see cref="ChunkingTokenizers.Cl100kBase"/>).</summary>
    public static Tokenizer DefaultTokenizer => ChunkingTokenizers.Cl100kBase;

    /// <summary>Gets the model's context window in tokens.</summary>
    public int ContextWindowTokens { get; }

    /// <summary>Gets the tokens reserved for the answer.</summary>
    public int ReservedAnswerTokens { get; }

    /// <summary>Gets the tokens available to the prompt: the window minus the reserved answer tokens.</summary>
    public int PromptTokens => ContextWindowTokens - ReservedAnswerTokens;

    /// <summary>Gets the tokenizer used to count.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Gets the tokens each message costs on top of its content.</summary>
    /// <value>The default value is 4 (role and separators in OpenAI's chat format).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MessageOverheadTokens
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 4;

    /// <summary>Gets the order in which the optional parts receive tokens; the system prompt and question always come first.</summary>
    /// <value>The default value is tool results, retrieved chunks, history, examples.</value>
    /// <exception cref="ArgumentException">The value lists a part twice or lists <see cref="PromptSection.SystemPrompt"/> or <see cref="PromptSection.Question"/>.</exception>
    public IReadOnlyList<PromptSection> Priorities
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Distinct().Count() != value.Count || value.Contains(PromptSection.SystemPrompt) || value.Contains(PromptSection.Question))
            {
                throw new ArgumentException("Priorities must list optional parts (tool results, retrieved chunks, history, examples) at most once each.", nameof(value));
            }

            field = value;
        }
    } = [PromptSection.ToolResults, PromptSection.RetrievedChunks, PromptSection.History, PromptSection.Examples];

    /// <summary>Gets the fewest tokens worth keeping of a chunk truncated to fit.</summary>
    /// <value>The default value is 32.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int MinTruncatedChunkTokens
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 32;

    /// <summary>Counts the tokens of <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _counts.Count(text);
    }

    /// <summary>Counts the tokens of a message: its text, function calls and results, plus the per-message overhead.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The number of tokens.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public int CountTokens(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int count = MessageOverheadTokens;
        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            count += contents[i] switch
            {
                Microsoft.Extensions.AI.TextContent t => CountTokens(t.Text ?? string.Empty),
                FunctionCallContent c => CountTokens(c.Name) + CountTokens(c.CallId) + (c.Arguments is null ? 0 : CountTokens(JsonSerializer.Serialize(c.Arguments, AIJsonUtilities.DefaultOptions))),
                FunctionResultContent r => CountTokens(r.CallId) + CountTokens(r.Result switch
                {
                    null => string.Empty,
                    string s => s,
                    object o => JsonSerializer.Serialize(o, AIJsonUtilities.DefaultOptions),
                }),
                TextReasoningContent rc => CountTokens(rc.Text ?? string.Empty),
                _ => 85, // images and other media: a flat estimate (OpenAI's low-detail image cost)
            };
        }

        return count;
    }

    /// <summary>
    /// Counts the tokens of a chat request's prompt as an assembled prompt is counted: the instructions as a system
    /// message, each message with its overhead, and the reply priming. The model router estimates calls with it.
    /// </summary>
    internal int CountPromptTokens(IEnumerable<ChatMessage> messages, string? instructions)
    {
        int total = ReplyPrimingTokens + (string.IsNullOrEmpty(instructions) ? 0 : MessageOverheadTokens + CountTokens(instructions));
        if (messages is IList<ChatMessage> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                total += CountTokens(list[i]);
            }
        }
        else
        {
            foreach (ChatMessage message in messages)
            {
                total += CountTokens(message);
            }
        }

        return total;
    }

    /// <summary>Assembles <paramref name="request"/> into messages that fit <see cref="PromptTokens"/>.</summary>
    /// <param name="request">The parts of the prompt.</param>
    /// <returns>The messages and what was left out.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public PromptAssembly Assemble(PromptRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        int remaining = PromptTokens - ReplyPrimingTokens;
        bool truncatedRequired = false;

        // Required parts: the system prompt and the question. If together they do not fit, the system prompt
        // keeps at most half of the space and the question the rest.
        string? system = request.SystemPrompt;
        string question = QuestionText(request.Question);
        int systemCost = system is null ? 0 : MessageOverheadTokens + CountTokens(system);
        int questionCost = MessageOverheadTokens + CountTokens(question);
        if (systemCost + questionCost > remaining)
        {
            truncatedRequired = true;
            if (system is not null && systemCost > remaining / 2)
            {
                int keep = Math.Max(0, Math.Max(remaining / 2, remaining - questionCost) - MessageOverheadTokens);
                system = Truncate(system, keep);
                systemCost = MessageOverheadTokens + CountTokens(system);
            }

            if (systemCost + questionCost > remaining)
            {
                question = Truncate(question, Math.Max(0, remaining - systemCost - MessageOverheadTokens));
                questionCost = MessageOverheadTokens + CountTokens(question);
            }
        }

        remaining -= systemCost + questionCost;

        int toolStart = request.ToolResults.Count;
        int historyStart = request.History.Count;
        int exampleEnd = 0;
        var chunkTexts = new List<string>();
        var chunkCosts = new List<int>();
        bool truncatedChunk = false;

        foreach (PromptSection section in Priorities)
        {
            switch (section)
            {
                case PromptSection.ToolResults:
                    toolStart = TakeNewestGroups(request.ToolResults, static m => m.Role != ChatRole.Tool, ref remaining);
                    break;
                case PromptSection.History:
                    historyStart = TakeNewestGroups(request.History, static _ => true, ref remaining);
                    break;
                case PromptSection.Examples:
                    exampleEnd = TakeOldestGroups(request.Examples, ref remaining);
                    break;
                case PromptSection.RetrievedChunks:
                    truncatedChunk = TakeChunks(request.Chunks, chunkTexts, chunkCosts, ref remaining);
                    break;
            }
        }

        // Build, then verify with the real count of every message (BPE may merge across the joins of the
        // sources block); drop chunks, then shorten the question, until it fits.
        while (true)
        {
            var messages = new List<ChatMessage>();
            if (system is not null)
            {
                messages.Add(new ChatMessage(ChatRole.System, system));
            }

            for (int i = 0; i < exampleEnd; i++)
            {
                messages.Add(request.Examples[i]);
            }

            for (int i = historyStart; i < request.History.Count; i++)
            {
                messages.Add(request.History[i]);
            }

            for (int i = toolStart; i < request.ToolResults.Count; i++)
            {
                messages.Add(request.ToolResults[i]);
            }

            // A message with sources is marked as assembled here, so that guardrails under this layer check its question as
            // the caller's input and its sources as retrieved documents, and let the library's own delimiters pass.
            var user = new ChatMessage(ChatRole.User, UserContents(chunkTexts, question));
            messages.Add(chunkTexts.Count > 0 ? SourceFormatter.MarkAssembled(user) : user);

            int total = ReplyPrimingTokens;
            foreach (ChatMessage m in messages)
            {
                total += CountTokens(m);
            }

            if (total <= PromptTokens)
            {
                List<RetrievedChunk> kept = request.Chunks.Take(chunkTexts.Count).ToList();
                return new PromptAssembly(messages, kept, total)
                {
                    DroppedChunks = request.Chunks.Count - kept.Count,
                    TruncatedChunk = truncatedChunk && kept.Count == chunkTexts.Count,
                    DroppedHistoryMessages = historyStart,
                    DroppedExampleMessages = request.Examples.Count - exampleEnd,
                    DroppedToolMessages = toolStart,
                    TruncatedRequiredParts = truncatedRequired,
                };
            }

            if (chunkTexts.Count > 0)
            {
                chunkTexts.RemoveAt(chunkTexts.Count - 1);
                truncatedChunk = false;
            }
            else if (historyStart < request.History.Count)
            {
                historyStart++;
            }
            else if (exampleEnd > 0)
            {
                exampleEnd--;
            }
            else if (toolStart < request.ToolResults.Count)
            {
                toolStart++;
            }
            else
            {
                truncatedRequired = true;
                int over = total - PromptTokens;
                int questionTokens = CountTokens(question);
                if (questionTokens > 0)
                {
                    question = Truncate(question, Math.Max(0, questionTokens - over));
                }
                else if (system is not null && system.Length > 0)
                {
                    system = Truncate(system, Math.Max(0, CountTokens(system) - over));
                }
                else
                {
                    throw new InvalidOperationException("The message overheads alone exceed the prompt budget.");
                }
            }
        }
    }

    internal static string QuestionText(string question) => "Question: " + SourceFormatter.Neutralise(question);

    private static List<AIContent> UserContents(List<string> chunkTexts, string question)
    {
        if (chunkTexts.Count == 0)
        {
            return [new Microsoft.Extensions.AI.TextContent(question)];
        }

        // One text part per source: the parts' counts are cached, so the prompt is verified without tokenizing
        // the whole sources block again. The parts join at "\n" + "<", which cl100k_base's pre-tokenizer never merges
        // across (a property test checks that the parts' counts add up to the joined text's); the message's text is
        // the parts joined. With other tokenizers the sum is the budget's count, as for any multi-part message.
        var contents = new List<AIContent>(chunkTexts.Count + 2) { new Microsoft.Extensions.AI.TextContent(SourceFormatter.Header) };
        foreach (int rank in SourceFormatter.EdgeOrder(chunkTexts.Count))
        {
            contents.Add(new Microsoft.Extensions.AI.TextContent(chunkTexts[rank]));
        }

        contents.Add(new Microsoft.Extensions.AI.TextContent(SourceFormatter.Footer + "\n" + question));
        return contents;
    }

    private string Truncate(string text, int maxTokens)
    {
        if (maxTokens <= 0)
        {
            return string.Empty;
        }

        int index = Tokenizer.GetIndexByTokenCount(text, maxTokens, out string? normalized, out _, considerNormalization: false);
        return (normalized ?? text)[..index];
    }

    private bool TakeChunks(IReadOnlyList<RetrievedChunk> chunks, List<string> texts, List<int> costs, ref int remaining)
    {
        if (chunks.Count == 0)
        {
            return false;
        }

        // The block's header and footer (and the blank line before the question) are paid with the first chunk.
        int blockCost = CountTokens(SourceFormatter.Header) + CountTokens(SourceFormatter.Footer) + 1;
        for (int i = 0; i < chunks.Count; i++)
        {
            string formatted = SourceFormatter.FormatSource(i + 1, chunks[i].Chunk);
            int cost = CountTokens(formatted) + (i == 0 ? blockCost : 0);
            if (cost <= remaining)
            {
                texts.Add(formatted);
                costs.Add(cost);
                remaining -= cost;
                continue;
            }

            // Truncate this chunk when a useful part of it fits, then stop: later chunks are less relevant.
            int shell = CountTokens(SourceFormatter.FormatSource(i + 1, new DocumentChunk(chunks[i].Chunk.DocumentId, chunks[i].Chunk.Ordinal, string.Empty)
            {
                Metadata = chunks[i].Chunk.Metadata,
                SectionPath = chunks[i].Chunk.SectionPath,
                PageNumber = chunks[i].Chunk.PageNumber,
            })) + (i == 0 ? blockCost : 0) + 2;
            int room = remaining - shell;
            if (room >= MinTruncatedChunkTokens)
            {
                string text = Truncate(SourceFormatter.Neutralise(chunks[i].Chunk.Text), room);
                var truncated = new DocumentChunk(chunks[i].Chunk.DocumentId, chunks[i].Chunk.Ordinal, text)
                {
                    Metadata = chunks[i].Chunk.Metadata,
                    SectionPath = chunks[i].Chunk.SectionPath,
                    PageNumber = chunks[i].Chunk.PageNumber,
                };
                formatted = SourceFormatter.FormatSource(i + 1, truncated);
                cost = CountTokens(formatted) + (i == 0 ? blockCost : 0);
                if (cost <= remaining)
                {
                    texts.Add(formatted);
                    costs.Add(cost);
                    remaining -= cost;
                    return true;
                }
            }

            break;
        }

        return false;
    }

    private int TakeNewestGroups(IReadOnlyList<ChatMessage> messages, Func<ChatMessage, bool> startsGroup, ref int remaining)
    {
        int start = messages.Count;
        int i = messages.Count - 1;
        while (i >= 0)
        {
            // A group runs from a message that starts one up to the next group's start.
            int groupStart = i;
            while (groupStart > 0 && !startsGroup(messages[groupStart]))
            {
                groupStart--;
            }

            int cost = 0;
            for (int j = groupStart; j <= i; j++)
            {
                cost += CountTokens(messages[j]);
            }

            if (cost > remaining)
            {
                break;
            }

            remaining -= cost;
            start = groupStart;
            i = groupStart - 1;
        }

        return start;
    }

    private int TakeOldestGroups(IReadOnlyList<ChatMessage> messages, ref int remaining)
    {
        int end = 0;
        int i = 0;
        while (i < messages.Count)
        {
            int groupEnd = i + 1;
            while (groupEnd < messages.Count && messages[groupEnd].Role != ChatRole.User)
            {
                groupEnd++;
            }

            int cost = 0;
            for (int j = i; j < groupEnd; j++)
            {
                cost += CountTokens(messages[j]);
            }

            if (cost > remaining)
            {
                break;
            }

            remaining -= cost;
            end = groupEnd;
            i = groupEnd;
        }

        return end;
    }
}
