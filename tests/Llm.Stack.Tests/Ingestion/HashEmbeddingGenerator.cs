using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>
/// A deterministic embedding generator: each word adds a hash-chosen ±1 to some dimensions; vectors are normalised.
/// Counts calls and inputs; <see cref="OnGenerate"/> lets a test fail a call.
/// </summary>
internal sealed class HashEmbeddingGenerator(int dimensions = ChunkRecord.DefaultDimensions) : IEmbeddingGenerator<string, Embedding<float>>
{
    private int _calls;
    private int _inputs;

    public int Calls => Volatile.Read(ref _calls);

    public int Inputs => Volatile.Read(ref _inputs);

    public int MaxBatch { get; private set; }

    /// <summary>Called with each batch before it is embedded; throw from it to fail the call.</summary>
    public Action<IReadOnlyList<string>>? OnGenerate { get; set; }

    public object? Limits { get; set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<string> list = [.. values];
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _inputs, list.Count);
        MaxBatch = Math.Max(MaxBatch, list.Count);
        OnGenerate?.Invoke(list);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in list)
        {
            result.Add(new Embedding<float>(Embed(value, dimensions)));
        }

        return Task.FromResult(result);
    }

    public static float[] Embed(string value, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (string word in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(word.ToLowerInvariant()));
            for (int k = 0; k < 4; k++)
            {
                int index = BitConverter.ToUInt16(hash, k * 2) % dimensions;
                vector[index] += (hash[8 + k] & 1) == 0 ? 1 : -1;
            }
        }

        float norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }
        else
        {
            vector[0] = 1;
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingInputLimits) ? Limits
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("hash", defaultModelDimensions: dimensions)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
