using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Tests.Chunking;

/// <summary>The invariants of every chunker over random and adversarial text, with FsCheck.</summary>
public sealed class ChunkerPropertyTests
{
    private const int Tests = 150;

    [Property(MaxTest = Tests)]
    public Property TokenChunkerKeepsTheInvariants() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new TokenChunker(new TokenChunkerOptions { MaxTokens = c.Max, OverlapTokens = c.Overlap });
            Check(chunker, chunker.Tokenizer, c.Text, c.Max, c.Overlap > 0);
        });

    [Property(MaxTest = Tests)]
    public Property TokenChunkerKeepsTheInvariantsWithO200k() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new TokenChunker(new TokenChunkerOptions { Tokenizer = ChunkingTokenizers.O200kBase, MaxTokens = c.Max, OverlapTokens = c.Overlap });
            Check(chunker, ChunkingTokenizers.O200kBase, c.Text, c.Max, c.Overlap > 0);
        });

    [Property(MaxTest = Tests)]
    public Property RecursiveChunkerKeepsTheInvariants() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = c.Max, OverlapTokens = c.Overlap });
            Check(chunker, chunker.Tokenizer, c.Text, c.Max, c.Overlap > 0);
        });

    [Property(MaxTest = Tests)]
    public Property SentenceChunkerKeepsTheInvariants() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new SentenceChunker(new SentenceChunkerOptions { MaxTokens = c.Max, OverlapTokens = c.Overlap });
            Check(chunker, chunker.Tokenizer, c.Text, c.Max, c.Overlap > 0);
        });

    [Property(MaxTest = 20)]
    public Property TokenChunkerKeepsTheInvariantsOnLongText() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            // Over 40,000 characters: the token chunker pre-tokenizes long text block by block (16 K characters each).
            var text = new System.Text.StringBuilder();
            while (text.Length < 40_000)
            {
                text.Append(c.Text).Append(text.Length % 3 == 0 ? "\n\n" : " Plain words between the cases. ");
            }

            int max = c.Max * 8;
            var chunker = new TokenChunker(new TokenChunkerOptions { MaxTokens = max, OverlapTokens = c.Overlap });
            Check(chunker, chunker.Tokenizer, text.ToString(), max, c.Overlap > 0);
        });

    [Property(MaxTest = 50)]
    public Property TokenChunkerWithoutOverlapReproducesTheTextAtWhiteSpace() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new TokenChunker(new TokenChunkerOptions { MaxTokens = c.Max });
            IReadOnlyList<DocumentChunk> chunks = chunker.ChunkAsync(new Document("d", c.Text)).AsTask().GetAwaiter().GetResult();
            string squeezed = string.Concat(c.Text.Where(ch => !char.IsWhiteSpace(ch)));
            string rebuilt = string.Concat(chunks.SelectMany(ch => ch.Text).Where(ch => !char.IsWhiteSpace(ch)));
            Assert.Equal(squeezed, rebuilt);
        });

    internal static void Check(ITextChunker chunker, Tokenizer tokenizer, string text, int max, bool overlap)
    {
        var document = new Document("doc-1", text);
        IReadOnlyList<DocumentChunk> chunks = chunker.ChunkAsync(document).AsTask().GetAwaiter().GetResult();
        ChunkInvariants.Check(document, chunks, tokenizer, max, overlapAllowed: overlap);
    }
}
