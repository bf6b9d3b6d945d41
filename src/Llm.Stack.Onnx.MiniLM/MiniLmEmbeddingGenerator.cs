using System.Reflection;

namespace Llm.Stack.Onnx;

/// <summary>
/// Creates the built-in offline embedding model, all-MiniLM-L6-v2 (384 dimensions, 256 tokens, Apache-2.0), whose
/// model and vocabulary this package carries inside its own assembly: no download, no file, no further reference
/// besides a native ONNX Runtime package (<c>Microsoft.ML.OnnxRuntime</c> for CPU).
/// </summary>
/// <remarks>
/// Each call creates a new <see cref="OnnxEmbeddingGenerator"/> (about a second: a 90 MB model is loaded); create one
/// and share it — it is safe to use from several threads at once. Cosine similarity of its normalized embeddings
/// matches the published sentence-transformers model.
/// </remarks>
public static class MiniLmEmbeddingGenerator
{
    /// <summary>The model id reported in the generator's metadata and on each embedding.</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The number of dimensions of the embeddings.</summary>
    public const int Dimensions = 384;

    /// <summary>The maximum sequence length in tokens, <c>[CLS]</c> and <c>[SEP]</c> included (the model's sentence-transformers setting).</summary>
    public const int MaxTokens = 256;

    private const string ModelResource = "Llm.Stack.Onnx.MiniLM.model.onnx";
    private const string VocabularyResource = "Llm.Stack.Onnx.MiniLM.vocab.txt";

    /// <summary>Creates a generator for the built-in all-MiniLM-L6-v2 model.</summary>
    /// <param name="configure">
    /// Changes the options; <see langword="null"/> for the model's own: mean pooling, normalized, 256 tokens, batches of 32, CPU.
    /// </param>
    /// <returns>The generator; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing or lacks the execution provider asked for (the message names the
    /// NuGet package to add), or the assembly was built without its model.
    /// </exception>
    public static OnnxEmbeddingGenerator Create(Action<OnnxEmbeddingGeneratorOptions>? configure = null)
    {
        var options = new OnnxEmbeddingGeneratorOptions
        {
            Pooling = EmbeddingPooling.Mean,
            Normalize = true,
            MaxTokens = MaxTokens,
            ModelId = ModelId,
            LowercaseInput = true,
        };
        configure?.Invoke(options);

        Assembly assembly = typeof(MiniLmEmbeddingGenerator).Assembly;
        using Stream model = assembly.GetManifestResourceStream(ModelResource) ?? throw MissingResource(ModelResource);
        using Stream vocabulary = assembly.GetManifestResourceStream(VocabularyResource) ?? throw MissingResource(VocabularyResource);
        return new OnnxEmbeddingGenerator(model, vocabulary, options);
    }

    private static InvalidOperationException MissingResource(string name)
        => new($"The assembly {typeof(MiniLmEmbeddingGenerator).Assembly.GetName().Name} has no resource '{name}': it was built without the model.");
}
