using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Starts a new chunk where the meaning shifts: embeds each sentence (with its neighbours), measures the cosine
/// distance between consecutive sentences, and breaks where the distance is above the configured percentile of all
/// distances in the document; groups larger than <see cref="TextChunkerOptions.MaxTokens"/> are then packed into
/// chunks that fit, sentence by sentence.
/// </summary>
/// <remarks>
/// Works with any <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>. Each chunk is counted exactly, so that no chunk
/// exceeds the limit. Overlap is not applied (a semantic break is a clean cut). The chunker is safe to use from
/// several threads when its embedding generator is.
/// </remarks>
public sealed class SemanticChunker : ITextChunker
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddingGenerator;
    private readonly int _maxTokens;
    private readonly double _percentile;
    private readonly int _bufferSize;
    private readonly int _batchSize;
    private readonly SentenceSplitter _splitter = new();

    /// <summary>Initializes a new instance of the <see cref="SemanticChunker"/> class.</summary>
    /// <param name="embeddingGenerator">The generator that embeds sentences.</param>
    /// <param name="options">The options; <see langword="null"/> for 512 tokens of <c>cl100k_base</c> and breaks at the 95th percentile.</param>
    /// <exception cref="ArgumentNullException"><paramref name="embeddingGenerator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The overlap is not less than the maximum.</exception>
    public SemanticChunker(IEmbeddingGenerator<string, Embedding<float>> embeddingGenerator, SemanticChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embeddingGenerator);
        options ??= new SemanticChunkerOptions();
        _embeddingGenerator = embeddingGenerator;
        Tokenizer = options.Validate(nameof(options));
        _maxTokens = options.MaxTokens;
        _percentile = options.BreakpointPercentile;
        _bufferSize = options.BufferSize;
        _batchSize = options.BatchSize;
    }

    /// <summary>Gets the tokenizer chunks are counted with.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Gets the maximum number of tokens of a chunk.</summary>
    public int MaxTokens => _maxTokens;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DocumentChunk>> ChunkAsync(Document document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();

        var engine = new ChunkingEngine(Tokenizer, document.Text, cancellationToken);
        List<TextPiece> pieces = SentenceChunker.SplitSentences(engine, _splitter, 0, document.Text.Length, _maxTokens);
        var collector = new ChunkCollector(document);
        if (pieces.Count == 0)
        {
            return collector.Chunks;
        }

        var windows = new string[pieces.Count];
        for (int i = 0; i < pieces.Count; i++)
        {
            int first = Math.Max(0, i - _bufferSize);
            int last = Math.Min(pieces.Count - 1, i + _bufferSize);
            windows[i] = document.Text[pieces[first].Start..pieces[last].End];
        }

        var vectors = new ReadOnlyMemory<float>[pieces.Count];
        for (int offset = 0; offset < windows.Length; offset += _batchSize)
        {
            int count = Math.Min(_batchSize, windows.Length - offset);
            GeneratedEmbeddings<Embedding<float>> embeddings = await _embeddingGenerator
                .GenerateAsync(new ArraySegment<string>(windows, offset, count), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (embeddings.Count != count)
            {
                throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {count} inputs.");
            }

            for (int k = 0; k < count; k++)
            {
                vectors[offset + k] = embeddings[k].Vector;
            }
        }

        var distances = new double[Math.Max(0, pieces.Count - 1)];
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] = 1 - Cosine(vectors[i].Span, vectors[i + 1].Span);
        }

        double threshold = distances.Length == 0 ? double.PositiveInfinity : Percentile(distances, _percentile);
        var group = new List<TextPiece>();
        var merged = new List<TextPiece>();
        for (int i = 0; i < pieces.Count; i++)
        {
            group.Add(pieces[i]);
            if (i == pieces.Count - 1 || distances[i] > threshold)
            {
                engine.Merge(group, _maxTokens, 0, merged);
                group.Clear();
            }
        }

        foreach (TextPiece piece in merged)
        {
            collector.Add(piece.Start, piece.End, piece.Tokens);
        }

        return collector.Chunks;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"The embedding generator returned vectors of different lengths ({a.Length} and {b.Length}).");
        }

        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>The percentile with linear interpolation between closest ranks (NumPy's default).</summary>
    internal static double Percentile(double[] values, double percentile)
    {
        double[] sorted = [.. values.Order()];
        double rank = percentile / 100 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
