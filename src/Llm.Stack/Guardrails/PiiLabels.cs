namespace Llm.Stack;

/// <summary>The names personal data is replaced by: a kind's label (<c>[EMAIL]</c>) and the stem of its numbered placeholders (<c>[EMAIL_1]</c>).</summary>
internal static class PiiLabels
{
    private static readonly string[] s_stems = ["EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "SECRET"];
    private static readonly string[] s_labels = [.. s_stems.Select(s => $"[{s}]")];
    private static readonly string[] s_tagValues = ["email", "phone", "payment_card", "iban", "us_ssn", "ip_address", "secret"];

    /// <summary>The number of <see cref="PiiKind"/> values.</summary>
    public const int KindCount = 7;

    /// <summary>The label that replaces an item of <paramref name="kind"/> for good: <c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, <c>[IBAN]</c>, <c>[SSN]</c>, <c>[IP]</c> or <c>[SECRET]</c>.</summary>
    public static string Label(PiiKind kind) => s_labels[(int)kind];

    /// <summary>The upper-case stem of the placeholders of <paramref name="kind"/>.</summary>
    public static string Stem(PiiKind kind) => s_stems[(int)kind];

    /// <summary>The value of <see cref="TelemetryTags.GuardrailKind"/> for <paramref name="kind"/>.</summary>
    public static string TagValue(PiiKind kind) => s_tagValues[(int)kind];
}
