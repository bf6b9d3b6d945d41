using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// A deterministic embedder for tests where the embedder is not under test (the real MiniLM is slow on two cores):
/// each word adds a hash-chosen ±1 to some dimensions. <see cref="Delay"/> stretches each call so that a killed process
/// dies at many different points of a run. <see cref="BeforeFirstCall"/> holds its first call until a test lets it go on.
/// Counts the texts it embeds.
/// </summary>
internal sealed class DeterministicEmbedder(TimeSpan delay = default) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Dimensions = 32;
    private readonly EmbeddingGeneratorMetadata _metadata = new("deterministic-test-embedder", null, "hash-32", Dimensions);
    private int _embedded;
    private int _called;

    public TimeSpan Delay { get; } = delay;

    public int Embedded => Volatile.Read(ref _embedded);

    /// <summary>Gets what runs once, before the first call embeds anything (the ingest host's <c>--hold</c>).</summary>
    public Func<CancellationToken, Task>? BeforeFirstCall { get; init; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<string> list = [.. values];
        if (BeforeFirstCall is { } hold && Interlocked.Exchange(ref _called, 1) == 0)
        {
            await hold(cancellationToken);
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        Interlocked.Add(ref _embedded, list.Count);
        return [.. list.Select(v => new Embedding<float>(Embed(v)))];
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static float[] Embed(string value)
    {
        var vector = new float[Dimensions];
        foreach (string word in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(word.ToLowerInvariant()));
            vector[hash[0] % Dimensions] += (hash[1] & 1) == 0 ? 1 : -1;
        }

        vector[0] += 0.5f;
        float norm = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / norm)];
    }
}
