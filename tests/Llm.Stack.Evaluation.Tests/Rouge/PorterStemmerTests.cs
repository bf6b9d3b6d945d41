using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class PorterStemmerTests
{
    [Fact]
    public void Stems_equal_NLTK_3_8_PorterStemmer_for_every_word_of_the_reference_list()
    {
        // TestData/porter_stems.tsv was produced by Debian's python3-nltk 3.8 (see TestData/README.md).
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "porter_stems.tsv"));
        Assert.True(lines.Length > 1500);

        var mismatches = new List<string>();
        foreach (var line in lines)
        {
            var parts = line.Split('\t');
            var actual = PorterStemmer.Stem(parts[0]);
            if (actual != parts[1])
            {
                mismatches.Add($"{parts[0]}: expected {parts[1]}, got {actual}");
            }
        }

        Assert.Empty(mismatches);
    }

    [Theory]
    // Examples from Porter's paper as quoted in NLTK's porter.py docstrings (NLTK mode where it differs).
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "tie")]
    [InlineData("motoring", "motor")]
    [InlineData("hopping", "hop")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("enjoy", "enjoy")]
    [InlineData("dying", "die")]
    [InlineData("relational", "relat")]
    public void Known_stems(string word, string stem)
    {
        Assert.Equal(stem, PorterStemmer.Stem(word));
    }
}
