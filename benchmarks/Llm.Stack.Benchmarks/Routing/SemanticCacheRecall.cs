using System.Diagnostics;
using System.Numerics.Tensors;
using Llm.Stack.Benchmarks.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// How often <c>UseSemanticCache()</c> with its own (HNSW) store serves a cached prompt asked again, on the HNSW
/// benchmarks' data (<see cref="HnswData"/>: real MiniLM passage embeddings when <c>LLMSTACK_HNSW_DATA</c> names a folder
/// written by <c>prepare-minilm</c>, else synthetic clustered vectors): <c>semantic-cache-recall</c>.
/// </summary>
/// <remarks>
/// Every vector is a prompt cached through the cache in one partition (a prompt the cache already answers within the
/// default threshold, 0.95, is served instead, as in an app). Then 1,000 prompts spread over them are asked again, and
/// 1,000 "near" prompts: each a cached prompt's vector turned by a random direction to a cosine similarity of 0.97 with
/// it, which an exact search would always serve (the cached prompt itself is within the threshold). Not timed by
/// BenchmarkDotNet; the time to store an answer (lookup included) is printed.
/// </remarks>
internal static class SemanticCacheRecall
{
    private const int Asked = 1_000;

    public static async Task<int> RunAsync()
    {
        float[][] vectors = HnswData.Vectors;
        var random = new Random(7);
        var table = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < vectors.Length; i++)
        {
            table["p" + i] = vectors[i];
        }

        int step = Math.Max(1, vectors.Length / Asked);
        for (int i = 0; i < vectors.Length; i += step)
        {
            table["near " + i] = Near(vectors[i], 0.97f, random);
        }

        var inner = new SemanticCacheLookupBenchmark.FixedChatClient { Finish = ChatFinishReason.Stop };
        using IChatClient client = new ChatClientBuilder(inner).UseSemanticCache(o => o.EmbeddingGenerator = new SemanticCacheLookupBenchmark.TableEmbedder(table)).Build();
        var served = new bool[vectors.Length];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < vectors.Length; i++)
        {
            served[i] = IsHit(await client.GetResponseAsync("p" + i));
        }

        Console.WriteLine($"// SEMANTIC-CACHE-RECALL {HnswData.Name}: {vectors.Length - served.Count(s => s):N0} answers stored, {served.Count(s => s):N0} prompts served while storing (within 0.95 of an earlier one); {watch.Elapsed.TotalMilliseconds * 1000 / vectors.Length:F0} us per call");
        inner.Finish = ChatFinishReason.Length;
        int again = 0, againStored = 0, againStoredServed = 0, near = 0, asked = 0;
        for (int i = 0; i < vectors.Length; i += step)
        {
            asked++;
            bool hit = IsHit(await client.GetResponseAsync("p" + i));
            again += hit ? 1 : 0;
            if (!served[i])
            {
                againStored++;
                againStoredServed += hit ? 1 : 0;
            }

            near += IsHit(await client.GetResponseAsync("near " + i)) ? 1 : 0;
        }

        Console.WriteLine($"// SEMANTIC-CACHE-RECALL asked again: {again} of {asked} served ({againStoredServed} of the {againStored} whose own answer was stored); near (cosine 0.97 to a cached prompt): {near} of {asked} served");
        return 0;
    }

    private static bool IsHit(ChatResponse response) =>
        response.AdditionalProperties?.ContainsKey(SemanticCacheChatClientBuilderExtensions.CacheHitKey) == true;

    /// <summary>The unit vector at cosine similarity <paramref name="cosine"/> to <paramref name="vector"/>, turned towards a random direction.</summary>
    private static float[] Near(float[] vector, float cosine, Random random)
    {
        float[] v = [.. vector];
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        var u = new float[v.Length];
        for (int d = 0; d < u.Length; d++)
        {
            u[d] = (float)((random.NextDouble() * 2) - 1);
        }

        TensorPrimitives.MultiplyAdd(v, -TensorPrimitives.Dot(u, v), u, u); // u -= (u . v) v
        TensorPrimitives.Divide(u, TensorPrimitives.Norm(u), u);
        float sine = MathF.Sqrt(1 - (cosine * cosine));
        var near = new float[v.Length];
        for (int d = 0; d < near.Length; d++)
        {
            near[d] = (cosine * v[d]) + (sine * u[d]);
        }

        return near;
    }
}
