using BenchmarkDotNet.Attributes;
using Llm.Stack;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Rag;

/// <summary>
/// Assembles a prompt from 50 candidate chunks (~150 tokens each), a history and a system prompt under a token budget.
/// <see cref="Assemble"/> re-assembles the same request (token counts cached, as for chunks, system prompt and history
/// that recur); <see cref="AssembleNewTexts"/> assembles requests whose texts were never counted.
/// </summary>
/// <remarks>
/// <see cref="AssembleNewTexts"/> cannot reuse a request, so each iteration assembles <see cref="FreshPerIteration"/>
/// requests made in its setup. With one request per iteration (as before 2026-12-06), a measurement was a single
/// call of under a millisecond timed alone, and the same code varied by an order of magnitude from run to run
/// (benchmarks/RESULTS.md, 2026-12-06).
/// </remarks>
[MemoryDiagnoser]
public class PromptAssemblyBenchmark
{
    private const int FreshPerIteration = 64;
    private PromptBudget _budget = null!;
    private PromptRequest _request = null!;
    private readonly PromptRequest[] _fresh = new PromptRequest[FreshPerIteration];
    private int _seed = 1000;

    [Params(4096, 8192, 131072)]
    public int ContextWindow { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _budget = new PromptBudget(ContextWindow, 1024);
        _request = CreateRequest(42);

        // Warm the tokenizer's cache as a running application would have.
        _budget.Assemble(_request);
    }

    [IterationSetup(Target = nameof(AssembleNewTexts))]
    public void NewTexts()
    {
        for (int i = 0; i < _fresh.Length; i++)
        {
            _fresh[i] = CreateRequest(_seed++);
        }
    }

    [Benchmark]
    public int Assemble() => _budget.Assemble(_request).TokenCount;

    [Benchmark(OperationsPerInvoke = FreshPerIteration)]
    public int AssembleNewTexts()
    {
        int tokens = 0;
        foreach (PromptRequest request in _fresh)
        {
            tokens += _budget.Assemble(request).TokenCount;
        }

        return tokens;
    }

    private static PromptRequest CreateRequest(int seed)
    {
        var random = new Random(seed);
        string[] words = ["river", "mountain", "capital", "population", "economy", "volcano", "climate", "language", "independence", "industry", "the", "of", "and", "in", "is"];
        string Sentence(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)])) + ".";
        return new PromptRequest("Which volcano erupted in 2010?")
        {
            SystemPrompt = RagPipeline.DefaultSystemPrompt,
            Chunks = Enumerable.Range(0, 50).Select(i => new RetrievedChunk(new DocumentChunk($"doc{i % 7}", i, string.Join(' ', Enumerable.Range(0, 8).Select(_ => Sentence(16))))
            {
                Metadata = new Dictionary<string, object?> { ["source"] = $"docs/doc{i % 7}.md" },
            }, 1.0 - (i / 100.0))).ToList(),
            History = Enumerable.Range(0, 6).Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, Sentence(30))).ToList(),
        };
    }
}
