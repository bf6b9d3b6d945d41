using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Llm.Stack.Tests.Ingestion;

namespace Llm.Stack.Tests.Chunking;

/// <summary>The chunk invariants for the structure and semantic chunkers.</summary>
public sealed class StructureAndSemanticPropertyTests
{
    [Property(MaxTest = 150)]
    public Property StructureChunkerKeepsTheInvariants() =>
        Prop.ForAll(StructuredText.Cases, c =>
        {
            var chunker = new StructureChunker(new StructureChunkerOptions { MaxTokens = c.Max, IncludeHeadingPrefix = c.Prefix });
            IReadOnlyList<DocumentChunk> chunks = chunker.ChunkAsync(c.Document).AsTask().GetAwaiter().GetResult();
            ChunkInvariants.Check(c.Document, chunks, chunker.Tokenizer, c.Max, exactText: false);
            var collector = new ChunkCollector(c.Document);
            foreach (DocumentChunk chunk in chunks)
            {
                Assert.Equal(c.Document.Text.Substring(chunk.Start, chunk.Length), chunk.Text[^chunk.Length..]);
                Assert.Equal(collector.Locate(chunk.Start).Page, chunk.PageNumber);
                if (chunk.SectionPath.Count > 0)
                {
                    Assert.Equal(string.Join(" > ", chunk.SectionPath), chunk.Metadata["section"]);
                }
            }

            // No chunk crosses a heading: a heading's text only ever starts a chunk.
            foreach (DocumentElement heading in c.Document.Elements.Where(e => e.Kind == DocumentElementKind.Heading))
            {
                Assert.DoesNotContain(chunks, ch => ch.Start < heading.Start && ch.Start + ch.Length > heading.Start);
            }
        });

    [Property(MaxTest = 100)]
    public Property SemanticChunkerKeepsTheInvariants() =>
        Prop.ForAll(AdversarialText.Cases, c =>
        {
            var chunker = new SemanticChunker(new HashEmbeddingGenerator(32), new SemanticChunkerOptions { MaxTokens = c.Max, BreakpointPercentile = 80 });
            ChunkerPropertyTests.Check(chunker, chunker.Tokenizer, c.Text, c.Max, overlap: false);
        });
}
