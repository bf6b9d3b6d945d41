using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// Issue 16's semantic-cache target (a lookup under 1 ms at 100,000 cached prompts): one call through
/// <c>UseSemanticCache</c> with 100,000 cached answers, 384 dimensions (MiniLM's), a hit (the prompt of a cached answer)
/// and a miss (a prompt near none; the bare client's answer is not cacheable, so the store does not grow).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Store"/>: <c>Default</c> is the cache's own store (what <c>UseSemanticCache()</c> gives; its answers are
/// stored through the cache, one call each, since the app cannot reach that store); <c>Hnsw</c> and <c>Flat</c> are an
/// <c>InMemoryVectorStore</c> given in <c>SemanticCacheOptions.VectorStore</c> with that index kind (<c>Flat</c> is what
/// the cache's own store was before session 12), written directly after one answer per tenant was cached through the
/// cache (which gives each tenant's partition and the stored form).
/// <see cref="Partitions"/>: <c>One</c> puts all 100,000 answers in the caller's partition (tenant <c>tenant-0</c>);
/// <c>Many</c> spreads them over 1,000 tenants, 100 each, and the caller is one of them.
/// </para>
/// <para>
/// Prompts embed to seeded random unit vectors by a table lookup, so the rows hold the cache's own work (partition hash,
/// vector search with the partition and expiry filter, answer deserialization), not a model's embedding time. The setup
/// prints how many of the caller's cached prompts asked again were served (HNSW is approximate, and uniform random vectors
/// in 384 dimensions are its hardest case), the heap growth per cached answer, and for <c>Default</c> the time to store an
/// answer; for <c>Hnsw</c>/<c>One</c> it also searches the collection directly at several <c>EfSearch</c> values. The
/// state of a parameter pair is built once and shared by its Hit and Miss rows (in process).
/// </para>
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "The states live for the process: Hit and Miss of one parameter pair share one.")]
public class SemanticCacheLookupBenchmark
{
    private const int Cached = 100_000;
    private const int Dimensions = 384;
    private const int ManyTenants = 1_000;
    private const int AskedAgain = 1_000;

    private static readonly Dictionary<(string, string), State> States = [];

    private State _state = null!;

    /// <summary>Gets the stores to run: <c>LLMSTACK_CACHE_STORES</c> (comma-separated), else all three.</summary>
    public static IEnumerable<string> Stores =>
        Environment.GetEnvironmentVariable("LLMSTACK_CACHE_STORES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? ["Default", "Hnsw", "Flat"];

    /// <summary>Gets or sets the store: the cache's own (<c>Default</c>) or a given in-memory store of that index kind.</summary>
    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "Default";

    /// <summary>Gets or sets how the cached answers are spread: all in the caller's partition, or over 1,000 tenants.</summary>
    [Params("One", "Many")]
    public string Partitions { get; set; } = "One";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (!States.TryGetValue((Store, Partitions), out State? state))
        {
            state = await BuildAsync(Store, Partitions);
            States[(Store, Partitions)] = state;
        }

        _state = state;
    }

    /// <summary>A prompt whose answer is cached: served from the cache.</summary>
    [Benchmark]
    public async Task<ChatResponse> Hit()
    {
        using (UsageScope.Begin(tenant: "tenant-0"))
        {
            return await _state.Client.GetResponseAsync(_state.HitPrompt);
        }
    }

    /// <summary>A prompt near no cached one: looked up, then answered by the bare client.</summary>
    [Benchmark]
    public async Task<ChatResponse> Miss()
    {
        using (UsageScope.Begin(tenant: "tenant-0"))
        {
            return await _state.Client.GetResponseAsync("fresh");
        }
    }

    private static int TenantOf(int prompt, string partitions) => partitions == "Many" ? prompt % ManyTenants : 0;

    private static async Task<State> BuildAsync(string store, string partitions)
    {
        var random = new Random(16);
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < Cached; i++)
        {
            vectors["prompt " + i] = UnitVector(random);
        }

        vectors["fresh"] = UnitVector(random);
        var embedder = new TableEmbedder(vectors);
        var inner = new FixedChatClient { Finish = ChatFinishReason.Stop };
        InMemoryVectorStore? given = store switch
        {
            "Hnsw" => new InMemoryVectorStore(new InMemoryVectorStoreOptions { IndexKind = "Hnsw" }),
            "Flat" => new InMemoryVectorStore(),
            _ => null,
        };
        IChatClient client = new ChatClientBuilder(inner).UseSemanticCache(o =>
        {
            o.VectorStore = given;
            o.EmbeddingGenerator = embedder;
        }).Build();
        int tenants = partitions == "Many" ? ManyTenants : 1;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        if (given is null)
        {
            // The cache's own store: every answer through the cache, as an app stores them.
            for (int i = 0; i < Cached; i++)
            {
                using (UsageScope.Begin(tenant: "tenant-" + TenantOf(i, partitions)))
                {
                    _ = await client.GetResponseAsync("prompt " + i);
                }
            }

            Console.WriteLine($"// SEMANTIC-CACHE {store}/{partitions}: {Cached:N0} answers stored through the cache in {watch.Elapsed.TotalSeconds:F1} s ({watch.Elapsed.TotalMilliseconds * 1000 / Cached:F0} us per call, lookup included)");
        }
        else
        {
            // One answer per tenant through the cache (its partition and stored form), the rest written directly.
            for (int t = 0; t < tenants; t++)
            {
                using (UsageScope.Begin(tenant: "tenant-" + t))
                {
                    _ = await client.GetResponseAsync("prompt " + t);
                }
            }

            VectorStoreCollection<string, SemanticCacheRecord> collection = given.GetCollection<string, SemanticCacheRecord>("llm_stack_semantic_cache", SemanticCacheRecord.CreateDefinition(Dimensions));
            var firsts = new SemanticCacheRecord[tenants];
            await foreach (SemanticCacheRecord record in collection.GetAsync(r => r.ExpiresAt > 0, tenants))
            {
                firsts[int.Parse(record.Prompt.AsSpan("prompt ".Length), System.Globalization.CultureInfo.InvariantCulture)] = record;
            }

            var records = new List<SemanticCacheRecord>(Cached);
            for (int i = tenants; i < Cached; i++)
            {
                SemanticCacheRecord first = firsts[TenantOf(i, partitions)];
                records.Add(new SemanticCacheRecord { Key = "k" + i, Partition = first.Partition, Prompt = "prompt " + i, Response = first.Response, ExpiresAt = first.ExpiresAt, Embedding = vectors["prompt " + i] });
            }

            await collection.UpsertAsync(records);
            Console.WriteLine($"// SEMANTIC-CACHE {store}/{partitions}: {Cached:N0} answers written in {watch.Elapsed.TotalSeconds:F1} s");
            if (store == "Hnsw" && partitions == "One")
            {
                await ProbeEfSearchAsync(collection, firsts[0].Partition, vectors);
            }
        }

        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// SEMANTIC-CACHE {store}/{partitions}: heap growth {(heapAfter - heapBefore) / (double)Cached:F0} bytes per cached answer");
        inner.Finish = ChatFinishReason.Length; // from here on, nothing is cached
        if (await ServedAsync(client, "fresh"))
        {
            throw new InvalidOperationException("The fresh prompt was served from the cache.");
        }

        // The caller's cached prompts asked again: all of them for Many (100), 1,000 spread over the 100,000 for One.
        int found = 0;
        int asked = 0;
        string? hit = null;
        for (int i = 0; i < Cached && asked < AskedAgain; i += partitions == "Many" ? ManyTenants : Cached / AskedAgain)
        {
            asked++;
            if (await ServedAsync(client, "prompt " + i))
            {
                found++;
                hit ??= "prompt " + i;
            }
        }

        Console.WriteLine($"// SEMANTIC-CACHE {store}/{partitions}: {found} of {asked} cached prompts asked again were served");
        return new State(client, hit ?? throw new InvalidOperationException("No cached prompt asked again was served."));
    }

    /// <summary>Searches the one partition of a given HNSW store directly at several EfSearch values: the share of cached prompts found, and the time per search.</summary>
    private static async Task ProbeEfSearchAsync(VectorStoreCollection<string, SemanticCacheRecord> collection, string partition, Dictionary<string, float[]> vectors)
    {
        foreach (int ef in (int[])[32, 64, 128, 256])
        {
            int found = 0;
            int count = 0;
            var watch = Stopwatch.StartNew();
            for (int i = Cached / AskedAgain; i < Cached; i += Cached / AskedAgain)
            {
                count++;
                var options = new HnswSearchOptions<SemanticCacheRecord> { EfSearch = ef, Filter = r => r.Partition == partition && r.ExpiresAt > 0 };
                await foreach (VectorSearchResult<SemanticCacheRecord> result in collection.SearchAsync(vectors["prompt " + i], 1, options))
                {
                    found += result.Record.Key == "k" + i ? 1 : 0;
                }
            }

            Console.WriteLine($"// SEMANTIC-CACHE Hnsw/One EfSearch {ef}: {found} of {count} cached prompts found, {watch.Elapsed.TotalMilliseconds * 1000 / count:F0} us per search");
        }
    }

    private static async Task<bool> ServedAsync(IChatClient client, string prompt)
    {
        using (UsageScope.Begin(tenant: "tenant-0"))
        {
            return (await client.GetResponseAsync(prompt)).AdditionalProperties?.ContainsKey(SemanticCacheChatClientBuilderExtensions.CacheHitKey) == true;
        }
    }

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

    private sealed record State(IChatClient Client, string HitPrompt);

    /// <summary>An embedder that returns the vector its table holds for each text (shared with <see cref="SemanticCacheRecall"/>).</summary>
    internal sealed class TableEmbedder(Dictionary<string, float[]> vectors) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(vectors[v]))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A model that answers every call with one fixed sentence and the finish reason set (shared with <see cref="SemanticCacheRecall"/>).</summary>
    internal sealed class FixedChatClient : IChatClient
    {
        public ChatFinishReason Finish { get; set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Eyjafjallajokull erupted in 2010.")) { FinishReason = Finish });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
