using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Tuning;

/// <summary>
/// A domain where the base embedder places queries away from their passages in a systematic way (a fixed linear
/// distortion plus noise), so a linear adapter can learn to undo it and retrieval measurably improves.
/// </summary>
internal sealed class SyntheticDomain
{
    public SyntheticDomain(int dimensions, int passages, int queries, double distortion, int seed = 7)
    {
        var random = new Random(seed);
        Dimensions = dimensions;
        // Passages in tight clusters of ten, so that a small shift of a query lands on a neighbour.
        float[][] centers = Enumerable.Range(0, (passages + 9) / 10).Select(_ => Gaussian(random, dimensions)).ToArray();
        Passages = Enumerable.Range(0, passages)
            .Select(i => Normalize(centers[i / 10].Zip(Gaussian(random, dimensions), (c, g) => c + (0.3f * g)).ToArray()))
            .ToArray();
        float[] mix = new float[dimensions * dimensions];
        for (int i = 0; i < mix.Length; i++)
        {
            mix[i] = (float)(NextGaussian(random) * distortion / Math.Sqrt(dimensions));
        }

        Queries = new float[queries][];
        for (int q = 0; q < queries; q++)
        {
            float[] p = Passages[q];
            float[] v = new float[dimensions];
            for (int i = 0; i < dimensions; i++)
            {
                float sum = p[i];
                for (int j = 0; j < dimensions; j++)
                {
                    sum += mix[(i * dimensions) + j] * p[j];
                }

                v[i] = sum + (float)(0.05 * NextGaussian(random));
            }

            Queries[q] = Normalize(v);
        }
    }

    public int Dimensions { get; }

    public float[][] Passages { get; }

    public float[][] Queries { get; }

    public static string PassageText(int i) => $"passage number {i:D4} of the synthetic manual, describing component {i}";

    public static string QueryText(int i) => $"question {i:D4}";

    public EmbeddingTrainingExample[] Examples() =>
        Queries.Select((q, i) => new EmbeddingTrainingExample(q, [i])).ToArray();

    /// <summary>The base "model": looks texts up, so queries and passages get the vectors above.</summary>
    public LookupEmbeddingGenerator CreateEmbedder(string modelId = "synthetic-embedder")
    {
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < Passages.Length; i++)
        {
            vectors[PassageText(i)] = Passages[i];
        }

        for (int i = 0; i < Queries.Length; i++)
        {
            vectors[QueryText(i)] = Queries[i];
        }

        return new LookupEmbeddingGenerator(vectors, modelId, Dimensions);
    }

    private static float[] Gaussian(Random random, int n) => Enumerable.Range(0, n).Select(_ => (float)NextGaussian(random)).ToArray();

    private static float[] Normalize(float[] v)
    {
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static double NextGaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}

/// <summary>An embedder that returns fixed vectors for known texts and records the options of every call.</summary>
internal sealed class LookupEmbeddingGenerator(Dictionary<string, float[]> vectors, string modelId, int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("lookup", defaultModelId: modelId, defaultModelDimensions: dimensions);

    public List<EmbeddingGenerationOptions?> Calls { get; } = [];

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add(options);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(vectors[v].ToArray()) { ModelId = modelId }));
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : null;

    public void Dispose()
    {
    }
}
