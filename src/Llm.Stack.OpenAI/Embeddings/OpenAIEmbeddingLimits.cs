using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// The input limits of OpenAI's own embedding models, returned by the <c>openai</c> provider's embedding generator from
/// <c>GetService(typeof(EmbeddingInputLimits))</c> so that chunkers size chunks the model never truncates or refuses.
/// </summary>
/// <remarks>
/// OpenAI documents a maximum input of 8,192 tokens of <c>cl100k_base</c> for <c>text-embedding-3-small</c>,
/// <c>text-embedding-3-large</c> and <c>text-embedding-ada-002</c>; the API refuses a longer input with a 400 rather than
/// truncating it. 8,191 content tokens are reported, one below the documented maximum. Any other model name (a model
/// served by vLLM, llama.cpp or Ollama's OpenAI-compatible endpoint) has no known tokenizer, so no limits are reported
/// and chunkers fall back to their own counting.
/// </remarks>
internal static class OpenAIEmbeddingLimits
{
    private const int MaxInputTokens = 8191;

    private static readonly Lazy<EmbeddingInputLimits> s_cl100k = new(() => new EmbeddingInputLimits(TiktokenTokenizer.CreateForEncoding("cl100k_base"), MaxInputTokens));

    /// <summary>The limits of <paramref name="model"/> when it is one of OpenAI's embedding models, else <see langword="null"/>.</summary>
    public static EmbeddingInputLimits? For(string model) => model.Trim().ToLowerInvariant() switch
    {
        "text-embedding-3-small" or "text-embedding-3-large" or "text-embedding-ada-002" => s_cl100k.Value,
        _ => null,
    };

    /// <summary><paramref name="generator"/>, reporting the limits of <paramref name="model"/> when they are known.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> Report(IEmbeddingGenerator<string, Embedding<float>> generator, string model) =>
        For(model) is { } limits ? new LimitsReportingGenerator(generator, limits) : generator;

    /// <summary>Answers <c>GetService(typeof(EmbeddingInputLimits))</c> and forwards everything else.</summary>
    private sealed class LimitsReportingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingInputLimits limits)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(EmbeddingInputLimits) ? limits : base.GetService(serviceType, serviceKey);
    }
}
