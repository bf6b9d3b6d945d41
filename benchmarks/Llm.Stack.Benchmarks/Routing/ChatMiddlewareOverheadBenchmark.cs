using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// Issue 16's overhead target (under 20 µs and 2 KB per call): one chat call, whole and streamed (three updates),
/// through the bare client and through the middleware stack of a production app: semantic cache (a miss: the answer is
/// not cacheable, so nothing is stored and every call misses), usage ledger (with a per-tenant budget checked), model
/// router (one token rule, so the prompt is counted; it never matches) and resilience (defaults: retries, circuit
/// breaker), over the same bare client.
/// </summary>
/// <remarks>
/// The bare client answers from memory (a new response or three new updates per call, as a real client builds its own),
/// so the difference between a bare row and its stack row is the middleware's own time and allocation. The cache is empty
/// (nothing cacheable is answered): its miss is the embedding, the partition key and one search; a miss at 100,000 cached
/// prompts is <see cref="SemanticCacheLookupBenchmark"/>. The cache's embedder is <see cref="FnvEmbeddingGenerator"/> (64 dimensions, word
/// hashing), so the row holds the cache's hashing, lookup and bookkeeping rather than a model's embedding time. The
/// rows of one layer alone over the bare client (<c>Cache</c>, <c>Ledger</c>, <c>Router</c>, <c>Resilience</c>) show
/// where the stack's time and bytes go.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the state in [GlobalCleanup].")]
public class ChatMiddlewareOverheadBenchmark
{
    private readonly List<ChatMessage> _messages = [new(ChatRole.System, "Answer from the documents, citing them."), new(ChatRole.User, "Which volcano in Iceland erupted in 2010?")];
    private CannedChatClient _bare = null!;
    private IChatClient _stack = null!;
    private IChatClient _cache = null!;
    private IChatClient _ledger = null!;
    private IChatClient _router = null!;
    private IChatClient _resilience = null!;
    private ServiceProvider _services = null!;
    private FnvEmbeddingGenerator _embedder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new CannedChatClient();
        _embedder = new FnvEmbeddingGenerator();
        var serviceCollection = new ServiceCollection();
        serviceCollection.AddKeyedChatClient("large", _bare);
        _services = serviceCollection.BuildServiceProvider();
        var ledger = new UsageLedger(new UsageLedgerOptions { Budgets = { new UsageBudget("per-tenant") { Tenant = UsageBudget.Each, MaxCost = 1_000_000m } } });
        _stack = new ChatClientBuilder(_bare)
            .UseSemanticCache(o => o.EmbeddingGenerator = _embedder)
            .UseUsageLedger("default", new TokenPrices(0.15m, 0.60m), ledger)
            .UseModelRouter(o => o.Routes.Add(new ModelRoute { Model = "large", MinPromptTokens = 100_000 }))
            .UseLlmResilience()
            .Build(_services);

        // Each layer alone over the bare client, configured as in the stack: where the stack's time and bytes go.
        _cache = new ChatClientBuilder(_bare).UseSemanticCache(o => o.EmbeddingGenerator = _embedder).Build(_services);
        _ledger = new ChatClientBuilder(_bare).UseUsageLedger("default", new TokenPrices(0.15m, 0.60m), ledger).Build(_services);
        _router = new ChatClientBuilder(_bare).UseModelRouter(o => o.Routes.Add(new ModelRoute { Model = "large", MinPromptTokens = 100_000 })).Build(_services);
        _resilience = new ChatClientBuilder(_bare).UseLlmResilience().Build(_services);
        foreach (IChatClient client in new[] { _stack, _cache, _ledger, _router, _resilience })
        {
            if (client.GetResponseAsync(_messages).GetAwaiter().GetResult().Text != CannedChatClient.Answer)
            {
                throw new InvalidOperationException("A layer did not pass the answer through.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stack.Dispose();
        _cache.Dispose();
        _ledger.Dispose();
        _router.Dispose();
        _resilience.Dispose();
        _services.Dispose();
    }

    /// <summary>The bare client, whole answer.</summary>
    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(_messages);

    /// <summary>The middleware stack, whole answer.</summary>
    [Benchmark]
    public Task<ChatResponse> Stack() => _stack.GetResponseAsync(_messages);

    /// <summary>The bare client, streamed.</summary>
    [Benchmark]
    public Task<int> BareStreaming() => CountAsync(_bare);

    /// <summary>The middleware stack, streamed.</summary>
    [Benchmark]
    public Task<int> StackStreaming() => CountAsync(_stack);

    /// <summary>The semantic cache alone (a miss), whole answer.</summary>
    [Benchmark]
    public Task<ChatResponse> Cache() => _cache.GetResponseAsync(_messages);

    /// <summary>The usage ledger alone, whole answer.</summary>
    [Benchmark]
    public Task<ChatResponse> Ledger() => _ledger.GetResponseAsync(_messages);

    /// <summary>The model router alone, whole answer.</summary>
    [Benchmark]
    public Task<ChatResponse> Router() => _router.GetResponseAsync(_messages);

    /// <summary>The resilience layer alone, whole answer.</summary>
    [Benchmark]
    public Task<ChatResponse> Resilience() => _resilience.GetResponseAsync(_messages);

    /// <summary>The cache's stand-in embedder alone on the prompt: its share of the <c>Cache</c> row is the embedder's, not the middleware's.</summary>
    [Benchmark]
    public Task<GeneratedEmbeddings<Embedding<float>>> Embed() => _embedder.GenerateAsync([_messages[^1].Text]);

    /// <summary>The semantic cache alone (a miss), streamed.</summary>
    [Benchmark]
    public Task<int> CacheStreaming() => CountAsync(_cache);

    /// <summary>The usage ledger alone, streamed.</summary>
    [Benchmark]
    public Task<int> LedgerStreaming() => CountAsync(_ledger);

    /// <summary>The model router alone, streamed.</summary>
    [Benchmark]
    public Task<int> RouterStreaming() => CountAsync(_router);

    /// <summary>The resilience layer alone, streamed.</summary>
    [Benchmark]
    public Task<int> ResilienceStreaming() => CountAsync(_resilience);

    private async Task<int> CountAsync(IChatClient client)
    {
        int n = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(_messages).ConfigureAwait(false))
        {
            n += update.Contents.Count;
        }

        return n;
    }

    /// <summary>
    /// Answers from memory: a new response per call, or three new updates (text, text, usage), as a real client builds its
    /// own (a layer that annotates the response pays for that on every call); never cacheable (finish reason: length).
    /// </summary>
    private sealed class CannedChatClient : IChatClient
    {
        public const string Answer = "Eyjafjallajokull erupted in 2010.";

        private static readonly UsageDetails Usage = new() { InputTokenCount = 30, OutputTokenCount = 8 };

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer)) { FinishReason = ChatFinishReason.Length, Usage = Usage, ModelId = "canned" });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Eyjafjallajokull ") { ModelId = "canned" };
            yield return new ChatResponseUpdate(null, "erupted in 2010.") { ModelId = "canned", FinishReason = ChatFinishReason.Length };
            yield return new ChatResponseUpdate(null, [new UsageContent(Usage)]) { ModelId = "canned" };
            await Task.CompletedTask.ConfigureAwait(false);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
