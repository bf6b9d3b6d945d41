using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Exact match and token F1 of an answer against reference answers, with the answer normalization of the SQuAD
/// evaluation script: lower-case, remove punctuation, remove the articles <c>a</c>, <c>an</c>, <c>the</c>, and
/// collapse white space. With several references the best score is taken.
/// </summary>
/// <remarks>The type is stateless and safe to use concurrently from several threads.</remarks>
public static class AnswerMetrics
{
    /// <summary>Normalizes an answer as the SQuAD evaluation script does.</summary>
    /// <param name="text">The answer.</param>
    /// <returns>The normalized answer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join(' ', Tokens(text));
    }

    /// <summary>Returns 1 when the normalized answer equals a normalized reference, otherwise 0.</summary>
    /// <param name="answer">The answer.</param>
    /// <param name="references">The reference answers.</param>
    /// <returns>1 or 0.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static double ExactMatch(string answer, IEnumerable<string> references)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(references);
        var normalized = Normalize(answer);
        return references.Any(r => string.Equals(Normalize(r), normalized, StringComparison.Ordinal)) ? 1.0 : 0.0;
    }

    /// <summary>Returns the best token-level F1 of the answer against the references (bag-of-tokens overlap).</summary>
    /// <param name="answer">The answer.</param>
    /// <param name="references">The reference answers.</param>
    /// <returns>The F1, from 0 to 1; 1 when both normalize to nothing, 0 when only one does.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static double TokenF1(string answer, IEnumerable<string> references)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(references);
        var answerTokens = Tokens(answer);
        var best = 0.0;
        foreach (var reference in references)
        {
            best = Math.Max(best, F1(answerTokens, Tokens(reference)));
        }

        return best;
    }

    private static double F1(List<string> prediction, List<string> truth)
    {
        if (prediction.Count == 0 || truth.Count == 0)
        {
            return prediction.Count == truth.Count ? 1.0 : 0.0;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in truth)
        {
            counts[t] = counts.GetValueOrDefault(t) + 1;
        }

        var common = 0;
        foreach (var p in prediction)
        {
            if (counts.TryGetValue(p, out var c) && c > 0)
            {
                common++;
                counts[p] = c - 1;
            }
        }

        if (common == 0)
        {
            return 0.0;
        }

        var precision = (double)common / prediction.Count;
        var recall = (double)common / truth.Count;
        return 2 * precision * recall / (precision + recall);
    }

    private static List<string> Tokens(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            // SQuAD removes string.punctuation (ASCII); Unicode punctuation is removed too, as it never carries the answer.
            if (!char.IsPunctuation(c) && !char.IsSymbol(c))
            {
                builder.Append(c);
            }
        }

        var tokens = new List<string>();
        PythonText.SplitWhiteSpace(builder.ToString(), tokens);
        tokens.RemoveAll(t => t is "a" or "an" or "the");
        return tokens;
    }
}
