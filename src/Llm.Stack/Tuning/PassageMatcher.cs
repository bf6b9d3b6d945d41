using System.Text;

namespace Llm.Stack;

/// <summary>
/// Finds the corpus passages a labelled passage refers to: equal after collapsing whitespace, or one containing the
/// other (a passage split into several chunks matches each chunk).
/// </summary>
internal sealed class PassageMatcher
{
    private const int MinimumContainedLength = 20;
    private readonly string[] _corpus;
    private readonly Dictionary<string, List<int>> _exact = new(StringComparer.Ordinal);

    public PassageMatcher(IReadOnlyList<string> corpus)
    {
        _corpus = new string[corpus.Count];
        for (int i = 0; i < corpus.Count; i++)
        {
            string text = Collapse(corpus[i] ?? string.Empty);
            _corpus[i] = text;
            if (!_exact.TryGetValue(text, out List<int>? list))
            {
                _exact[text] = list = [];
            }

            list.Add(i);
        }
    }

    public int[] Match(string? passage)
    {
        string text = Collapse(passage ?? string.Empty);
        if (text.Length == 0)
        {
            return [];
        }

        if (_exact.TryGetValue(text, out List<int>? exact))
        {
            return [.. exact];
        }

        var result = new List<int>();
        for (int i = 0; i < _corpus.Length; i++)
        {
            string chunk = _corpus[i];
            if (Math.Min(chunk.Length, text.Length) < MinimumContainedLength)
            {
                continue;
            }

            bool contains = chunk.Length <= text.Length
                ? text.Contains(chunk, StringComparison.Ordinal)
                : chunk.Contains(text, StringComparison.Ordinal);
            if (contains)
            {
                result.Add(i);
            }
        }

        return [.. result];
    }

    internal static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
