using Xunit.Abstractions;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// Precision and recall of <see cref="RefusalDetector"/> on the labelled set in <c>Data/refusal-labelled.txt</c>:
/// refusals in English, German, French, Spanish and Polish, and answers that use the same words (look-alikes, partial
/// refusals that go on to answer, quoted refusals).
/// </summary>
/// <remarks>
/// Thresholds: precision ≥ 0.95, because a false refusal on structured output fails a call that had an answer; recall
/// ≥ 0.90, because a missed refusal on structured output still fails validation (and is repaired or reported as
/// invalid output), so a miss costs a round trip, not a wrong answer. The set was written with the detector, so
/// these figures are an upper bound for unseen text.
/// </remarks>
public sealed class RefusalLabelledSetTests(ITestOutputHelper output)
{
    private const double MinimumPrecision = 0.95;
    private const double MinimumRecall = 0.90;

    [Fact]
    public void Precision_and_recall_stay_above_the_thresholds()
    {
        IReadOnlyList<LabelledText> documents = LabelledText.Load("refusal-labelled.txt", "=== ");
        var scores = new DetectionScores();
        foreach (LabelledText document in documents)
        {
            bool expected = document.Name.EndsWith("| refusal", StringComparison.Ordinal);
            Assert.True(expected || document.Name.EndsWith("| answer", StringComparison.Ordinal), $"'{document.Name}' has no label.");
            bool found = RefusalDetector.Default.IsRefusal(document.Text);
            scores.Add("refusal", found && expected ? 1 : 0, found && !expected ? 1 : 0, !found && expected ? 1 : 0);
            if (found != expected)
            {
                scores.Errors.Add($"  {(found ? "false alarm" : "missed")}: '{document.Name}'");
            }
        }

        output.WriteLine($"RefusalDetector on {documents.Count} answers:");
        output.WriteLine(scores.Report());
        Assert.True(scores.Support("refusal") >= 25, "The set needs at least 25 refusals.");
        Assert.True(documents.Count - scores.Support("refusal") >= 20, "The set needs at least 20 answers.");
        Assert.True(scores.Precision("refusal") >= MinimumPrecision, $"precision {scores.Precision("refusal"):0.000} < {MinimumPrecision}\n{scores.Report()}");
        Assert.True(scores.Recall("refusal") >= MinimumRecall, $"recall {scores.Recall("refusal"):0.000} < {MinimumRecall}\n{scores.Report()}");
    }

    [Fact]
    public void Only_the_head_of_a_long_answer_is_read_and_added_phrases_count()
    {
        string longAnswer = new string('x', 10) + ". " + string.Concat(Enumerable.Repeat("The index is rebuilt. ", 50_000)) + "I can't help with that.";
        Assert.False(RefusalDetector.Default.IsRefusal(longAnswer));

        var custom = new RefusalDetector(["Unfortunately, our policy"]);
        Assert.True(custom.IsRefusal("Unfortunately, our policy does not allow refunds after 30 days."));
        Assert.False(RefusalDetector.Default.IsRefusal("Unfortunately, our policy does not allow refunds after 30 days."));
        Assert.Throws<ArgumentException>("additionalPhrases", () => new RefusalDetector([" "]));
        Assert.Throws<ArgumentNullException>("text", () => RefusalDetector.Default.IsRefusal(null!));
    }
}
