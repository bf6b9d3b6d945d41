using Microsoft.Extensions.AI;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>A deterministic embedding generator: bag of character trigrams hashed into a fixed number of dimensions.</summary>
public sealed class HashEmbeddingGenerator(int dimensions = 8, string modelId = "hash-test-model") : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            result.Add(new Embedding<float>(Embed(value, dimensions)) { ModelId = modelId });
        }

        return Task.FromResult(result);
    }

    public static float[] Embed(string value, int dimensions)
    {
        var vector = new float[dimensions];
        string padded = $"  {value.ToLowerInvariant()}  ";
        for (int i = 0; i + 3 <= padded.Length; i++)
        {
            int h = (padded[i] * 31 * 31) + (padded[i + 1] * 31) + padded[i + 2];
            vector[h % dimensions] += 1;
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("hash", null, modelId, dimensions)
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
