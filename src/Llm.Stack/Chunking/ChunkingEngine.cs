using System.Runtime.InteropServices;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>A contiguous range of a document's text, trimmed of white space, with its token count.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct TextPiece(int Start, int End, int Tokens);

/// <summary>
/// The splitting and merging steps every chunker is built from. All ranges are trimmed of white space and each
/// emitted range is counted exactly by the tokenizer, so that no chunk can exceed its limit whatever the tokenizer
/// does at the edges of a range.
/// </summary>
/// <remarks>One instance per <c>ChunkAsync</c> call; not thread-safe.</remarks>
internal sealed class ChunkingEngine(Tokenizer tokenizer, string text, CancellationToken cancellationToken)
{
    private readonly SplitTokenCounter _counter = SplitTokenCounter.For(tokenizer);

    /// <summary>Characters per token in the windows read so far (8 before the first: generous for most text).</summary>
    private double _charsPerToken = 8;

    public Tokenizer Tokenizer { get; } = tokenizer;

    public string Text { get; } = text;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Shrinks [start, end) to exclude white space at both ends; returns an empty range when nothing is left.</summary>
    public (int Start, int End) Trim(int start, int end)
    {
        string text = Text;
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return (start, end);
    }

    /// <summary>Counts the tokens of a range exactly as the chunk's text will be counted.</summary>
    public int Count(int start, int end) => end <= start ? 0 : _counter.Count(Text.AsSpan(start, end - start));

    /// <summary>Counts a string exactly.</summary>
    public int Count(string value) => _counter.Count(value);

    /// <summary>Checks, reading at most about <paramref name="max"/> tokens, whether the trimmed range fits; returns its exact count when it does.</summary>
    public bool TryFit(int start, int end, int max, out int count)
    {
        count = 0;
        if (end <= start)
        {
            return true;
        }

        if (IndexByTokenCount(start, end, max) < end - start)
        {
            return false;
        }

        count = Count(start, end);
        return count <= max;
    }

    /// <summary>Splits [start, end) at token boundaries into pieces of at most <paramref name="max"/> tokens, each next piece repeating <paramref name="overlap"/> tokens.</summary>
    public void SplitByTokens(int start, int end, int max, int overlap, List<TextPiece> output)
    {
        string text = Text;
        int s = start;
        int previousEnd = start;
        while (s < end)
        {
            CancellationToken.ThrowIfCancellationRequested();
            while (s < end && char.IsWhiteSpace(text[s]))
            {
                s++;
            }

            if (s >= end)
            {
                break;
            }

            int e = s;
            int count = 0;
            int target = max;
            while (target > 0)
            {
                int index = IndexByTokenCount(s, end, target);
                int candidate = SnapBack(s + index, s);
                (int ts, int te) = Trim(s, candidate);
                if (te <= ts)
                {
                    break;
                }

                count = Count(ts, te);
                if (count <= max)
                {
                    e = candidate;
                    break;
                }

                target -= Math.Max(1, count - max);
            }

            if (e <= s)
            {
                // The tokenizer's boundaries did not give a fitting prefix (a code point cut across tokens): grow by code points.
                e = GrowByCodePoints(s, end, max, out count);
            }

            (int pieceStart, int pieceEnd) = Trim(s, e);
            if (pieceEnd <= previousEnd && s < previousEnd)
            {
                // The overlapped window re-tokenized to no new text: continue after the previous window without overlap.
                s = previousEnd;
                continue;
            }

            if (pieceEnd > pieceStart)
            {
                output.Add(new TextPiece(pieceStart, pieceEnd, count));
                previousEnd = pieceEnd;
            }

            if (e >= end)
            {
                break;
            }

            int next = e;
            if (overlap > 0)
            {
                int back = Tokenizer.GetIndexByTokenCountFromEnd(
                    text.AsSpan(s, e - s), overlap, out _, out _, considerPreTokenization: true, considerNormalization: false);
                int candidate = SnapForward(s + back, e);
                if (candidate > s)
                {
                    next = candidate;
                }
            }

            s = next;
        }
    }

    /// <summary>
    /// The length of the longest prefix of [start, end) within <paramref name="max"/> tokens, reading a window sized
    /// from the characters per token seen so far in this text (doubling while too short): the tokenizer pre-tokenizes
    /// all it is given, so a whole large document would make every call linear in the document and chunking quadratic,
    /// and a window much longer than the prefix would pre-tokenize most of the text twice.
    /// </summary>
    private int IndexByTokenCount(int start, int end, int max)
    {
        int length = end - start;
        int window = (int)Math.Min(length, Math.Max(256L, (long)(max * _charsPerToken * 1.25) + 128));
        while (true)
        {
            int index = _counter.IndexByTokenCount(Text.AsSpan(start, window), max);
            if (window == length)
            {
                return index;
            }

            if (index < window - 64)
            {
                // The limit was reached well inside the window, before its cut-off last word.
                if (max >= 32)
                {
                    _charsPerToken = Math.Clamp((double)index / max, 0.25, 16);
                }

                return index;
            }

            window = (int)Math.Min(length, window * 2L);
        }
    }

    /// <summary>Splits [start, end) with the separators from <paramref name="level"/> on, then by tokens, into pieces of at most <paramref name="max"/> tokens (not merged).</summary>
    public void SplitRecursive(int start, int end, IReadOnlyList<string> separators, int level, int max, List<TextPiece> output)
    {
        CancellationToken.ThrowIfCancellationRequested();
        (int ts, int te) = Trim(start, end);
        if (te <= ts)
        {
            return;
        }

        if (TryFit(ts, te, max, out int count))
        {
            output.Add(new TextPiece(ts, te, count));
            return;
        }

        while (level < separators.Count)
        {
            string separator = separators[level];
            int s = ts;
            bool found = false;
            while (s < te)
            {
                int cut = FindSeparatorEnd(s, te, separator);
                if (cut < 0)
                {
                    break;
                }

                found = true;
                SplitRecursive(s, cut, separators, level + 1, max, output);
                s = cut;
            }

            if (found)
            {
                SplitRecursive(s, te, separators, level + 1, max, output);
                return;
            }

            level++;
        }

        SplitByTokens(ts, te, max, 0, output);
    }

    /// <summary>
    /// Merges consecutive pieces into ranges of at most <paramref name="max"/> tokens (counted exactly on the merged
    /// range), each next range starting with the trailing pieces of the previous one worth at most
    /// <paramref name="overlap"/> tokens.
    /// </summary>
    public void Merge(IReadOnlyList<TextPiece> pieces, int max, int overlap, List<TextPiece> output)
    {
        int n = pieces.Count;
        int i = 0;
        int previousJ = 0;
        while (i < n)
        {
            CancellationToken.ThrowIfCancellationRequested();
            int j = i;
            int sum = 0;
            while (j < n && sum + pieces[j].Tokens <= max)
            {
                sum += pieces[j].Tokens;
                j++;
            }

            if (j == i)
            {
                j = i + 1;
            }

            int count = pieces[i].Tokens;
            while (j > i + 1)
            {
                count = Count(pieces[i].Start, pieces[j - 1].End);
                if (count <= max)
                {
                    break;
                }

                j--;
                count = pieces[i].Tokens;
            }

            if (j <= previousJ && i < previousJ)
            {
                // The overlapped chunk could not take a new piece: continue after the previous chunk without overlap.
                i = previousJ;
                continue;
            }

            output.Add(new TextPiece(pieces[i].Start, pieces[j - 1].End, count));
            previousJ = j;
            if (j >= n)
            {
                break;
            }

            int next = j;
            if (overlap > 0)
            {
                // Repeat trailing pieces worth at most the overlap, leaving room for the next new piece.
                int acc = 0;
                while (next - 1 > i && acc + pieces[next - 1].Tokens <= overlap && acc + pieces[next - 1].Tokens + pieces[j].Tokens <= max)
                {
                    acc += pieces[next - 1].Tokens;
                    next--;
                }
            }

            i = next;
        }
    }

    /// <summary>Finds the end (just past the separator) of the first occurrence of <paramref name="separator"/> in [start, end); -1 if none.</summary>
    /// <remarks>A separator made of line feeds also matches the same line breaks written as CRLF.</remarks>
    internal int FindSeparatorEnd(int start, int end, string separator)
    {
        ReadOnlySpan<char> span = Text.AsSpan(start, end - start);
        if (separator == "\n\n")
        {
            int offset = 0;
            while (offset < span.Length)
            {
                int nl = span[offset..].IndexOf('\n');
                if (nl < 0)
                {
                    return -1;
                }

                int p = offset + nl + 1;
                if (p < span.Length && span[p] == '\r')
                {
                    p++;
                }

                if (p < span.Length && span[p] == '\n')
                {
                    return start + p + 1 < end ? start + p + 1 : -1;
                }

                offset = offset + nl + 1;
            }

            return -1;
        }

        int index = span.IndexOf(separator, StringComparison.Ordinal);
        if (index < 0)
        {
            return -1;
        }

        int cut = start + index + separator.Length;
        return cut < end ? cut : -1;
    }

    private int GrowByCodePoints(int start, int end, int max, out int count)
    {
        string text = Text;
        int e = start;
        count = 0;
        while (e < end)
        {
            int next = e + (char.IsHighSurrogate(text[e]) && e + 1 < end && char.IsLowSurrogate(text[e + 1]) ? 2 : 1);
            (int ts, int te) = Trim(start, next);
            int c = Count(ts, te);
            if (c > max)
            {
                break;
            }

            count = c;
            e = next;
        }

        if (e == start)
        {
            throw new InvalidOperationException(
                $"The character at index {start} alone needs more than the maximum of {max} tokens; raise {nameof(TextChunkerOptions.MaxTokens)}.");
        }

        return e;
    }

    /// <summary>Moves a cut that falls between the two halves of a surrogate pair back before the pair (not before <paramref name="floor"/>).</summary>
    private int SnapBack(int index, int floor)
    {
        if (index > floor && index < Text.Length && char.IsLowSurrogate(Text[index]) && char.IsHighSurrogate(Text[index - 1]))
        {
            index--;
        }

        return index;
    }

    /// <summary>Moves a cut that falls between the two halves of a surrogate pair forward past the pair (not past <paramref name="ceiling"/>).</summary>
    private int SnapForward(int index, int ceiling)
    {
        if (index > 0 && index < ceiling && char.IsLowSurrogate(Text[index]) && char.IsHighSurrogate(Text[index - 1]))
        {
            index++;
        }

        return index;
    }
}
