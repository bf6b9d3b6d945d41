using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Llm.Stack.Onnx;

/// <summary>
/// An <see cref="ICrossEncoder"/> that runs a BERT-family sequence-classification model (a cross-encoder reranker such
/// as ms-marco-MiniLM-L-6-v2 or bge-reranker, exported to ONNX) locally with ONNX Runtime: each (query, passage) pair is
/// encoded as <c>[CLS] query [SEP] passage [SEP]</c> with token type ids 0 then 1, using the same Hugging Face-identical
/// WordPiece tokenizer as <see cref="OnnxEmbeddingGenerator"/>, run in batches, and scored from the model's logits.
/// </summary>
/// <remarks>
/// <para>
/// The model folder holds <c>model.onnx</c> (or <c>onnx/model.onnx</c>) and <c>tokenizer.json</c> or <c>vocab.txt</c>. The
/// model takes int64 <c>input_ids</c> and <c>attention_mask</c> (and <c>token_type_ids</c> when it has them) and returns
/// float logits of shape [batch, labels] or [batch]. See <see cref="OnnxCrossEncoderOptions"/> for the score.
/// </para>
/// <para>
/// Truncation: a pair takes at most <see cref="MaxTokens"/> tokens. The passage is cut to fit; the query is cut only
/// when it would leave the passage less than half of the room, and then to half of it. Text that spells a special token
/// (<c>[SEP]</c>, <c>[CLS]</c>) is tokenized as plain text, unlike Hugging Face's tokenizers, so that a retrieved passage
/// cannot forge a segment boundary.
/// </para>
/// <para>
/// Thread-safety: an instance is safe to use from several threads at once (ONNX Runtime's <c>Run</c> is thread-safe and
/// every call uses its own buffers). Calls are compute-bound and run on the calling thread; the returned task is complete
/// when the method returns. Cancellation is checked before every batch and stops a batch in progress.
/// </para>
/// <para>Use it with <c>CrossEncoderReranker</c> of the core package, or register it with <c>AddOnnxCrossEncoder</c>.</para>
/// </remarks>
public sealed class OnnxCrossEncoder : ICrossEncoder, IDisposable
{
    private const int DefaultMaxTokens = 512;

    private readonly InferenceSession _session;
    private readonly WordPieceTokenizer _tokenizer;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _hasTokenTypeIds;
    private readonly CrossEncoderActivation _activation;
    private readonly int? _labelIndex;
    private readonly int _batchSize;
    private readonly string _modelId;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="OnnxCrossEncoder"/> class from a model folder.</summary>
    /// <param name="modelPath">
    /// A folder with <c>model.onnx</c> (or <c>onnx/model.onnx</c>) and <c>tokenizer.json</c> or <c>vocab.txt</c>, as Hugging Face
    /// model repositories lay them out; or the path of the <c>.onnx</c> file itself, with the tokenizer next to it.
    /// </param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or whitespace.</exception>
    /// <exception cref="FileNotFoundException">No model or no tokenizer file was found at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The tokenizer file is malformed, or the model's inputs and outputs are not those of a sequence-classification model.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The native ONNX Runtime library is missing, or lacks the execution provider asked for; the message names the NuGet package to add.
    /// </exception>
    public OnnxCrossEncoder(string modelPath, OnnxCrossEncoderOptions? options = null)
    {
        options ??= new OnnxCrossEncoderOptions();
        BertModelSource source = BertModelSource.FromPath(modelPath, options.LowercaseInput);
        _tokenizer = source.Tokenizer;
        _activation = options.Activation;
        _labelIndex = options.LabelIndex;
        _batchSize = options.BatchSize;
        _modelId = source.ModelId;
        MaxTokens = options.MaxTokens ?? source.MaxTokens ?? DefaultMaxTokens;
        if (MaxTokens < 4)
        {
            throw new InvalidDataException($"The model's files give a maximum length of {MaxTokens} tokens; a pair needs at least 4.");
        }

        _session = source.CreateSession(options);
        try
        {
            (_inputNames, _hasTokenTypeIds) = BertModelSource.ReadInputs(_session, "cross-encoder");
            _outputNames = [ReadOutput(_session, options.OutputName)];
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<OnnxCrossEncoder>() ?? NullLogger.Instance;
        OnnxLog.ModelLoaded(_logger, "cross-encoder", _modelId, options.ExecutionProvider, _inputNames.Length);
    }

    /// <summary>Gets the maximum pair length in tokens, <c>[CLS]</c> and both <c>[SEP]</c> included.</summary>
    public int MaxTokens { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="query"/> or <paramref name="passages"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="passages"/> contains a <see langword="null"/> string.</exception>
    /// <exception cref="InvalidOperationException"><see cref="OnnxCrossEncoderOptions.LabelIndex"/> is not a label of the model's head.</exception>
    /// <exception cref="ObjectDisposedException">The cross-encoder has been disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        int count = passages.Count;
        var pairs = new Pair[count];
        int room = MaxTokens - 3;
        int[] queryIds = _tokenizer.EncodeContentIds(query, room);
        for (int i = 0; i < count; i++)
        {
            string passage = passages[i] ?? throw new ArgumentException($"The passage at index {i} is null; every passage must be a string (an empty one is allowed).", nameof(passages));
            pairs[i] = Fit(queryIds, _tokenizer.EncodeContentIds(passage, room), room);
        }

        var scores = new float[count];
        if (count > 0)
        {
            int[] lengths = Array.ConvertAll(pairs, static p => p.Length);
            LengthSortedBatches.Run(_modelId, lengths, _batchSize, (rows, runOptions) => RunBatch(pairs, rows, scores, runOptions), cancellationToken);
        }

        return Task.FromResult<IReadOnlyList<float>>(scores);
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

    /// <summary>Encodes one pair as the model sees it: ids and token type ids, without padding.</summary>
    internal (long[] Ids, long[] TokenTypes) EncodePair(string query, string passage)
    {
        int room = MaxTokens - 3;
        Pair pair = Fit(_tokenizer.EncodeContentIds(query, room), _tokenizer.EncodeContentIds(passage, room), room);
        var ids = new long[pair.Length];
        var types = new long[pair.Length];
        Write(pair, ids, types);
        return (ids, types);
    }

    private static Pair Fit(int[] query, int[] passage, int room)
    {
        int queryKeep = Math.Min(query.Length, room - Math.Min(passage.Length, room / 2));
        int passageKeep = Math.Min(passage.Length, room - queryKeep);
        return new Pair(query, queryKeep, passage, passageKeep);
    }

    private void Write(Pair pair, Span<long> ids, Span<long> types)
    {
        int at = 0;
        ids[at++] = _tokenizer.ClsId;
        for (int t = 0; t < pair.QueryLength; t++)
        {
            ids[at++] = pair.Query[t];
        }

        ids[at++] = _tokenizer.SepId;
        int secondSegment = at;
        for (int t = 0; t < pair.PassageLength; t++)
        {
            ids[at++] = pair.Passage[t];
        }

        ids[at++] = _tokenizer.SepId;
        types[..secondSegment].Clear();
        types[secondSegment..at].Fill(1);
    }

    private void RunBatch(Pair[] pairs, ReadOnlySpan<int> rows, float[] scores, RunOptions runOptions)
    {
        int sequence = pairs[rows[0]].Length; // rows are sorted longest first
        int length = rows.Length * sequence;
        long[] ids = GC.AllocateArray<long>(length, pinned: true);
        long[] mask = GC.AllocateArray<long>(length, pinned: true);
        long[] types = GC.AllocateArray<long>(length, pinned: true);
        ids.AsSpan().Fill(_tokenizer.PadId);
        for (int row = 0; row < rows.Length; row++)
        {
            Pair pair = pairs[rows[row]];
            Write(pair, ids.AsSpan(row * sequence, sequence), types.AsSpan(row * sequence, sequence));
            mask.AsSpan(row * sequence, pair.Length).Fill(1);
        }

        long[] shape = [rows.Length, sequence];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.AsMemory(), shape);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mask.AsMemory(), shape);
        using OrtValue? typesValue = _hasTokenTypeIds ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, types.AsMemory(), shape) : null;
        OrtValue[] inputs = typesValue is null ? [idsValue, maskValue] : [idsValue, maskValue, typesValue];
        using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, _inputNames, inputs, _outputNames);

        long[] outputShape = results[0].GetTensorTypeAndShape().Shape;
        int labels = outputShape.Length == 1 ? 1 : (int)outputShape[1];
        if (outputShape[0] != rows.Length || outputShape.Length > 2 || labels < 1)
        {
            throw new InvalidDataException($"The model returned logits of shape [{string.Join(", ", outputShape)}] for {rows.Length} pairs; [batch, labels] or [batch] is expected.");
        }

        int label = _labelIndex ?? (labels - 1);
        if (label >= labels)
        {
            throw new InvalidOperationException($"The options ask for label {label}, but the model's head has {labels} label(s).");
        }

        ReadOnlySpan<float> logits = results[0].GetTensorDataAsSpan<float>();
        for (int row = 0; row < rows.Length; row++)
        {
            scores[rows[row]] = Activate(logits.Slice(row * labels, labels), label);
        }
    }

    private float Activate(ReadOnlySpan<float> logits, int label)
    {
        if (_activation == CrossEncoderActivation.Raw)
        {
            return logits[label];
        }

        if (logits.Length == 1)
        {
            return (float)(1.0 / (1.0 + Math.Exp(-logits[0])));
        }

        // Softmax probability of the label, computed stably.
        float max = float.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        foreach (float x in logits)
        {
            sum += Math.Exp(x - max);
        }

        return (float)(Math.Exp(logits[label] - max) / sum);
    }

    private static string ReadOutput(InferenceSession session, string? requested)
    {
        IReadOnlyDictionary<string, NodeMetadata> outputs = session.OutputMetadata;
        string name = requested ?? (outputs.ContainsKey("logits") ? "logits" : session.OutputNames[0]);
        if (!outputs.TryGetValue(name, out NodeMetadata? output))
        {
            throw new InvalidDataException($"The model has no output '{name}'; its outputs are [{string.Join(", ", outputs.Keys)}].");
        }

        if (output.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"The model's output '{name}' is {output.ElementDataType}; float32 logits are expected.");
        }

        if (output.Dimensions.Length is not (1 or 2))
        {
            throw new InvalidDataException(
                $"The model's output '{name}' has rank {output.Dimensions.Length}; a sequence-classification head returns [batch, labels] or [batch] (is this an embedding model?).");
        }

        return name;
    }

    /// <summary>A pair's content ids and how many of each are kept.</summary>
    private readonly record struct Pair(int[] Query, int QueryLength, int[] Passage, int PassageLength)
    {
        public int Length => QueryLength + PassageLength + 3;
    }
}
