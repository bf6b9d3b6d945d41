using Xunit.Abstractions;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// Precision and recall of <see cref="PromptInjectionDetector"/> at its default threshold on the labelled set in
/// <c>Data/injection-labelled.txt</c>: injections in English, German, French, Spanish and Polish (direct, hidden in
/// mails, tickets and web pages, spoofed delimiters, invisible characters, base64/hex/URL-encoded payloads) and benign
/// texts that use the same words in their ordinary meanings.
/// </summary>
/// <remarks>
/// Thresholds: precision ≥ 0.90, because the default action on an input injection blocks the call and a false alarm
/// refuses a legitimate user; recall ≥ 0.85, because the detector is one layer among several (sources are wrapped as
/// untrusted data, tools need their own permissions) and phrasing it does not know will always get through. Precision
/// and recall are also printed per language. Per language (English, German, French, Spanish,
/// Polish), where the set holds four to a few dozen texts each, a single miss or false alarm moves the figure by up to
/// a quarter, so each language is held at 0.75 for both: the detector must not work for English alone. The set was
/// written with the detector, so these figures are an upper bound for unseen text.
/// </remarks>
public sealed class PromptInjectionLabelledSetTests(ITestOutputHelper output)
{
    private const double MinimumPrecision = 0.90;
    private const double MinimumRecall = 0.85;
    private const double MinimumLanguageRecall = 0.75;
    private const double MinimumLanguagePrecision = 0.75;

    [Fact]
    public void PrecisionAndRecallStayAboveTheThresholds()
    {
        IReadOnlyList<LabelledText> documents = LabelledText.Load("injection-labelled.txt", "=== ");
        var scores = new DetectionScores();
        var byLanguage = new DetectionScores();
        foreach (LabelledText document in documents)
        {
            bool expected = document.Name.EndsWith("| injection", StringComparison.Ordinal);
            Assert.True(expected || document.Name.EndsWith("| benign", StringComparison.Ordinal), $"'{document.Name}' has no label.");
            InjectionAssessment assessment = PromptInjectionDetector.Default.Assess(document.Text);
            bool found = assessment.IsInjection;
            scores.Add("injection", found && expected ? 1 : 0, found && !expected ? 1 : 0, !found && expected ? 1 : 0);
            string language = document.Name[..2] is "de" or "fr" or "es" or "pl" ? document.Name[..2] : "en";
            byLanguage.Add(language, found && expected ? 1 : 0, found && !expected ? 1 : 0, !found && expected ? 1 : 0);
            if (found != expected)
            {
                scores.Errors.Add($"  {(found ? "false alarm" : "missed")}: '{document.Name}' score {assessment.Score:0.00} [{string.Join(", ", assessment.Signals.Select(s => $"{s.Kind} {s.Weight}"))}]");
            }
        }

        output.WriteLine($"PromptInjectionDetector (threshold {PromptInjectionDetector.Default.Threshold}) on {documents.Count} texts:");
        output.WriteLine(scores.Report());
        output.WriteLine("By language:");
        output.WriteLine(byLanguage.Report());
        Assert.True(scores.Support("injection") >= 30, "The set needs at least 30 injections.");
        Assert.True(scores.Precision("injection") >= MinimumPrecision, $"precision {scores.Precision("injection"):0.000} < {MinimumPrecision}\n{scores.Report()}");
        Assert.True(scores.Recall("injection") >= MinimumRecall, $"recall {scores.Recall("injection"):0.000} < {MinimumRecall}\n{scores.Report()}");

        // Each of the five languages on its own: at least four injections, and no more than one in four missed.
        foreach (string language in (string[])["en", "de", "fr", "es", "pl"])
        {
            Assert.True(byLanguage.Support(language) >= 4, $"{language}: {byLanguage.Support(language)} injections; the set needs at least 4 per language.");
            Assert.True(byLanguage.Recall(language) >= MinimumLanguageRecall, $"{language}: recall {byLanguage.Recall(language):0.000} < {MinimumLanguageRecall}\n{byLanguage.Report()}");
            Assert.True(byLanguage.Precision(language) >= MinimumLanguagePrecision, $"{language}: precision {byLanguage.Precision(language):0.000} < {MinimumLanguagePrecision}\n{byLanguage.Report()}");
        }
    }
}
