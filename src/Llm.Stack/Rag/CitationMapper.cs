using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Llm.Stack;

/// <summary>Maps <c>[n]</c> markers in an answer back to the numbered sources, dropping unknown ones.</summary>
internal static partial class CitationMapper
{
    [GeneratedRegex(@"\[\s*\d{1,4}\s*(?:[,;]\s*\d{1,4}\s*)*\]", RegexOptions.CultureInvariant)]
    private static partial Regex Markers();

    /// <summary>Returns whether <paramref name="group"/> is exactly one marker group such as <c>[2]</c> or <c>[1, 3]</c>.</summary>
    public static bool IsMarkerGroup(string group)
    {
        Match m = Markers().Match(group);
        return m.Success && m.Index == 0 && m.Length == group.Length;
    }

    /// <summary>Rewrites one bracket group such as <c>[1, 7]</c>: keeps the markers in 1..<paramref name="sourceCount"/>, reports the others.</summary>
    /// <returns>The group with only known markers, or an empty string when none is known.</returns>
    public static string RewriteGroup(ReadOnlySpan<char> group, int sourceCount, List<int> unknown)
    {
        var known = new List<int>(2);
        bool allKnown = true;
        foreach (Range r in group[1..^1].SplitAny(",;"))
        {
            ReadOnlySpan<char> part = group[1..^1][r].Trim();
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= sourceCount)
            {
                known.Add(n);
            }
            else
            {
                allKnown = false;
                unknown.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int bad) ? bad : -1);
            }
        }

        if (allKnown)
        {
            return group.ToString();
        }

        if (known.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("[");
        for (int i = 0; i < known.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(known[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(']').ToString();
    }

    /// <summary>Removes unknown markers from <paramref name="text"/>.</summary>
    public static string RemoveUnknown(string text, int sourceCount, List<int> unknown)
    {
        return Markers().Replace(text, m =>
        {
            string rewritten = RewriteGroup(m.ValueSpan, sourceCount, unknown);
            return rewritten;
        });
    }

    /// <summary>Builds the citations of the (already cleaned) <paramref name="text"/>.</summary>
    public static List<RagCitation> Map(string text, IReadOnlyList<RetrievedChunk> sources)
    {
        // For every known marker, collect the answer sentences that carry it.
        var claims = new SortedDictionary<int, StringBuilder>();
        foreach ((int start, int length) in TextSegmentation.Sentences(text))
        {
            string sentence = text.Substring(start, length);
            foreach (Match m in Markers().Matches(sentence))
            {
                foreach (Range r in m.ValueSpan[1..^1].SplitAny(",;"))
                {
                    if (int.TryParse(m.ValueSpan[1..^1][r].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= sources.Count)
                    {
                        if (!claims.TryGetValue(n, out StringBuilder? sb))
                        {
                            claims[n] = sb = new StringBuilder();
                        }

                        sb.Append(sentence).Append(' ');
                    }
                }
            }
        }

        var citations = new List<RagCitation>(claims.Count);
        foreach ((int marker, StringBuilder claim) in claims)
        {
            RetrievedChunk source = sources[marker - 1];
            (int quoteStart, string quote) = BestSentence(source.Chunk.Text, claim.ToString());
            citations.Add(new RagCitation(marker, source.Chunk, source.Score)
            {
                Source = SourceFormatter.GetSource(source.Chunk),
                Quote = quote,
                QuoteStart = quoteStart,
            });
        }

        return citations;
    }

    /// <summary>Returns the sentence of <paramref name="chunkText"/> that shares the most words with <paramref name="claim"/>.</summary>
    public static (int Start, string Quote) BestSentence(string chunkText, string claim)
    {
        var claimWords = new HashSet<string>(TextSegmentation.ContentWords(Markers().Replace(claim, " ")), StringComparer.Ordinal);
        int bestStart = 0;
        int bestLength = 0;
        double best = -1;
        foreach ((int start, int length) in TextSegmentation.Sentences(chunkText))
        {
            double score = TextSegmentation.Overlap(claimWords, TextSegmentation.ContentWords(chunkText.Substring(start, length)));
            if (score > best)
            {
                best = score;
                bestStart = start;
                bestLength = length;
            }
        }

        return (bestStart, chunkText.Substring(bestStart, bestLength));
    }
}
