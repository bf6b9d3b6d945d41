using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;

namespace Llm.Stack;

/// <summary>
/// A learned linear map applied to query embeddings, so that retrieval fits a domain without re-embedding the
/// indexed documents: the adapted query is <c>normalize(q + W q)</c>, where <c>W</c> is a full
/// <c>d × d</c> matrix (<see cref="Rank"/> 0) or the low-rank product <c>B A</c> (<see cref="Rank"/> r).
/// </summary>
/// <remarks>
/// <para>
/// An adapter records the embedder it was trained for (<see cref="EmbedderModelId"/>, <see cref="Dimensions"/>);
/// <see cref="Microsoft.Extensions.AI.EmbeddingAdapterEmbeddingGeneratorBuilderExtensions.UseEmbeddingAdapter"/> refuses
/// another one. Train one with <see cref="EmbeddingAdapterTrainer"/>.
/// </para>
/// <para>
/// The file format (version 1, little-endian): the magic <c>LSEADAPT</c>, a 32-bit version, the length and UTF-8 JSON of
/// the header (embedder, dimensions, rank, creation time, training report), the weights as 32-bit floats (<c>W</c>
/// row-major, or <c>A</c> then <c>B</c>), and the XxHash3-64 of everything before it. A damaged or truncated file is
/// rejected with <see cref="InvalidDataException"/>.
/// </para>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class EmbeddingAdapter
{
    private const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "LSEADAPT"u8;

    private readonly float[] _down; // full: W (d×d); low-rank: A (r×d)
    private readonly float[]? _up;  // low-rank: B (d×r)

    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapter"/> class from its weights.</summary>
    /// <param name="embedderModelId">The model id of the embedder the adapter was trained for.</param>
    /// <param name="dimensions">The embedding dimensions.</param>
    /// <param name="rank">0 for a full matrix; otherwise the rank of the low-rank product.</param>
    /// <param name="weights">
    /// The weights: <c>W</c> row-major (<c>d × d</c> values) when <paramref name="rank"/> is 0; otherwise <c>A</c>
    /// (<c>r × d</c>, row-major) followed by <c>B</c> (<c>d × r</c>, row-major).
    /// </param>
    /// <param name="report">The training report to keep with the adapter, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="embedderModelId"/> is empty, or a weight is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The dimensions, rank or number of weights do not fit together.</exception>
    public EmbeddingAdapter(string embedderModelId, int dimensions, int rank, ReadOnlySpan<float> weights, EmbeddingAdapterReport? report = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(embedderModelId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, dimensions);
        int expected = checked(rank == 0 ? dimensions * dimensions : 2 * rank * dimensions);
        if (weights.Length != expected)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), weights.Length,
                $"An adapter of {dimensions} dimensions and rank {rank} has {expected} weights, not {weights.Length}.");
        }

        for (int i = 0; i < weights.Length; i++)
        {
            if (!float.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Weight {i} is {weights[i]}; every weight must be a finite number.", nameof(weights));
            }
        }

        EmbedderModelId = embedderModelId;
        Dimensions = dimensions;
        Rank = rank;
        Report = report;
        if (rank == 0)
        {
            _down = weights.ToArray();
        }
        else
        {
            _down = weights[..(rank * dimensions)].ToArray();
            _up = weights[(rank * dimensions)..].ToArray();
        }
    }

    /// <summary>Gets the model id of the embedder the adapter was trained for.</summary>
    public string EmbedderModelId { get; }

    /// <summary>Gets the embedding dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Gets the rank of the low-rank map, or 0 for a full matrix.</summary>
    public int Rank { get; }

    /// <summary>Gets the report of the training that produced the adapter, when it was kept.</summary>
    public EmbeddingAdapterReport? Report { get; }

    /// <summary>Gets a copy of the weights in the layout the constructor takes.</summary>
    /// <returns>The weights.</returns>
    public float[] GetWeights() => _up is null ? (float[])_down.Clone() : [.. _down, .. _up];

    /// <summary>Maps a query embedding: <c>normalize(q + W q)</c>.</summary>
    /// <param name="query">The query embedding, <see cref="Dimensions"/> values.</param>
    /// <param name="destination">Receives the adapted embedding; may be the same memory as <paramref name="query"/>.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="Dimensions"/>, or the query holds a value that is not finite.</exception>
    public void Apply(ReadOnlySpan<float> query, Span<float> destination)
    {
        int d = Dimensions;
        if (query.Length != d)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; the adapter was trained for {d} ({EmbedderModelId}).", nameof(query));
        }

        if (destination.Length != d)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; the adapter writes {d}.", nameof(destination));
        }

        if (!float.IsFinite(TensorPrimitives.Sum(query)))
        {
            throw new ArgumentException("The query embedding holds a value that is not a finite number.", nameof(query));
        }

        float[] rented = System.Buffers.ArrayPool<float>.Shared.Rent(d + Rank);
        try
        {
            Span<float> output = rented.AsSpan(0, d);
            Forward(query, output, rented.AsSpan(d, Rank));
            float norm = TensorPrimitives.Norm(output);
            if (norm > 0f)
            {
                TensorPrimitives.Divide(output, norm, destination);
            }
            else
            {
                output.CopyTo(destination);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Computes <c>q + W q</c> without normalising; <paramref name="hidden"/> holds <see cref="Rank"/> values.</summary>
    internal void Forward(ReadOnlySpan<float> query, Span<float> output, Span<float> hidden) =>
        Forward(_down, _up, Dimensions, Rank, query, output, hidden);

    /// <summary>
    /// Computes <c>q + W q</c> for the weights of a full (<paramref name="up"/> <see langword="null"/>) or low-rank map;
    /// shared with the trainer, so that training and use compute the same map.
    /// </summary>
    internal static void Forward(float[] down, float[]? up, int d, int rank, ReadOnlySpan<float> query, Span<float> output, Span<float> hidden)
    {
        if (up is null)
        {
            for (int i = 0; i < d; i++)
            {
                output[i] = query[i] + TensorPrimitives.Dot(down.AsSpan(i * d, d), query);
            }

            return;
        }

        for (int k = 0; k < rank; k++)
        {
            hidden[k] = TensorPrimitives.Dot(down.AsSpan(k * d, d), query);
        }

        for (int i = 0; i < d; i++)
        {
            output[i] = query[i] + TensorPrimitives.Dot(up.AsSpan(i * rank, rank), hidden);
        }
    }

    /// <summary>Writes the adapter to a file, atomically (a temporary file renamed over the target).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="cancellationToken">A token to cancel the write.</param>
    /// <returns>A task that completes when the file is written and flushed to disk.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return TunedModelFile.WriteAtomicallyAsync(path, Serialize(), cancellationToken);
    }

    /// <summary>Reads an adapter written by <see cref="SaveAsync"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The adapter.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an adapter, is of a newer version, or is damaged.</exception>
    public static async Task<EmbeddingAdapter> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Deserialize(bytes, path);
    }

    /// <summary>Reads an adapter written by <see cref="SaveAsync"/>, synchronously (for composition at start-up).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The adapter.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an adapter, is of a newer version, or is damaged.</exception>
    public static EmbeddingAdapter Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Deserialize(File.ReadAllBytes(path), path);
    }

    internal byte[] Serialize()
    {
        var header = new AdapterHeader(EmbedderModelId, Dimensions, Rank, Report);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, TuningJsonContext.Default.AdapterHeader);
        return TunedModelFile.Serialize(Magic, FormatVersion, json, GetWeights());
    }

    internal static EmbeddingAdapter Deserialize(ReadOnlySpan<byte> bytes, string source)
    {
        (byte[] json, float[] weights) = TunedModelFile.Deserialize(bytes, Magic, FormatVersion, source, "embedding adapter");
        AdapterHeader header = JsonSerializer.Deserialize(json, TuningJsonContext.Default.AdapterHeader)
            ?? throw new InvalidDataException($"The embedding adapter '{source}' has an empty header.");
        try
        {
            return new EmbeddingAdapter(header.Embedder, header.Dimensions, header.Rank, weights, header.Report);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"The embedding adapter '{source}' is inconsistent: {exception.Message}", exception);
        }
    }

    internal sealed record AdapterHeader(string Embedder, int Dimensions, int Rank, EmbeddingAdapterReport? Report);
}
