using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Llm.Stack.Onnx;

/// <summary>
/// Where a BERT-family model and its WordPiece tokenizer come from (a Hugging Face-style folder, a file, or bytes), and what
/// the files next to the model say about it. Shared by the embedding generator and the cross-encoder.
/// </summary>
internal sealed class BertModelSource
{
    private BertModelSource(WordPieceTokenizer tokenizer, string modelId, int? maxTokens, string? modelPath, byte[]? modelBytes)
    {
        Tokenizer = tokenizer;
        ModelId = modelId;
        MaxTokens = maxTokens;
        ModelPath = modelPath;
        ModelBytes = modelBytes;
    }

    public WordPieceTokenizer Tokenizer { get; }

    public string ModelId { get; }

    public int? MaxTokens { get; }

    public string? ModelPath { get; }

    public byte[]? ModelBytes { get; }

    public static BertModelSource FromBytes(byte[] model, Stream tokenizer, bool? lowercase, string modelId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (model.Length == 0)
        {
            throw new ArgumentException("The model is empty.", nameof(model));
        }

        WordPieceTokenizer wordPiece = WordPieceTokenizer.Load(tokenizer, lowercase);
        return new BertModelSource(wordPiece, modelId, wordPiece.MaxLength, modelPath: null, model);
    }

    public static BertModelSource FromPath(string modelPath, bool? lowercase)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string fullPath = Path.GetFullPath(modelPath);
        string modelFile;
        string folder;
        if (File.Exists(fullPath))
        {
            modelFile = fullPath;
            folder = Path.GetDirectoryName(fullPath)!;
        }
        else if (Directory.Exists(fullPath))
        {
            folder = fullPath;
            modelFile = new[] { Path.Combine(folder, "model.onnx"), Path.Combine(folder, "onnx", "model.onnx") }.FirstOrDefault(File.Exists)
                ?? (Directory.GetFiles(folder, "*.onnx") is [string only] ? only : throw new FileNotFoundException(
                    $"No model.onnx (nor onnx/model.onnx, nor a single .onnx file) in '{folder}'.", Path.Combine(folder, "model.onnx")));
        }
        else
        {
            throw new FileNotFoundException($"The model path '{fullPath}' is neither a file nor a folder.", fullPath);
        }

        // Hugging Face repositories keep the ONNX export in onnx/ and the tokenizer at the root.
        string[] folders = Path.GetFileName(Path.GetDirectoryName(modelFile)) == "onnx" && Path.GetDirectoryName(Path.GetDirectoryName(modelFile)) is string root
            ? [Path.GetDirectoryName(modelFile)!, root]
            : [Path.GetDirectoryName(modelFile)!];
        string tokenizerFile = folders.SelectMany(f => new[] { Path.Combine(f, "tokenizer.json"), Path.Combine(f, "vocab.txt") }).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"No tokenizer.json or vocab.txt next to the model '{modelFile}'.", Path.Combine(folder, "vocab.txt"));

        WordPieceTokenizer tokenizer;
        using (FileStream stream = File.OpenRead(tokenizerFile))
        {
            tokenizer = WordPieceTokenizer.Load(stream, lowercase);
        }

        string modelFolder = folders[^1];
        int? maxTokens = ReadInt(folders, "sentence_bert_config.json", "max_seq_length")
            ?? tokenizer.MaxLength
            ?? ReadInt(folders, "tokenizer_config.json", "model_max_length")
            ?? ReadInt(folders, "config.json", "max_position_embeddings");
        return new BertModelSource(tokenizer, Path.GetFileName(modelFolder), maxTokens, modelFile, modelBytes: null);
    }

    private static int? ReadInt(string[] folders, string fileName, string property)
    {
        foreach (string folder in folders)
        {
            string path = Path.Combine(folder, fileName);
            if (!File.Exists(path))
            {
                continue;
            }

            using FileStream stream = File.OpenRead(path);
            using var document = System.Text.Json.JsonDocument.Parse(stream);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out System.Text.Json.JsonElement value)
                && value.ValueKind == System.Text.Json.JsonValueKind.Number
                && value.TryGetInt64(out long number)
                && number is >= 3 and <= 100_000)
            {
                return (int)number;
            }
        }

        return null;
    }

    /// <summary>Creates the ONNX Runtime session of the model on the chosen execution provider.</summary>
    /// <exception cref="InvalidOperationException">The provider's native package is missing (the message names it).</exception>
    public InferenceSession CreateSession(OnnxSessionOptions options)
        => OnnxRuntimeNative.Invoke(() =>
        {
            using var sessionOptions = new SessionOptions();
            ExecutionProviderSelector.Apply(
                new SessionOptionsTarget(sessionOptions),
                options.ExecutionProvider,
                options.DeviceId,
                options.IntraOpThreads,
                OnnxRuntimeNative.GetAvailableProviders());
            return ModelBytes is { } bytes
                ? new InferenceSession(bytes, sessionOptions)
                : new InferenceSession(ModelPath!, sessionOptions);
        });

    /// <summary>Checks that a session takes BERT inputs (int64 <c>input_ids</c>, <c>attention_mask</c>, optional <c>token_type_ids</c>, nothing else).</summary>
    /// <param name="session">The session.</param>
    /// <param name="modelKind">What the model is for, in error messages ("embedding model", "cross-encoder").</param>
    /// <returns>The input names in feeding order, and whether token type ids are among them.</returns>
    /// <exception cref="InvalidDataException">The inputs are not those of a BERT-family model; the message names the input.</exception>
    public static (string[] Names, bool HasTokenTypeIds) ReadInputs(InferenceSession session, string modelKind)
    {
        IReadOnlyDictionary<string, NodeMetadata> inputs = session.InputMetadata;
        if (!inputs.ContainsKey("input_ids") || !inputs.ContainsKey("attention_mask"))
        {
            throw new InvalidDataException(
                $"The model's inputs are [{string.Join(", ", inputs.Keys)}]; a BERT-family {modelKind} takes input_ids and attention_mask (and optionally token_type_ids).");
        }

        foreach (string name in inputs.Keys)
        {
            if (name is not ("input_ids" or "attention_mask" or "token_type_ids"))
            {
                throw new InvalidDataException($"The model has an input '{name}' that a BERT-family {modelKind} does not have.");
            }

            if (inputs[name].ElementDataType != TensorElementType.Int64)
            {
                throw new InvalidDataException($"The model's input '{name}' is {inputs[name].ElementDataType}; int64 is expected.");
            }
        }

        bool hasTokenTypeIds = inputs.ContainsKey("token_type_ids");
        return (hasTokenTypeIds ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"], hasTokenTypeIds);
    }

    /// <summary>Reads a stream from its position to its end.</summary>
    public static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            long length = stream.Length - stream.Position;
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
