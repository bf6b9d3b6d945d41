using System.Text.RegularExpressions;

namespace Llm.Stack;

/// <summary>
/// Replaces every match of a set of patterns by a label such as <c>[EMAIL]</c>: the hook for PII redaction (with
/// the default patterns) and for boilerplate removal (with patterns that match headers, footers, banners, and an
/// empty replacement).
/// </summary>
/// <remarks>
/// Patterns are applied in order; a later pattern does not see text an earlier one replaced. Element ranges move
/// with the text. Immutable and safe to use from several threads. <see cref="CreatePiiRedaction"/> finds personal
/// data with <see cref="PiiDetector"/> (validated, not only pattern-matched) instead of patterns.
/// </remarks>
public sealed class RegexRedactionTransform : IDocumentTransform
{
    private readonly (Regex Pattern, string Replacement)[] _rules;
    private readonly PiiDetector? _detector;

    /// <summary>Initializes a new instance of the <see cref="RegexRedactionTransform"/> class.</summary>
    /// <param name="rules">The patterns and what replaces each match (an empty string removes it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/>, a pattern or a replacement is <see langword="null"/>.</exception>
    public RegexRedactionTransform(IEnumerable<KeyValuePair<Regex, string>> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules.Select(r => (r.Key ?? throw new ArgumentNullException(nameof(rules), "A pattern is null."), r.Value ?? throw new ArgumentNullException(nameof(rules), "A replacement is null.")))];
    }

    private RegexRedactionTransform(PiiDetector detector)
    {
        _rules = [];
        _detector = detector;
    }

    /// <summary>
    /// Creates a transform that redacts what <see cref="PiiDetector.Default"/> finds: e-mail addresses, phone numbers,
    /// payment card numbers, IBANs, US social security numbers, IP addresses and secrets.
    /// </summary>
    /// <returns>
    /// A transform replacing them by <c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, <c>[IBAN]</c>, <c>[SSN]</c>,
    /// <c>[IP]</c> and <c>[SECRET]</c>.
    /// </returns>
    public static RegexRedactionTransform CreatePiiRedaction() => new(PiiDetector.Default);

    /// <summary>Creates a transform that removes whole lines matching any of <paramref name="linePatterns"/> (page footers, banners …).</summary>
    /// <param name="linePatterns">Patterns matched against each line without its line break, such as <c>^Page \d+ of \d+$</c>.</param>
    /// <returns>A transform removing the matching lines and their line breaks.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="linePatterns"/> is <see langword="null"/>.</exception>
    public static RegexRedactionTransform CreateBoilerplateRemoval(params IEnumerable<string> linePatterns)
    {
        ArgumentNullException.ThrowIfNull(linePatterns);
        return new(linePatterns.Select(p => new KeyValuePair<Regex, string>(
            new Regex("(?m)^(?:" + p.TrimStart('^').TrimEnd('$') + @")[ \t]*\r?(?:\n|\z)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), string.Empty)));
    }

    /// <inheritdoc />
    public ValueTask<Document?> TransformAsync(Document document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Document current = document;
        if (_detector is not null)
        {
            IReadOnlyList<PiiMatch> matches = _detector.Detect(current.Text);
            if (matches.Count > 0)
            {
                current = DocumentRewriter.Apply(current, [.. matches.Select(m => new TextEdit(m.Start, m.Length, PiiLabels.Label(m.Kind)))]);
            }
        }

        foreach ((Regex pattern, string replacement) in _rules)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var edits = new List<TextEdit>();
            string text = current.Text;
            foreach (Match match in pattern.Matches(text))
            {
                if (match.Length > 0)
                {
                    edits.Add(new TextEdit(match.Index, match.Length, replacement));
                }
            }

            current = DocumentRewriter.Apply(current, edits);
        }

        return new ValueTask<Document?>(current);
    }
}
