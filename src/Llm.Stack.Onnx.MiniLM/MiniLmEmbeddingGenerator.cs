namespace Llm.Stack.Onnx;

/// <summary>
/// Creates the built-in offline embedding model, all-MiniLM-L6-v2 (384 dimensions, 256 tokens, Apache-2.0), whose
/// model and vocabulary this package carries and copies next to the application (<c>minilm/model.onnx</c>, its weights
/// in <c>minilm/model.onnx_data</c>, <c>minilm/vocab.txt</c>): no download, no further reference besides a native ONNX
/// Runtime package (<c>Microsoft.ML.OnnxRuntime</c> for CPU).
/// </summary>
/// <remarks>
/// Each call creates a new <see cref="OnnxEmbeddingGenerator"/> (about a second: a 90 MB model is loaded); create one
/// and share it — it is safe to use from several threads at once. The weights are in ONNX's external-data format, so
/// ONNX Runtime maps them from their file instead of parsing and copying them: the process holds them once, also while
/// the session is created. Cosine similarity of its normalized embeddings matches the published
/// sentence-transformers model.
/// </remarks>
public static class MiniLmEmbeddingGenerator
{
    /// <summary>The model id reported in the generator's metadata and on each embedding.</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The number of dimensions of the embeddings.</summary>
    public const int Dimensions = 384;

    /// <summary>The maximum sequence length in tokens, <c>[CLS]</c> and <c>[SEP]</c> included (the model's sentence-transformers setting).</summary>
    public const int MaxTokens = 256;

    private const string ModelFolder = "minilm";

    /// <summary>Creates a generator for the built-in all-MiniLM-L6-v2 model.</summary>
    /// <param name="configure">
    /// Changes the options; <see langword="null"/> for the model's own: mean pooling, normalized, 256 tokens, batches of 32, CPU.
    /// </param>
    /// <returns>The generator; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing or lacks the execution provider asked for (the message names the
    /// NuGet package to add), or the model files are not next to the application.
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

        string folder = FindModelFolder();
        return new OnnxEmbeddingGenerator(folder, options);
    }

    /// <summary>The <c>minilm</c> folder next to this assembly (or the application, when the assembly has no file of its own).</summary>
    private static string FindModelFolder()
    {
        string? assemblyDirectory = Path.GetDirectoryName(typeof(MiniLmEmbeddingGenerator).Assembly.Location);
        string[] candidates = string.IsNullOrEmpty(assemblyDirectory)
            ? [Path.Combine(AppContext.BaseDirectory, ModelFolder)]
            : [Path.Combine(assemblyDirectory, ModelFolder), Path.Combine(AppContext.BaseDirectory, ModelFolder)];
        foreach (string candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "model.onnx")) && File.Exists(Path.Combine(candidate, "model.onnx_data")) && File.Exists(Path.Combine(candidate, "vocab.txt")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The MiniLM model files ({ModelFolder}/model.onnx, {ModelFolder}/model.onnx_data and {ModelFolder}/vocab.txt) are not next to the application (looked in {string.Join(", ", candidates.Distinct(StringComparer.Ordinal))}): "
            + "the Llm.Stack.Onnx.MiniLM package copies them to the build and publish output; restore and build again.");
    }
}
