using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Onnx;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> that runs a BERT-family sentence-embedding model
/// (<c>model.onnx</c> with <c>vocab.txt</c> or <c>tokenizer.json</c>, such as all-MiniLM-L6-v2 or bge-small) locally
/// with ONNX Runtime: Hugging Face-identical WordPiece tokenisation, truncation to the model's maximum, batching with
/// padding per batch, mean or <c>[CLS]</c> pooling and optional L2 normalisation.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: an instance is safe to use from several threads at once. ONNX Runtime's
/// <c>InferenceSession.Run</c> is thread-safe, the tokenizer is immutable, and every call takes its own input and
/// output buffers from a pool (pinned arrays wrapped as <see cref="OrtValue"/>s without copying), so concurrent calls
/// run in parallel and never share a buffer.
/// </para>
/// <para>
/// Calls are compute-bound and run on the calling thread; the returned task is complete when the method returns.
/// Cancellation is checked before every batch, and a batch in progress is asked to stop through ONNX Runtime's
/// terminate flag. Inputs are sorted by length into batches to keep padding small; the results come back in input
/// order, and an input's embedding does not depend on the batch it ran in (up to float rounding).
/// </para>
/// <para>
/// <see langword="null"/> strings are rejected (<see cref="ArgumentException"/>); an empty or whitespace-only string is
/// embedded as the model embeds an empty sequence (<c>[CLS] [SEP]</c>), as Hugging Face does.
/// </para>
/// <para>
/// <c>GetService(typeof(EmbeddingInputLimits))</c> returns the tokenizer (counting content tokens, without
/// <c>[CLS]</c>/<c>[SEP]</c>) and the number of content tokens embedded before truncation, so that chunkers can size
/// chunks that are never cut; <c>GetService(typeof(Tokenizer))</c> returns the same tokenizer, and
/// <c>GetService(typeof(InferenceSession))</c> the session.
/// </para>
/// </remarks>
public sealed partial class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int DefaultMaxTokens = 512;

    private readonly InferenceSession _session;
    private readonly WordPieceTokenizer _tokenizer;
    private readonly EmbeddingInputLimits _limits;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly ConcurrentBag<BatchBuffers> _buffers = [];
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _hasTokenTypeIds;
    private readonly bool _outputIsPooled;
    private readonly EmbeddingPooling _pooling;
    private readonly bool _normalize;
    private readonly int _maxTokens;
    private readonly int _batchSize;
    private readonly int _dimensions;
    private readonly string _modelId;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="OnnxEmbeddingGenerator"/> class from a model folder.</summary>
    /// <param name="modelPath">
    /// A folder with <c>model.onnx</c> (or <c>onnx/model.onnx</c>) and <c>tokenizer.json</c> or <c>vocab.txt</c>, as
    /// Hugging Face model repositories lay them out; or the path of the <c>.onnx</c> file itself, with the tokenizer next to it.
    /// </param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or whitespace.</exception>
    /// <exception cref="FileNotFoundException">No model or no tokenizer file was found at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">The tokenizer file or the model's inputs and outputs are not those of a BERT-family model.</exception>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing, or lacks the execution provider asked for; the message names the NuGet package to add.
    /// </exception>
    public OnnxEmbeddingGenerator(string modelPath, OnnxEmbeddingGeneratorOptions? options)
        : this(BertModelSource.FromPath(modelPath, options?.LowercaseInput), options ?? new OnnxEmbeddingGeneratorOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxEmbeddingGenerator"/> class from a model folder, with the default options.</summary>
    /// <param name="modelPath">
    /// A folder with <c>model.onnx</c> (or <c>onnx/model.onnx</c>) and <c>tokenizer.json</c> or <c>vocab.txt</c>, or the path of the <c>.onnx</c> file itself.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or whitespace.</exception>
    /// <exception cref="FileNotFoundException">No model or no tokenizer file was found at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">The tokenizer file or the model's inputs and outputs are not those of a BERT-family model.</exception>
    /// <exception cref="InvalidOperationException">The native ONNX Runtime library is missing; the message names the NuGet package to add.</exception>
    public OnnxEmbeddingGenerator(string modelPath)
        : this(modelPath, options: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxEmbeddingGenerator"/> class from a model in memory.</summary>
    /// <param name="model">The bytes of the <c>.onnx</c> model.</param>
    /// <param name="tokenizer">The content of <c>vocab.txt</c> or <c>tokenizer.json</c> (recognised by its leading <c>{</c>); read to its end, not disposed.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="tokenizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty.</exception>
    /// <exception cref="InvalidDataException">The tokenizer or the model's inputs and outputs are not those of a BERT-family model.</exception>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing, or lacks the execution provider asked for; the message names the NuGet package to add.
    /// </exception>
    public OnnxEmbeddingGenerator(byte[] model, Stream tokenizer, OnnxEmbeddingGeneratorOptions? options)
        : this(BertModelSource.FromBytes(model, tokenizer, options?.LowercaseInput, "onnx-embedding-model"), options ?? new OnnxEmbeddingGeneratorOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxEmbeddingGenerator"/> class from streams, such as embedded resources.</summary>
    /// <param name="model">The <c>.onnx</c> model; read to its end, not disposed.</param>
    /// <param name="tokenizer">The content of <c>vocab.txt</c> or <c>tokenizer.json</c> (recognised by its leading <c>{</c>); read to its end, not disposed.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="tokenizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty.</exception>
    /// <exception cref="InvalidDataException">The tokenizer or the model's inputs and outputs are not those of a BERT-family model.</exception>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing, or lacks the execution provider asked for; the message names the NuGet package to add.
    /// </exception>
    public OnnxEmbeddingGenerator(Stream model, Stream tokenizer, OnnxEmbeddingGeneratorOptions? options)
        : this(BertModelSource.FromBytes(ReadAll(model), tokenizer, options?.LowercaseInput, "onnx-embedding-model"), options ?? new OnnxEmbeddingGeneratorOptions())
    {
    }

    private OnnxEmbeddingGenerator(BertModelSource source, OnnxEmbeddingGeneratorOptions options)
    {
        _tokenizer = source.Tokenizer;
        _pooling = options.Pooling;
        _normalize = options.Normalize;
        _batchSize = options.BatchSize;
        _maxTokens = options.MaxTokens ?? source.MaxTokens ?? DefaultMaxTokens;
        _modelId = options.ModelId ?? source.ModelId;
        _session = source.CreateSession(options);
        try
        {
            (_inputNames, _hasTokenTypeIds) = BertModelSource.ReadInputs(_session, "embedding model");
            (_outputNames, _outputIsPooled, _dimensions) = ReadOutput(_session, options.OutputName);
            if (_dimensions <= 0)
            {
                _dimensions = ProbeDimensions();
            }
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _limits = new EmbeddingInputLimits(_tokenizer, _maxTokens - 2);
        _metadata = new EmbeddingGeneratorMetadata(OnnxTelemetry.ProviderName, providerUri: null, defaultModelId: _modelId, defaultModelDimensions: _dimensions);
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<OnnxEmbeddingGenerator>() ?? NullLogger.Instance;
        OnnxLog.ModelLoaded(_logger, "embedding model", _modelId, options.ExecutionProvider, _inputNames.Length);
    }

    /// <summary>Gets the number of dimensions of the embeddings.</summary>
    public int Dimensions => _dimensions;

    /// <summary>Gets the maximum sequence length in tokens, <c>[CLS]</c> and <c>[SEP]</c> included.</summary>
    public int MaxTokens => _maxTokens;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> contains a <see langword="null"/> string.</exception>
    /// <exception cref="NotSupportedException"><see cref="EmbeddingGenerationOptions.Dimensions"/> asks for another number of dimensions than the model's.</exception>
    /// <exception cref="ObjectDisposedException">The generator has been disposed.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        if (options?.Dimensions is int requested && requested != _dimensions)
        {
            throw new NotSupportedException($"The model '{_modelId}' produces {_dimensions} dimensions; {requested} were asked for.");
        }

        IReadOnlyList<string> inputs = values as IReadOnlyList<string> ?? values.ToList();
        int count = inputs.Count;
        long startTimestamp = OnnxTelemetry.MeasuresEmbeddings || _logger.IsEnabled(LogLevel.Debug) ? Stopwatch.GetTimestamp() : 0;
        using Activity? activity = OnnxTelemetry.StartEmbeddings(_modelId, _dimensions, count);
        var tokens = new int[count][];
        long totalTokens = 0;
        var vectors = new float[count][];
        try
        {
            for (int i = 0; i < count; i++)
            {
                string? text = inputs[i];
                if (text is null)
                {
                    throw new ArgumentException($"The input at index {i} is null; every input must be a string (an empty one is allowed).", nameof(values));
                }

                tokens[i] = _tokenizer.EncodeContentIds(text, _maxTokens - 2);
                totalTokens += tokens[i].Length + 2;
            }

            if (count > 0)
            {
                int[] lengths = Array.ConvertAll(tokens, static t => t.Length);
                LengthSortedBatches.Run(_modelId, lengths, _batchSize, (rows, runOptions) => RunBatch(tokens, rows, vectors, runOptions, probeWidth: null), cancellationToken);
            }
        }
        catch (Exception ex)
        {
            OnnxTelemetry.EndEmbeddings(activity, OnnxTelemetry.MeasuresEmbeddings ? startTimestamp : 0, _modelId, totalTokens, ex);
            throw;
        }

        OnnxTelemetry.EndEmbeddings(activity, OnnxTelemetry.MeasuresEmbeddings ? startTimestamp : 0, _modelId, totalTokens, error: null);
        if (startTimestamp != 0 && _logger.IsEnabled(LogLevel.Debug))
        {
            double elapsedMs = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
            OnnxLog.Embedded(_logger, count, totalTokens, _modelId, elapsedMs);
        }

        DateTimeOffset createdAt = DateTimeOffset.UtcNow;
        var embeddings = new List<Embedding<float>>(count);
        foreach (float[] vector in vectors)
        {
            embeddings.Add(new Embedding<float>(vector) { ModelId = _modelId, CreatedAt = createdAt });
        }

        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(embeddings)
        {
            Usage = new UsageDetails { InputTokenCount = totalTokens, TotalTokenCount = totalTokens },
        });
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata;
        }

        if (serviceType == typeof(EmbeddingInputLimits))
        {
            return _limits;
        }

        if (serviceType == typeof(InferenceSession))
        {
            return _session;
        }

        return serviceType.IsInstanceOfType(_tokenizer) ? _tokenizer : null;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    /// <remarks>Calls in progress on other threads must have finished; later calls throw <see cref="ObjectDisposedException"/>.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _session.Dispose();
        }
    }

    private static (string[] Names, bool Pooled, int Dimensions) ReadOutput(InferenceSession session, string? requested)
    {
        IReadOnlyDictionary<string, NodeMetadata> outputs = session.OutputMetadata;
        string name = requested
            ?? (outputs.ContainsKey("last_hidden_state") ? "last_hidden_state" : session.OutputNames[0]);
        if (!outputs.TryGetValue(name, out NodeMetadata? output))
        {
            throw new InvalidDataException($"The model has no output '{name}'; its outputs are [{string.Join(", ", outputs.Keys)}].");
        }

        if (output.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"The model's output '{name}' is {output.ElementDataType}; float32 is expected.");
        }

        int[] dimensions = output.Dimensions;
        return dimensions.Length switch
        {
            3 => ([name], false, dimensions[2]),
            2 => ([name], true, dimensions[1]),
            _ => throw new InvalidDataException($"The model's output '{name}' has rank {dimensions.Length}; [batch, tokens, dimensions] or [batch, dimensions] is expected."),
        };
    }

    private static byte[] ReadAll(Stream stream) => BertModelSource.ReadAll(stream);

    private int ProbeDimensions()
    {
        // The model does not state its width statically: run the empty sequence once.
        using var runOptions = new RunOptions();
        int[][] tokens = [[]];
        int width = 0;
        RunBatch(tokens, [0], null, runOptions, probeWidth: w => width = w);
        return width;
    }

    private void RunBatch(int[][] tokens, ReadOnlySpan<int> rows, float[][]? vectors, RunOptions runOptions, Action<int>? probeWidth)
    {
        int count = rows.Length;
        int sequence = tokens[rows[0]].Length + 2; // rows are sorted longest first

        int width = Math.Max(_dimensions, 1);
        int inputLength = count * sequence;
        int outputLength = _outputIsPooled ? count * width : inputLength * width;
        if (!_buffers.TryTake(out BatchBuffers? buffers))
        {
            buffers = new BatchBuffers();
        }

        try
        {
            buffers.Ensure(inputLength, outputLength);
            Span<long> ids = buffers.InputIds.AsSpan(0, inputLength);
            Span<long> mask = buffers.AttentionMask.AsSpan(0, inputLength);
            ids.Fill(_tokenizer.PadId);
            mask.Clear();
            for (int row = 0; row < count; row++)
            {
                int[] content = tokens[rows[row]];
                Span<long> rowIds = ids.Slice(row * sequence, sequence);
                rowIds[0] = _tokenizer.ClsId;
                for (int t = 0; t < content.Length; t++)
                {
                    rowIds[t + 1] = content[t];
                }

                rowIds[content.Length + 1] = _tokenizer.SepId;
                mask.Slice(row * sequence, content.Length + 2).Fill(1);
            }

            long[] inputShape = [count, sequence];
            using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.InputIds.AsMemory(0, inputLength), inputShape);
            using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.AttentionMask.AsMemory(0, inputLength), inputShape);
            using OrtValue? typesValue = _hasTokenTypeIds
                ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.TokenTypeIds.AsMemory(0, inputLength), inputShape)
                : null;
            OrtValue[] inputs = typesValue is null ? [idsValue, maskValue] : [idsValue, maskValue, typesValue];

            if (probeWidth is not null)
            {
                // Width unknown: let ONNX Runtime allocate the output once.
                using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, _inputNames, inputs, _outputNames);
                long[] shape = results[0].GetTensorTypeAndShape().Shape;
                probeWidth((int)shape[^1]);
                return;
            }

            long[] outputShape = _outputIsPooled ? [count, width] : [count, sequence, width];
            using OrtValue outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Output.AsMemory(0, outputLength), outputShape);
            _session.Run(runOptions, _inputNames, inputs, _outputNames, [outputValue]);

            ReadOnlySpan<float> output = buffers.Output.AsSpan(0, outputLength);
            for (int row = 0; row < count; row++)
            {
                var vector = new float[width];
                int length = tokens[rows[row]].Length + 2;
                if (_outputIsPooled)
                {
                    output.Slice(row * width, width).CopyTo(vector);
                }
                else if (_pooling == EmbeddingPooling.Cls)
                {
                    output.Slice(row * sequence * width, width).CopyTo(vector);
                }
                else
                {
                    ReadOnlySpan<float> rowOutput = output.Slice(row * sequence * width, length * width);
                    rowOutput[..width].CopyTo(vector);
                    for (int t = 1; t < length; t++)
                    {
                        TensorPrimitives.Add(vector, rowOutput.Slice(t * width, width), vector);
                    }

                    TensorPrimitives.Divide(vector, length, vector);
                }

                if (_normalize)
                {
                    float norm = TensorPrimitives.Norm(vector);
                    TensorPrimitives.Divide(vector, Math.Max(norm, 1e-12f), vector);
                }

                vectors![rows[row]] = vector;
            }
        }
        finally
        {
            _buffers.Add(buffers);
        }
    }

    /// <summary>Pinned input and output arrays reused across batches and calls; one set per concurrent call.</summary>
    private sealed class BatchBuffers
    {
        public long[] InputIds { get; private set; } = [];

        public long[] AttentionMask { get; private set; } = [];

        public long[] TokenTypeIds { get; private set; } = [];

        public float[] Output { get; private set; } = [];

        public void Ensure(int inputLength, int outputLength)
        {
            if (InputIds.Length < inputLength)
            {
                InputIds = GC.AllocateUninitializedArray<long>(inputLength, pinned: true);
                AttentionMask = GC.AllocateUninitializedArray<long>(inputLength, pinned: true);

                // Single-sequence input: token type ids are all zero and never written.
                TokenTypeIds = GC.AllocateArray<long>(inputLength, pinned: true);
            }

            if (Output.Length < outputLength)
            {
                Output = GC.AllocateUninitializedArray<float>(outputLength, pinned: true);
            }
        }
    }
}
