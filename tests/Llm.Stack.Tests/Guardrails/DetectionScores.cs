using System.Globalization;
using System.Text;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>True positives, false positives and false negatives per label, with precision and recall.</summary>
internal sealed class DetectionScores
{
    private readonly SortedDictionary<string, (int Tp, int Fp, int Fn)> _counts = new(StringComparer.Ordinal);

    public List<string> Errors { get; } = [];

    public void Add(string label, int truePositives, int falsePositives, int falseNegatives)
    {
        (int tp, int fp, int fn) = _counts.GetValueOrDefault(label);
        _counts[label] = (tp + truePositives, fp + falsePositives, fn + falseNegatives);
    }

    public IEnumerable<string> Labels => _counts.Keys;

    public double Precision(string label)
    {
        (int tp, int fp, _) = _counts.GetValueOrDefault(label);
        return tp + fp == 0 ? 1 : (double)tp / (tp + fp);
    }

    public double Recall(string label)
    {
        (int tp, _, int fn) = _counts.GetValueOrDefault(label);
        return tp + fn == 0 ? 1 : (double)tp / (tp + fn);
    }

    public int Support(string label) => _counts.GetValueOrDefault(label) is var c ? c.Tp + c.Fn : 0;

    public string Report()
    {
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{"label",-14} {"tp",4} {"fp",4} {"fn",4} {"precision",9} {"recall",7}");
        foreach ((string label, (int tp, int fp, int fn)) in _counts)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"{label,-14} {tp,4} {fp,4} {fn,4} {Precision(label),9:0.000} {Recall(label),7:0.000}");
        }

        foreach (string error in Errors)
        {
            report.AppendLine(error);
        }

        return report.ToString();
    }
}
