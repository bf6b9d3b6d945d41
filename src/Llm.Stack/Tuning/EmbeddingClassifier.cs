using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// A text classifier on frozen embeddings: multinomial logistic regression over an embedder's vectors, with calibrated
/// probabilities. Train one with <see cref="EmbeddingClassifierTrainer"/> from 100–500 labelled texts; use it directly,
/// or as the guardrails' content classifier through <see cref="EmbeddingContentClassifier"/>.
/// </summary>
/// <remarks>
/// <para>
/// A classifier records the embedder it was trained for (<see cref="EmbedderModelId"/>, <see cref="Dimensions"/>);
/// <see cref="ClassifyAsync(IEmbeddingGenerator{string, Embedding{float}}, string, CancellationToken)"/> refuses another one.
/// </para>
/// <para>
/// The file format (version 1, little-endian): the magic <c>LSECLASS</c>, a 32-bit version, the length and UTF-8 JSON of
/// the header (embedder, dimensions, labels, the training report), the weights as 32-bit floats (one row of
/// <see cref="Dimensions"/> per label, then one bias per label), and the XxHash3-64 of everything before it. Writes are
/// atomic. A damaged, truncated or foreign file is rejected with <see cref="InvalidDataException"/> naming the file.
/// </para>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class EmbeddingClassifier
{
    private const int FormatVersion = 1;
    private const string Kind = "embedding classifier";
    private static ReadOnlySpan<byte> Magic => "LSECLASS"u8;

    private readonly float[] _weights;
    private readonly float[] _biases;
    private readonly string[] _labels;

    /// <summary>Initializes a new instance of the <see cref="EmbeddingClassifier"/> class from its weights.</summary>
    /// <param name="embedderModelId">The model id of the embedder the classifier was trained for.</param>
    /// <param name="dimensions">The embedding dimensions.</param>
    /// <param name="labels">The class labels, distinct, at least two.</param>
    /// <param name="weights">One row of <paramref name="dimensions"/> weights per label, row-major.</param>
    /// <param name="biases">One bias per label.</param>
    /// <param name="report">The training report to keep with the classifier, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An id or label is empty, labels repeat, fewer than two labels, or a weight is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The dimensions and the numbers of weights or biases do not fit together.</exception>
    public EmbeddingClassifier(
        string embedderModelId,
        int dimensions,
        IReadOnlyList<string> labels,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> biases,
        EmbeddingClassifierReport? report = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(embedderModelId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count < 2)
        {
            throw new ArgumentException($"A classifier needs at least two labels; {labels.Count} were given.", nameof(labels));
        }

        if (labels.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Every label must be a non-empty text.", nameof(labels));
        }

        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
        {
            throw new ArgumentException("The labels must be distinct.", nameof(labels));
        }

        int expected = checked(labels.Count * dimensions);
        if (weights.Length != expected)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), weights.Length,
                $"A classifier of {labels.Count} labels over {dimensions} dimensions has {expected} weights, not {weights.Length}.");
        }

        if (biases.Length != labels.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(biases), biases.Length, $"A classifier of {labels.Count} labels has {labels.Count} biases, not {biases.Length}.");
        }

        if (!float.IsFinite(TensorPrimitives.Sum(weights)) || !float.IsFinite(TensorPrimitives.Sum(biases)))
        {
            throw new ArgumentException("Every weight and bias must be a finite number.", nameof(weights));
        }

        EmbedderModelId = embedderModelId;
        Dimensions = dimensions;
        _labels = [.. labels];
        _weights = weights.ToArray();
        _biases = biases.ToArray();
        Report = report;
    }

    /// <summary>Gets the model id of the embedder the classifier was trained for.</summary>
    public string EmbedderModelId { get; }

    /// <summary>Gets the embedding dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Gets the class labels, in ordinal order for a trained classifier.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Gets the report of the training that produced the classifier (its k-fold cross-validation), when it was kept.</summary>
    public EmbeddingClassifierReport? Report { get; }

    /// <summary>Predicts the label of an embedding.</summary>
    /// <param name="embedding">An embedding by the classifier's embedder, <see cref="Dimensions"/> values.</param>
    /// <returns>The most likely label and every label's probability.</returns>
    /// <exception cref="ArgumentException">The embedding's length is not <see cref="Dimensions"/>, or it holds a value that is not finite.</exception>
    public EmbeddingClassifierPrediction Predict(ReadOnlySpan<float> embedding)
    {
        int d = Dimensions;
        if (embedding.Length != d)
        {
            throw new ArgumentException($"The embedding has {embedding.Length} dimensions; the classifier was trained for {d} ({EmbedderModelId}).", nameof(embedding));
        }

        if (!float.IsFinite(TensorPrimitives.Sum(embedding)))
        {
            throw new ArgumentException("The embedding holds a value that is not a finite number.", nameof(embedding));
        }

        float[] probabilities = new float[_labels.Length];
        for (int c = 0; c < probabilities.Length; c++)
        {
            probabilities[c] = TensorPrimitives.Dot(_weights.AsSpan(c * d, d), embedding) + _biases[c];
        }

        // SoftMax does not shift by the maximum; without the shift a confident classifier's logits overflow exp.
        TensorPrimitives.Subtract(probabilities, TensorPrimitives.Max(probabilities), probabilities);
        TensorPrimitives.SoftMax(probabilities, probabilities);
        return new EmbeddingClassifierPrediction(_labels, probabilities);
    }

    /// <summary>Embeds a text with <paramref name="embedder"/> and predicts its label.</summary>
    /// <param name="embedder">The embedder the classifier was trained for.</param>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">A token to cancel the embedding.</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The embedder reports another model id than <see cref="EmbedderModelId"/>.</exception>
    public async Task<EmbeddingClassifierPrediction> ClassifyAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<EmbeddingClassifierPrediction> predictions = await ClassifyAllAsync(embedder, [text], cancellationToken).ConfigureAwait(false);
        return predictions[0];
    }

    /// <summary>Embeds texts with <paramref name="embedder"/> (in one request) and predicts their labels.</summary>
    /// <param name="embedder">The embedder the classifier was trained for.</param>
    /// <param name="texts">The texts.</param>
    /// <param name="cancellationToken">A token to cancel the embedding.</param>
    /// <returns>One prediction per text, in order.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The embedder reports another model id than <see cref="EmbedderModelId"/>.</exception>
    public async Task<IReadOnlyList<EmbeddingClassifierPrediction>> ClassifyAllAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        EnsureEmbedder(embedder);
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return [];
        }

        GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        return embeddings.Select(e => Predict(e.Vector.Span)).ToArray();
    }

    /// <summary>Throws when <paramref name="embedder"/> is not the embedder the classifier was trained for.</summary>
    /// <param name="embedder">The embedder.</param>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The embedder reports another model id or other dimensions.</exception>
    public void EnsureEmbedder(IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        EmbeddingGeneratorMetadata? metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
        string modelId = TunedModelFile.EmbedderModelId(embedder);
        if (!string.Equals(modelId, EmbedderModelId, StringComparison.Ordinal)
            || (metadata?.DefaultModelDimensions is int dimensions && dimensions != Dimensions))
        {
            throw new InvalidOperationException(
                $"The classifier was trained for the embedder '{EmbedderModelId}' ({Dimensions} dimensions), but the embedder is '{modelId}'. Train a classifier for this embedder.");
        }
    }

    /// <summary>Writes the classifier to a file, atomically (a temporary file renamed over the target).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="cancellationToken">A token to cancel the write.</param>
    /// <returns>A task that completes when the file is written and flushed to disk.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return TunedModelFile.WriteAtomicallyAsync(path, Serialize(), cancellationToken);
    }

    /// <summary>Reads a classifier written by <see cref="SaveAsync"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The classifier.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a classifier, is of a newer version, or is damaged.</exception>
    public static async Task<EmbeddingClassifier> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Deserialize(bytes, path);
    }

    /// <summary>Reads a classifier written by <see cref="SaveAsync"/>, synchronously (for composition at start-up).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The classifier.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a classifier, is of a newer version, or is damaged.</exception>
    public static EmbeddingClassifier Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Deserialize(File.ReadAllBytes(path), path);
    }

    internal byte[] Serialize()
    {
        var header = new ClassifierHeader(EmbedderModelId, Dimensions, _labels, Report);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, TuningJsonContext.Default.ClassifierHeader);
        return TunedModelFile.Serialize(Magic, FormatVersion, json, [.. _weights, .. _biases]);
    }

    internal static EmbeddingClassifier Deserialize(ReadOnlySpan<byte> bytes, string source)
    {
        (byte[] json, float[] values) = TunedModelFile.Deserialize(bytes, Magic, FormatVersion, source, Kind);
        ClassifierHeader header;
        try
        {
            header = JsonSerializer.Deserialize(json, TuningJsonContext.Default.ClassifierHeader)
                ?? throw new InvalidDataException($"The {Kind} '{source}' has an empty header.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"The {Kind} '{source}' has a damaged header.", exception);
        }

        int labels = header.Labels?.Length ?? 0;
        if (labels < 2 || header.Dimensions <= 0 || values.Length != labels * (header.Dimensions + 1))
        {
            throw new InvalidDataException($"The {Kind} '{source}' is inconsistent: its header and weights do not fit together.");
        }

        try
        {
            return new EmbeddingClassifier(header.Embedder, header.Dimensions, header.Labels!, values.AsSpan(0, labels * header.Dimensions), values.AsSpan(labels * header.Dimensions), header.Report);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"The {Kind} '{source}' is inconsistent: {exception.Message}", exception);
        }
    }

    internal sealed record ClassifierHeader(string Embedder, int Dimensions, string[]? Labels, EmbeddingClassifierReport? Report);
}
