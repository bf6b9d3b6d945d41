using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// The cost of the embedding resilience layer (<see cref="ResilientEmbeddingGenerator"/>, <c>UseLlmResilience()</c>) per
/// call: one input embedded by the bare generator, through the layer with its defaults (retries and a circuit breaker, no
/// attempt timeout: the layer configuration gives a remote embedding model), and through the layer with an
/// attempt timeout (which needs a timer per attempt).
/// </summary>
/// <remarks>
/// The generator is <see cref="FnvEmbeddingGenerator"/> (64 dimensions, word hashing), so the difference between a row
/// and <c>Bare</c> is the layer's own time and allocation, not a model's. A local model configured without a
/// <c>Resilience</c> section (<c>minilm</c>, <c>onnx</c>) gets no layer, so its calls cost what <c>Bare</c> costs.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the state in [GlobalCleanup].")]
public class EmbeddingResilienceOverheadBenchmark
{
    private readonly string[] _inputs = ["Which volcano in Iceland erupted in 2010?"];
    private FnvEmbeddingGenerator _bare = null!;
    private IEmbeddingGenerator<string, Embedding<float>> _resilience = null!;
    private IEmbeddingGenerator<string, Embedding<float>> _resilienceWithTimeout = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new FnvEmbeddingGenerator();
        _resilience = new EmbeddingGeneratorBuilder<string, Embedding<float>>(_bare).UseLlmResilience().Build();
        _resilienceWithTimeout = new EmbeddingGeneratorBuilder<string, Embedding<float>>(_bare)
            .UseLlmResilience(o => o.AttemptTimeout = TimeSpan.FromSeconds(30))
            .Build();
        float[] expected = _bare.GenerateAsync(_inputs).GetAwaiter().GetResult()[0].Vector.ToArray();
        foreach (IEmbeddingGenerator<string, Embedding<float>> generator in new[] { _resilience, _resilienceWithTimeout })
        {
            if (!generator.GenerateAsync(_inputs).GetAwaiter().GetResult()[0].Vector.Span.SequenceEqual(new ReadOnlySpan<float>(expected)))
            {
                throw new InvalidOperationException("The layer did not pass the embedding through.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resilience.Dispose();
        _resilienceWithTimeout.Dispose();
        _bare.Dispose();
    }

    /// <summary>The bare generator.</summary>
    [Benchmark(Baseline = true)]
    public Task<GeneratedEmbeddings<Embedding<float>>> Bare() => _bare.GenerateAsync(_inputs);

    /// <summary>Through the resilience layer with its defaults: retries and a circuit breaker, no attempt timeout.</summary>
    [Benchmark]
    public Task<GeneratedEmbeddings<Embedding<float>>> Resilience() => _resilience.GenerateAsync(_inputs);

    /// <summary>Through the resilience layer with an attempt timeout of 30 seconds.</summary>
    [Benchmark]
    public Task<GeneratedEmbeddings<Embedding<float>>> ResilienceWithAttemptTimeout() => _resilienceWithTimeout.GenerateAsync(_inputs);
}
