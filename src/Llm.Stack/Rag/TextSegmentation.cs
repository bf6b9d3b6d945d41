using System.Text;

namespace Llm.Stack;

/// <summary>Word and sentence splitting used by the extractive answerer, citation quotes, few-shot overlap and reranking heuristics.</summary>
internal static class TextSegmentation
{
    private static readonly SentenceSplitter Splitter = new();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "there",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "do", "does", "did", "has", "have",
        "had", "not", "no", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "i", "you",
        "he", "she", "we", "they", "them", "his", "her", "their", "our", "your", "my", "me", "us", "so", "than",
        "then", "into", "about", "also", "any", "all", "some", "such", "only", "more", "most", "other", "s",
    };

    /// <summary>Returns the lower-cased words of <paramref name="text"/> that are not stop words.</summary>
    public static List<string> ContentWords(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            int start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                string word = text.Substring(start, i - start).ToLowerInvariant();
                if (!StopWords.Contains(word))
                {
                    words.Add(Stem(word));
                }
            }
        }

        return words;
    }

    /// <summary>A very light suffix stripper so that "rivers" matches "river".</summary>
    private static string Stem(string word)
    {
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return string.Concat(word.AsSpan(0, word.Length - 3), "y");
        }

        if (word.Length > 3 && word[^1] == 's' && word[^2] != 's')
        {
            return word[..^1];
        }

        return word;
    }

    /// <summary>Splits <paramref name="text"/> into sentence ranges (start, length), trimmed of white space.</summary>
    /// <remarks>
    /// The text is first cut into blocks: a hard-wrapped paragraph is one block, so that a sentence broken across
    /// lines is kept whole; a Markdown heading, list item, table row, code fence or rule, a man-page section title,
    /// and a line broken on purpose (short enough that the next word would have fit) each end a block. The
    /// chunkers' sentence splitter then cuts each block, which treats a single line break as white space.
    /// </remarks>
    public static List<(int Start, int Length)> Sentences(string text)
    {
        var result = new List<(int, int)>();
        var spans = new List<(int Start, int End)>();
        int width = WrapWidth(text);
        int blockStart = -1;
        int previousStart = 0;
        int previousEnd = 0;
        int lineStart = 0;
        while (lineStart <= text.Length)
        {
            int newline = text.IndexOf('\n', lineStart);
            int lineEnd = newline < 0 ? text.Length : newline;
            if (IsBlank(text, lineStart, lineEnd))
            {
                Flush(text, blockStart, previousEnd, spans, result);
                blockStart = -1;
            }
            else
            {
                if (blockStart >= 0 && !Continues(text, previousStart, previousEnd, lineStart, lineEnd, width))
                {
                    Flush(text, blockStart, previousEnd, spans, result);
                    blockStart = -1;
                }

                if (blockStart < 0)
                {
                    blockStart = lineStart;
                }

                previousStart = lineStart;
                previousEnd = lineEnd;
            }

            if (newline < 0)
            {
                break;
            }

            lineStart = newline + 1;
        }

        Flush(text, blockStart, previousEnd, spans, result);
        return result;
    }

    /// <summary>
    /// Whether the sentence at [<paramref name="start"/>, +<paramref name="length"/>) of <paramref name="text"/> is a
    /// heading: a Markdown <c>#</c> heading, a man-page section title in capitals, or a line underlined by a rule.
    /// </summary>
    public static bool IsHeading(string text, int start, int length)
    {
        ReadOnlySpan<char> sentence = text.AsSpan(start, length);
        if (sentence.Contains('\n') || sentence.IsEmpty)
        {
            return false;
        }

        if (sentence[0] == '#' || (IsStandalone(sentence) && !IsRule(sentence) && sentence[0] is not ('|' or '`' or '~')))
        {
            return true;
        }

        int lineEnd = text.IndexOf('\n', start + length);
        if (lineEnd < 0 || !text.AsSpan(start + length, lineEnd - (start + length)).IsWhiteSpace())
        {
            return false;
        }

        int nextEnd = text.IndexOf('\n', lineEnd + 1);
        ReadOnlySpan<char> next = text.AsSpan(lineEnd + 1, (nextEnd < 0 ? text.Length : nextEnd) - (lineEnd + 1)).Trim();
        return next.Length > 0 && next[0] is '-' or '=' && IsRule(next);
    }

    /// <summary>Collapses every run of white space (line breaks and indentation of a hard-wrapped sentence) into one space.</summary>
    public static string Normalize(ReadOnlySpan<char> sentence)
    {
        var sb = new StringBuilder(sentence.Length);
        bool space = false;
        foreach (char c in sentence.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static void Flush(string text, int blockStart, int blockEnd, List<(int Start, int End)> spans, List<(int, int)> result)
    {
        if (blockStart < 0)
        {
            return;
        }

        spans.Clear();
        Splitter.Split(text, blockStart, blockEnd, spans);
        foreach ((int s, int e) in spans)
        {
            Add(result, text, s, e);
        }
    }

    /// <summary>Whether the line [nextStart, nextEnd) continues the block whose last line is [previousStart, previousEnd).</summary>
    private static bool Continues(string text, int previousStart, int previousEnd, int nextStart, int nextEnd, int width)
    {
        ReadOnlySpan<char> previous = text.AsSpan(previousStart, previousEnd - previousStart).TrimEnd();
        ReadOnlySpan<char> next = text.AsSpan(nextStart, nextEnd - nextStart).TrimEnd();
        if (IsStandalone(previous.TrimStart()) || StartsBlock(next.TrimStart()))
        {
            return false;
        }

        ReadOnlySpan<char> body = next.TrimStart();
        if (char.IsLower(body[0]) || previous[^1] is ',' or '-' or '(' or '/' or '&')
        {
            return true; // the sentence goes on
        }

        // A wrapped line is full: the next word did not fit on it. A line with room to spare for the next word was
        // broken on purpose (a title, a "key: value" line), unless it ends a sentence, which the splitter sees anyway.
        int firstWord = body.IndexOfAny(' ', '\t');
        firstWord = firstWord < 0 ? body.Length : firstWord;
        bool room = previous.Length + 1 + firstWord <= width - (width / 8);
        return !room || previous[^1] is '.' or '!' or '?';
    }

    /// <summary>A line that is a unit of its own: a heading, a table row, a code fence or rule, a man-page section title.</summary>
    private static bool IsStandalone(ReadOnlySpan<char> line)
    {
        if (line[0] is '#' or '|' || IsRule(line) || line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("~~~", StringComparison.Ordinal))
        {
            return true;
        }

        // "DESCRIPTION", "SEE ALSO": an upper-case title line.
        int letters = 0;
        foreach (char c in line)
        {
            if (char.IsUpper(c))
            {
                letters++;
            }
            else if (c is not (' ' or '-' or '_'))
            {
                return false;
            }
        }

        return letters >= 2;
    }

    /// <summary>A line that starts a new block: a standalone line, a list item, a setext underline.</summary>
    private static bool StartsBlock(ReadOnlySpan<char> line)
    {
        if (IsStandalone(line))
        {
            return true;
        }

        if (line.Length >= 2 && line[0] is '-' or '*' or '+' or '•' && line[1] is ' ' or '\t')
        {
            return true;
        }

        int digits = 0;
        while (digits < line.Length && digits < 4 && char.IsAsciiDigit(line[digits]))
        {
            digits++;
        }

        return digits > 0 && digits + 1 < line.Length && line[digits] is '.' or ')' && line[digits + 1] is ' ' or '\t';
    }

    /// <summary>A thematic break or setext underline: three or more of one of <c>-</c>, <c>=</c>, <c>*</c>, <c>_</c> and nothing else.</summary>
    private static bool IsRule(ReadOnlySpan<char> line)
    {
        if (line.Length < 3 || line[0] is not ('-' or '=' or '*' or '_'))
        {
            return false;
        }

        char c = line[0];
        int count = 0;
        foreach (char x in line)
        {
            if (x == c)
            {
                count++;
            }
            else if (x is not ' ' and not '\t')
            {
                return false;
            }
        }

        return count >= 3;
    }

    private static bool IsBlank(string text, int start, int end)
    {
        return text.AsSpan(start, end - start).IsWhiteSpace();
    }

    /// <summary>
    /// The column a hard-wrapped text is wrapped at, estimated low (the 90th percentile of its line lengths, at least
    /// 40) so that a long line (a URL) does not make the wrapped lines look short.
    /// </summary>
    private static int WrapWidth(string text)
    {
        var lengths = new List<int>();
        foreach (ReadOnlySpan<char> line in text.AsSpan().EnumerateLines())
        {
            ReadOnlySpan<char> trimmed = line.TrimEnd();
            if (trimmed.Length > 0)
            {
                lengths.Add(trimmed.Length);
            }
        }

        if (lengths.Count == 0)
        {
            return 0;
        }

        lengths.Sort();
        return Math.Max(40, lengths[(int)((lengths.Count - 1) * 0.9)]);
    }

    private static void Add(List<(int, int)> result, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            result.Add((start, end - start));
        }
    }

    /// <summary>The fraction of <paramref name="query"/>'s distinct words found in <paramref name="candidate"/>, weighted by <paramref name="weights"/> when given.</summary>
    public static double Overlap(HashSet<string> query, List<string> candidate, Func<string, double>? weights = null)
    {
        if (query.Count == 0 || candidate.Count == 0)
        {
            return 0;
        }

        double total = 0;
        double hit = 0;
        var seen = new HashSet<string>(candidate, StringComparer.Ordinal);
        foreach (string word in query)
        {
            double w = weights?.Invoke(word) ?? 1.0;
            total += w;
            if (seen.Contains(word))
            {
                hit += w;
            }
        }

        return total == 0 ? 0 : hit / total;
    }
}
