using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>An embedding generator that maps each string to a fixed-size vector of its character codes.</summary>
public sealed class TestEmbeddingGenerator(int dimensions = 4) : IEmbeddingGenerator<string, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            var vector = new float[dimensions];
            for (int i = 0; i < value.Length; i++)
            {
                vector[i % dimensions] += value[i];
            }

            result.Add(new Embedding<float>(vector));
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
