using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Splits text into windows of at most <see cref="TextChunkerOptions.MaxTokens"/> tokens, each next window repeating
/// the last <see cref="TextChunkerOptions.OverlapTokens"/> tokens of the previous one. Boundaries fall on token
/// boundaries of any <see cref="Microsoft.ML.Tokenizers.Tokenizer"/> and are mapped back to exact character ranges.
/// </summary>
/// <remarks>
/// Every chunk is counted again by the tokenizer after it is cut, so that no chunk exceeds the limit even where a
/// tokenizer splits differently at the edge of a range. White space at the ends of a chunk is left out of it;
/// a chunk never splits a surrogate pair. The chunker is immutable and safe to use from several threads.
/// </remarks>
public sealed class TokenChunker : ITextChunker
{
    private readonly int _maxTokens;
    private readonly int _overlapTokens;

    /// <summary>Initializes a new instance of the <see cref="TokenChunker"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for 512 tokens of <c>cl100k_base</c> with no overlap.</param>
    /// <exception cref="ArgumentException">The overlap is not less than the maximum.</exception>
    public TokenChunker(TokenChunkerOptions? options = null)
    {
        options ??= new TokenChunkerOptions();
        Tokenizer = options.Validate(nameof(options));
        _maxTokens = options.MaxTokens;
        _overlapTokens = options.OverlapTokens;
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
        engine.SplitByTokens(0, document.Text.Length, _maxTokens, _overlapTokens, pieces);

        var collector = new ChunkCollector(document);
        foreach (TextPiece piece in pieces)
        {
            collector.Add(piece.Start, piece.End, piece.Tokens);
        }

        return new ValueTask<IReadOnlyList<DocumentChunk>>(collector.Chunks);
    }
}
