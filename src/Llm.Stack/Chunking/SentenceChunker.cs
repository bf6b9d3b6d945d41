using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Splits text into sentences (abbreviation-, initial-, acronym- and decimal-aware) and packs whole sentences into
/// chunks of at most <see cref="TextChunkerOptions.MaxTokens"/> tokens. A sentence longer than the limit is split
/// at words, then at token boundaries.
/// </summary>
/// <remarks>
/// Each chunk is counted again exactly, so that no chunk exceeds the limit. Overlap, when configured, repeats
/// whole trailing sentences worth at most <see cref="TextChunkerOptions.OverlapTokens"/> tokens. The chunker is
/// immutable and safe to use from several threads.
/// </remarks>
public sealed class SentenceChunker : ITextChunker
{
    private static readonly string[] _wordSeparators = [" "];
    private readonly int _maxTokens;
    private readonly int _overlapTokens;
    private readonly SentenceSplitter _splitter;

    /// <summary>Initializes a new instance of the <see cref="SentenceChunker"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for 512 tokens of <c>cl100k_base</c> with no overlap.</param>
    /// <exception cref="ArgumentException">The overlap is not less than the maximum.</exception>
    public SentenceChunker(SentenceChunkerOptions? options = null)
    {
        options ??= new SentenceChunkerOptions();
        Tokenizer = options.Validate(nameof(options));
        _maxTokens = options.MaxTokens;
        _overlapTokens = options.OverlapTokens;
        _splitter = new SentenceSplitter(options.Abbreviations);
    }

    /// <summary>Gets the tokenizer chunks are counted with.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Gets the maximum number of tokens of a chunk.</summary>
    public int MaxTokens => _maxTokens;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DocumentChunk>> ChunkAsync(Document document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();

        var engine = new ChunkingEngine(Tokenizer, document.Text, cancellationToken);
        List<TextPiece> pieces = SplitSentences(engine, _splitter, 0, document.Text.Length, _maxTokens);
        var merged = new List<TextPiece>();
        engine.Merge(pieces, _maxTokens, _overlapTokens, merged);

        var collector = new ChunkCollector(document);
        foreach (TextPiece piece in merged)
        {
            collector.Add(piece.Start, piece.End, piece.Tokens);
        }

        return new ValueTask<IReadOnlyList<DocumentChunk>>(collector.Chunks);
    }

    /// <summary>Splits [start, end) into sentence pieces of at most <paramref name="max"/> tokens (longer sentences split at words, then tokens).</summary>
    internal static List<TextPiece> SplitSentences(ChunkingEngine engine, SentenceSplitter splitter, int start, int end, int max)
    {
        var sentences = new List<(int Start, int End)>();
        splitter.Split(engine.Text, start, end, sentences);
        var pieces = new List<TextPiece>(sentences.Count);
        foreach ((int s, int e) in sentences)
        {
            engine.SplitRecursive(s, e, _wordSeparators, 0, max, pieces);
        }

        return pieces;
    }
}
