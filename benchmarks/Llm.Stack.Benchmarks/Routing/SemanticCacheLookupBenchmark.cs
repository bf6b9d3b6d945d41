using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// Issue 16's semantic-cache target (a lookup under 1 ms at 100,000 cached prompts): one call through
/// <c>UseSemanticCache</c> over an in-memory store holding 100,000 cached answers in the caller's partition, 384
/// dimensions (MiniLM's), a hit (the prompt of a cached answer) and a miss (a prompt near none; the bare client's answer
/// is not cacheable, so the store does not grow). The store indexes with HNSW (<c>IndexKind = "Hnsw"</c>, default
/// parameters) and, as a second row, with the exact flat scan (the cache's default store).
/// </summary>
/// <remarks>
/// Prompts embed to seeded random unit vectors by a table lookup, so the rows hold the cache's own work (partition hash,
/// vector search with the partition and expiry filter, answer deserialization), not a model's embedding time.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the state in [GlobalCleanup].")]
public class SemanticCacheLookupBenchmark
{
    private const int Cached = 100_000;
    private const int Dimensions = 384;

    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);
    private InMemoryVectorStore _store = null!;
    private IChatClient _client = null!;
    private string? _hitPrompt;

    /// <summary>Gets or sets the store's index kind.</summary>
    [Params("Hnsw", "Flat")]
    public string Index { get; set; } = "Hnsw";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var random = new Random(16);
        for (int i = 0; i < Cached; i++)
        {
            _vectors["prompt " + i] = UnitVector(random);
        }

        _vectors["fresh"] = UnitVector(random);
        _store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { IndexKind = Index });
        var embedder = new TableEmbedder(_vectors);

        // One answer cached through the cache itself gives the partition and the stored form; the rest are written directly.
        using (IChatClient seeding = new ChatClientBuilder(new FixedChatClient(ChatFinishReason.Stop)).UseSemanticCache(o => { o.VectorStore = _store; o.EmbeddingGenerator = embedder; }).Build())
        {
            await seeding.GetResponseAsync("prompt 0");
        }

        VectorStoreCollection<string, SemanticCacheRecord> collection = _store.GetCollection<string, SemanticCacheRecord>("llm_stack_semantic_cache", SemanticCacheRecord.CreateDefinition(Dimensions));
        SemanticCacheRecord first = (await collection.GetAsync(r => r.Prompt == "prompt 0", 1).ToListAsync()).Single();
        var records = new List<SemanticCacheRecord>(Cached);
        for (int i = 1; i < Cached; i++)
        {
            records.Add(new SemanticCacheRecord { Key = "k" + i, Partition = first.Partition, Prompt = "prompt " + i, Response = first.Response, ExpiresAt = first.ExpiresAt, Embedding = _vectors["prompt " + i] });
        }

        await collection.UpsertAsync(records);
        _client = new ChatClientBuilder(new FixedChatClient(ChatFinishReason.Length)).UseSemanticCache(o => { o.VectorStore = _store; o.EmbeddingGenerator = embedder; }).Build();
        if (await ServedAsync("fresh"))
        {
            throw new InvalidOperationException("The fresh prompt was served from the cache.");
        }

        // HNSW is approximate (and these vectors are its hardest case: uniform in 384 dimensions), so a cached prompt
        // asked again is not always found; the Hit row asks one that is, and the share found is printed.
        int found = 0;
        for (int i = 0; i < 200; i++)
        {
            string prompt = "prompt " + ((54321 + (i * 499)) % Cached);
            if (await ServedAsync(prompt))
            {
                found++;
                _hitPrompt ??= prompt;
            }
        }

        Console.WriteLine($"// SEMANTIC-CACHE {Index}: {found} of 200 cached prompts asked again were served");
        if (_hitPrompt is null)
        {
            throw new InvalidOperationException("No cached prompt asked again was served.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _store.Dispose();
    }

    /// <summary>A prompt whose answer is cached: served from the cache.</summary>
    [Benchmark]
    public Task<ChatResponse> Hit() => _client.GetResponseAsync(_hitPrompt!);

    /// <summary>A prompt near no cached one: looked up, then answered by the bare client.</summary>
    [Benchmark]
    public Task<ChatResponse> Miss() => _client.GetResponseAsync("fresh");

    private async Task<bool> ServedAsync(string prompt) =>
        (await _client.GetResponseAsync(prompt)).AdditionalProperties?.ContainsKey(SemanticCacheChatClientBuilderExtensions.CacheHitKey) == true;

    private static float[] UnitVector(Random random)
    {
        var v = new float[Dimensions];
        for (int d = 0; d < Dimensions; d++)
        {
            v[d] = (float)((random.NextDouble() * 2) - 1);
        }

        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
        System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
        return v;
    }

    private sealed class TableEmbedder(Dictionary<string, float[]> vectors) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(vectors[v]))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class FixedChatClient(ChatFinishReason finish) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Eyjafjallajokull erupted in 2010.")) { FinishReason = finish });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
