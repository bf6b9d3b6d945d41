using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Tests.Chunking;

/// <summary>The chunkers' fast token counter must count exactly as the tokenizer does, on any text.</summary>
public sealed class SplitTokenCounterTests
{
    private const int Tests = 300;

    [Property(MaxTest = Tests)]
    public Property CountsAsTheCl100kTokenizer() => CountsAsTheTokenizer(ChunkingTokenizers.Cl100kBase);

    [Property(MaxTest = Tests)]
    public Property CountsAsTheO200kTokenizer() => CountsAsTheTokenizer(ChunkingTokenizers.O200kBase);

    [Property(MaxTest = Tests)]
    public Property FindsTheSameTokenLimitIndexAsTheCl100kTokenizer() => FindsTheSameIndex(ChunkingTokenizers.Cl100kBase);

    [Property(MaxTest = Tests)]
    public Property FindsTheSameTokenLimitIndexAsTheO200kTokenizer() => FindsTheSameIndex(ChunkingTokenizers.O200kBase);

    [Fact]
    public void SumsSplitsForTiktokenOnly()
    {
        Assert.True(SplitTokenCounter.For(ChunkingTokenizers.Cl100kBase).SumsSplits);
        Assert.Same(SplitTokenCounter.For(ChunkingTokenizers.Cl100kBase), SplitTokenCounter.For(ChunkingTokenizers.Cl100kBase));
    }

    [Fact]
    public void CountsASpecialTokenAsTheTokenizerDoes()
    {
        const string text = "before <|endoftext|> after";
        Assert.Equal(ChunkingTokenizers.Cl100kBase.CountTokens(text), SplitTokenCounter.For(ChunkingTokenizers.Cl100kBase).Count(text));
    }

    private static Property CountsAsTheTokenizer(Tokenizer tokenizer) =>
        Prop.ForAll(AdversarialText.Document.ToArbitrary(), text =>
        {
            SplitTokenCounter counter = SplitTokenCounter.For(tokenizer);

            // Twice: the second count is served from the cache.
            Assert.Equal(tokenizer.CountTokens(text), counter.Count(text));
            Assert.Equal(tokenizer.CountTokens(text), counter.Count(text));
        });

    private static Property FindsTheSameIndex(Tokenizer tokenizer) =>
        Prop.ForAll(AdversarialText.Document.ToArbitrary(), Gen.Choose(1, 80).ToArbitrary(), (text, max) =>
        {
            SplitTokenCounter counter = SplitTokenCounter.For(tokenizer);
            int expected = tokenizer.GetIndexByTokenCount(text, max, out _, out _, considerPreTokenization: true, considerNormalization: false);
            Assert.Equal(expected, counter.IndexByTokenCount(text, max));
        });
}
