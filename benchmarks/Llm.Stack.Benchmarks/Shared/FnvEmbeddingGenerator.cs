using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks;

/// <summary>
/// A fast deterministic embedder (FNV-1a word hashing into 64 dimensions, or as many as given), so that a benchmark
/// measures the chunker, the ingestion road or a store rather than a model. It exposes no <see cref="EmbeddingInputLimits"/>: a pipeline over it chunks
/// with its <c>cl100k_base</c> default.
/// </summary>
internal sealed class FnvEmbeddingGenerator(int dimensions = 64) : IEmbeddingGenerator<string, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            var vector = new float[dimensions];
            uint hash = 2166136261;
            foreach (char c in value)
            {
                if (char.IsWhiteSpace(c))
                {
                    vector[hash % (uint)dimensions] += 1;
                    hash = 2166136261;
                }
                else
                {
                    hash = (hash ^ c) * 16777619;
                }
            }

            vector[hash % (uint)dimensions] += 1;
            result.Add(new Embedding<float>(vector));
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
