using System.Text.RegularExpressions;

namespace Llm.Stack;

/// <summary>
/// Replaces every match of a set of patterns by a label such as <c>[EMAIL]</c>: the hook for PII redaction (with
/// the default patterns) and for boilerplate removal (with patterns that match headers, footers, banners, and an
/// empty replacement).
/// </summary>
/// <remarks>
/// Patterns are applied in order; a later pattern does not see text an earlier one replaced. Element ranges move
/// with the text. Immutable and safe to use from several threads. For PII detection beyond regular expressions,
/// implement <see cref="IDocumentTransform"/> over a dedicated service.
/// </remarks>
public sealed class RegexRedactionTransform : IDocumentTransform
{
    private readonly (Regex Pattern, string Replacement)[] _rules;

    /// <summary>Initializes a new instance of the <see cref="RegexRedactionTransform"/> class.</summary>
    /// <param name="rules">The patterns and what replaces each match (an empty string removes it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/>, a pattern or a replacement is <see langword="null"/>.</exception>
    public RegexRedactionTransform(IEnumerable<KeyValuePair<Regex, string>> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules.Select(r => (r.Key ?? throw new ArgumentNullException(nameof(rules), "A pattern is null."), r.Value ?? throw new ArgumentNullException(nameof(rules), "A replacement is null.")))];
    }

    /// <summary>Creates a transform that redacts e-mail addresses, phone numbers, payment card numbers and IBANs.</summary>
    /// <returns>A transform replacing them by <c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c> and <c>[IBAN]</c>.</returns>
    public static RegexRedactionTransform CreatePiiRedaction() => new(
    [
        new(new Regex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), "[EMAIL]"),
        new(new Regex(@"\b(?:\d[ -]?){13,16}\b", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), "[CARD]"),
        new(new Regex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), "[IBAN]"),
        new(new Regex(@"(?<![\w.])\+?\d{1,3}?[ .-]?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,4}(?![\w.])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), "[PHONE]"),
    ]);

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
