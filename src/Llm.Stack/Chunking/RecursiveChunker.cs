using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Splits text at the coarsest separator that makes the pieces fit (paragraph, then line, then sentence, then word,
/// then token boundaries), and merges neighbouring pieces up to <see cref="TextChunkerOptions.MaxTokens"/> tokens,
/// counted by the tokenizer (not in words).
/// </summary>
/// <remarks>
/// Each merged chunk is counted again exactly, so that no chunk exceeds the limit. Overlap, when configured,
/// repeats whole trailing pieces worth at most <see cref="TextChunkerOptions.OverlapTokens"/> tokens. White space at
/// the ends of a chunk is left out of it. The chunker is immutable and safe to use from several threads.
/// </remarks>
public sealed class RecursiveChunker : ITextChunker
{
    private readonly int _maxTokens;
    private readonly int _overlapTokens;
    private readonly string[] _separators;

    /// <summary>Initializes a new instance of the <see cref="RecursiveChunker"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for 512 tokens of <c>cl100k_base</c> with no overlap.</param>
    /// <exception cref="ArgumentException">The overlap is not less than the maximum.</exception>
    public RecursiveChunker(RecursiveChunkerOptions? options = null)
    {
        options ??= new RecursiveChunkerOptions();
        Tokenizer = options.Validate(nameof(options));
        _maxTokens = options.MaxTokens;
        _overlapTokens = options.OverlapTokens;
        _separators = [.. options.Separators];
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
        var pieces = new List<TextPiece>();
        engine.SplitRecursive(0, document.Text.Length, _separators, 0, _maxTokens, pieces);
        var merged = new List<TextPiece>();
        engine.Merge(pieces, _maxTokens, _overlapTokens, merged);

        var collector = new ChunkCollector(document);
        foreach (TextPiece piece in merged)
        {
            collector.Add(piece.Start, piece.End, piece.Tokens);
        }

        return new ValueTask<IReadOnlyList<DocumentChunk>>(collector.Chunks);
    }
}
