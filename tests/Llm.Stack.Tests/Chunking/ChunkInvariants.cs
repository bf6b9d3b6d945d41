using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Tests.Chunking;

/// <summary>The invariants every chunker promises, checked on one document's chunks.</summary>
internal static class ChunkInvariants
{
    /// <param name="exactText">Whether each chunk's text is exactly the document text in its range (no prefix).</param>
    /// <param name="overlapAllowed">Whether neighbouring chunks may share characters.</param>
    public static void Check(Document document, IReadOnlyList<DocumentChunk> chunks, Tokenizer tokenizer, int maxTokens, bool exactText = true, bool overlapAllowed = false)
    {
        string text = document.Text;
        if (string.IsNullOrWhiteSpace(text))
        {
            Assert.Empty(chunks);
            return;
        }

        Assert.NotEmpty(chunks);
        var covered = new bool[text.Length];
        int previousStart = -1;
        int previousEnd = -1;
        for (int k = 0; k < chunks.Count; k++)
        {
            DocumentChunk chunk = chunks[k];
            Assert.Equal(document.Id, chunk.DocumentId);
            Assert.Equal(k, chunk.Ordinal);
            Assert.InRange(chunk.Start, 0, text.Length);
            Assert.InRange(chunk.Length, 1, text.Length - chunk.Start);
            string slice = text.Substring(chunk.Start, chunk.Length);
            if (exactText)
            {
                Assert.Equal(slice, chunk.Text);
            }
            else
            {
                Assert.EndsWith(slice.Length > 0 ? slice[^Math.Min(slice.Length, 1)..] : string.Empty, chunk.Text, StringComparison.Ordinal);
            }

            Assert.False(string.IsNullOrWhiteSpace(chunk.Text), $"chunk {k} is only white space");
            Assert.False(char.IsLowSurrogate(text[chunk.Start]), $"chunk {k} starts inside a surrogate pair");
            Assert.False(char.IsHighSurrogate(text[chunk.Start + chunk.Length - 1]), $"chunk {k} ends inside a surrogate pair");

            int tokens = tokenizer.CountTokens(chunk.Text);
            Assert.True(tokens <= maxTokens, $"chunk {k} has {tokens} tokens, more than {maxTokens}: \"{chunk.Text}\"");
            Assert.Equal(tokens, chunk.TokenCount);

            Assert.True(chunk.Start > previousStart, $"chunk {k} does not start after chunk {k - 1}");
            Assert.True(chunk.Start + chunk.Length > previousEnd, $"chunk {k} does not end after chunk {k - 1}");
            if (!overlapAllowed)
            {
                Assert.True(chunk.Start >= previousEnd, $"chunk {k} overlaps chunk {k - 1}");
            }

            previousStart = chunk.Start;
            previousEnd = chunk.Start + chunk.Length;
            for (int i = chunk.Start; i < chunk.Start + chunk.Length; i++)
            {
                covered[i] = true;
            }
        }

        for (int i = 0; i < text.Length; i++)
        {
            Assert.True(covered[i] || char.IsWhiteSpace(text[i]), $"character {i} ('{text[i]}') is in no chunk");
        }
    }
}
