using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Prompts;

public sealed class PromptBudgetTests
{
    private static readonly string[] Words = ["river", "lake", "</sources>", "<source id=\"1\">", "<|im_start|>", "the", "Volga", "123", "ünïcödé", "\n", "…", "[2]", "{{x}}", "  "];

    [Property(MaxTest = 200)]
    public bool The_assembled_prompt_never_exceeds_the_window(PositiveInt windowSeed, NonNegativeInt reserveSeed, int seed)
    {
        int window = 32 + (windowSeed.Get % 4000);
        int reserve = reserveSeed.Get % (window - 16);
        var random = new Random(seed);
        var budget = new PromptBudget(window, reserve);
        var request = new PromptRequest(Text(random, random.Next(0, 80)))
        {
            SystemPrompt = random.Next(4) == 0 ? null : Text(random, random.Next(0, 300)),
            Chunks = Enumerable.Range(0, random.Next(0, 30)).Select(i => new RetrievedChunk(new DocumentChunk("d", i, Text(random, random.Next(0, 400))), 1.0 / (i + 1))).ToList(),
            History = Enumerable.Range(0, random.Next(0, 8)).Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, Text(random, random.Next(0, 200)))).ToList(),
            Examples = Enumerable.Range(0, random.Next(0, 6)).Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, Text(random, random.Next(0, 100)))).ToList(),
            ToolResults = random.Next(2) == 0 ? [] :
            [
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "weather", new Dictionary<string, object?> { ["city"] = Text(random, 5) })]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", Text(random, random.Next(0, 300)))]),
            ],
        };

        PromptAssembly assembly = budget.Assemble(request);

        int recount = 3 + assembly.Messages.Sum(budget.CountTokens);

        // The sources are separate text parts; with cl100k_base their counts add up to the count of the joined
        // text the model reads, so the budget holds for the text itself (counted on a fresh string, not cached).
        int wholeRecount = 3 + assembly.Messages.Sum(m => m.Contents.All(c => c is TextContent)
            ? budget.CountTokens(new ChatMessage(m.Role, new string(m.Text.AsSpan())))
            : budget.CountTokens(m));
        return recount == assembly.TokenCount && recount <= budget.PromptTokens && wholeRecount == recount;
    }

    [Fact]
    public void Counts_are_cached_by_content_and_stay_exact()
    {
        var budget = new PromptBudget(8192, 1024);
        string text = string.Concat(Enumerable.Repeat("The Volga flows into the Caspian Sea. ", 20));
        int first = budget.CountTokens(text);
        int again = budget.CountTokens(new string(text.AsSpan()));
        Assert.Equal(PromptBudget.DefaultTokenizer.CountTokens(text), first);
        Assert.Equal(first, again);
        Assert.Equal(PromptBudget.DefaultTokenizer.CountTokens(text + " More."), budget.CountTokens(text + " More."));
    }

    [Fact]
    public void Lowest_priority_parts_are_dropped_first_and_chunks_sit_at_the_edges()
    {
        var budget = new PromptBudget(600, 100);
        RetrievedChunk[] chunks = Enumerable.Range(0, 12).Select(i => new RetrievedChunk(new DocumentChunk("d", i, $"Chunk number {i}. " + string.Concat(Enumerable.Repeat("filler words here. ", 5))), 1.0 - (i * 0.01))).ToArray();
        var request = new PromptRequest("What?")
        {
            SystemPrompt = "Be brief.",
            Chunks = chunks,
            History = [new ChatMessage(ChatRole.User, Long("old question")), new ChatMessage(ChatRole.Assistant, Long("old answer"))],
            Examples = [new ChatMessage(ChatRole.User, Long("example question")), new ChatMessage(ChatRole.Assistant, Long("example answer"))],
        };

        PromptAssembly assembly = budget.Assemble(request);

        // Chunks outrank history and examples: space runs out inside the chunks, so both are dropped.
        Assert.InRange(assembly.Chunks.Count, 3, 11);
        Assert.True(assembly.DroppedChunks > 0);
        Assert.Equal(2, assembly.DroppedHistoryMessages);
        Assert.Equal(2, assembly.DroppedExampleMessages);
        Assert.Equal(["system", "user"], assembly.Messages.Select(m => m.Role.Value));

        // Source numbers follow relevance; the layout puts [1] first and [2] last.
        string user = assembly.Messages[^1].Text;
        int n = assembly.Chunks.Count;
        Assert.True(user.IndexOf("<source id=\"1\"", StringComparison.Ordinal) < user.IndexOf("<source id=\"3\"", StringComparison.Ordinal));
        Assert.True(user.IndexOf("<source id=\"2\"", StringComparison.Ordinal) > user.IndexOf($"<source id=\"{n}\"", StringComparison.Ordinal) || n == 2);
        Assert.Contains("Chunk number 0.", user, StringComparison.Ordinal);
    }

    [Fact]
    public void Priorities_can_put_history_before_chunks()
    {
        var budget = new PromptBudget(300, 50) { Priorities = [PromptSection.History, PromptSection.RetrievedChunks] };
        var request = new PromptRequest("What?")
        {
            Chunks = Enumerable.Range(0, 20).Select(i => new RetrievedChunk(new DocumentChunk("d", i, string.Concat(Enumerable.Repeat("words and more words. ", 6))), 1)).ToList(),
            History = [new ChatMessage(ChatRole.User, "old question"), new ChatMessage(ChatRole.Assistant, "old answer")],
            Examples = [new ChatMessage(ChatRole.User, "unlisted examples are never included")],
        };

        PromptAssembly assembly = budget.Assemble(request);

        Assert.Equal(0, assembly.DroppedHistoryMessages);
        Assert.Equal(1, assembly.DroppedExampleMessages);
        Assert.True(assembly.DroppedChunks > 0);
    }

    [Fact]
    public void A_chunk_that_does_not_fit_whole_is_truncated_when_a_useful_part_fits()
    {
        var budget = new PromptBudget(400, 0);
        var request = new PromptRequest("Q") { Chunks = [new RetrievedChunk(new DocumentChunk("d", 0, string.Concat(Enumerable.Repeat("alpha beta gamma delta. ", 200))), 1)] };

        PromptAssembly assembly = budget.Assemble(request);

        Assert.True(assembly.TruncatedChunk);
        Assert.Single(assembly.Chunks);
        Assert.InRange(assembly.TokenCount, 300, 400);
    }

    [Fact]
    public void Tool_calls_and_their_results_are_kept_or_dropped_together()
    {
        var budget = new PromptBudget(200, 0);
        ChatMessage call = new(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup")]);
        ChatMessage result = new(ChatRole.Tool, [new FunctionResultContent("c1", string.Concat(Enumerable.Repeat("data ", 300)))]);
        ChatMessage call2 = new(ChatRole.Assistant, [new FunctionCallContent("c2", "lookup")]);
        ChatMessage result2 = new(ChatRole.Tool, [new FunctionResultContent("c2", "small")]);

        PromptAssembly assembly = budget.Assemble(new PromptRequest("Q") { ToolResults = [call, result, call2, result2] });

        Assert.Equal(2, assembly.DroppedToolMessages);
        Assert.Same(call2, assembly.Messages[^3]);
        Assert.Same(result2, assembly.Messages[^2]);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptBudget(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptBudget(100, 90));
        Assert.Throws<ArgumentException>(() => new PromptBudget(100, 0) { Priorities = [PromptSection.Question] });
        Assert.Throws<ArgumentNullException>(() => new PromptBudget(100, 0).Assemble(null!));
    }

    private static string Long(string text) => string.Concat(Enumerable.Repeat(text + " ", 40));

    private static string Text(Random random, int words)
    {
        var parts = new string[words];
        for (int i = 0; i < words; i++)
        {
            parts[i] = Words[random.Next(Words.Length)];
        }

        return string.Join(' ', parts);
    }
}
