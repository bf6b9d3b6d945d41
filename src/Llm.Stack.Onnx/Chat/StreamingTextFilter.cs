using System.Text;

namespace Llm.Stack.Onnx;

/// <summary>
/// Decides which generated text may be streamed: text from a stop sequence on is never emitted (a possible start
/// of a stop sequence is held back until it is ruled out, so a stop sequence that spans tokens is caught), and a
/// tool call is buffered from its start marker on so that it can be parsed at the end.
/// </summary>
/// <remarks>One instance per request; not thread-safe.</remarks>
internal sealed class StreamingTextFilter
{
    private readonly string[] _stops;
    private readonly string? _toolMarker;
    private readonly bool _leadingJsonIsToolCall;
    private readonly bool _passThrough;
    private readonly StringBuilder _pending = new();
    private StringBuilder? _toolBuffer;
    private bool _sawText;

    /// <param name="stops">The stop sequences (empty strings are ignored).</param>
    /// <param name="toolMarker">The text that opens a tool call (null: none).</param>
    /// <param name="leadingJsonIsToolCall">True when an answer that starts with <c>{</c> is a tool call (Llama 3).</param>
    internal StreamingTextFilter(IList<string>? stops, string? toolMarker, bool leadingJsonIsToolCall)
    {
        _stops = stops is null ? [] : stops.Where(s => !string.IsNullOrEmpty(s)).ToArray();
        _toolMarker = toolMarker;
        _leadingJsonIsToolCall = leadingJsonIsToolCall;
        _passThrough = _stops.Length == 0 && toolMarker is null && !leadingJsonIsToolCall;
    }

    /// <summary>Gets a value indicating whether a stop sequence was found: generation should end.</summary>
    internal bool Stopped { get; private set; }

    /// <summary>Gets the buffered tool-call text (from the marker on), or null when no tool call started.</summary>
    internal string? ToolCallText => _toolBuffer?.ToString();

    /// <summary>Adds decoded text; returns the text that may be emitted now (possibly empty).</summary>
    internal string Push(string chunk)
    {
        if (_passThrough || Stopped)
        {
            return Stopped ? string.Empty : chunk;
        }

        if (_toolBuffer is not null)
        {
            _toolBuffer.Append(chunk);
            TruncateAtStop(_toolBuffer);
            return string.Empty;
        }

        _pending.Append(chunk);
        string p = _pending.ToString();
        if (_leadingJsonIsToolCall && !_sawText)
        {
            int first = 0;
            while (first < p.Length && char.IsWhiteSpace(p[first]))
            {
                first++;
            }

            if (first == p.Length)
            {
                return string.Empty;
            }

            _sawText = true;
            if (p[first] == '{')
            {
                _toolBuffer = new StringBuilder(p);
                _pending.Clear();
                TruncateAtStop(_toolBuffer);
                return string.Empty;
            }
        }

        int stopAt = IndexOfStop(p);
        int markerAt = _toolMarker is null ? -1 : p.IndexOf(_toolMarker, StringComparison.Ordinal);
        if (stopAt >= 0 && (markerAt < 0 || stopAt <= markerAt))
        {
            Stopped = true;
            _pending.Clear();
            return p[..stopAt];
        }

        if (markerAt >= 0)
        {
            _toolBuffer = new StringBuilder(p, markerAt, p.Length - markerAt, p.Length - markerAt + 64);
            _pending.Clear();
            TruncateAtStop(_toolBuffer);
            return p[..markerAt];
        }

        int hold = HeldBackLength(p);
        _pending.Clear();
        if (hold > 0)
        {
            _pending.Append(p, p.Length - hold, hold);
        }

        return hold == 0 ? p : p[..^hold];
    }

    /// <summary>Returns the text still held back at the end of generation.</summary>
    internal string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private void TruncateAtStop(StringBuilder buffer)
    {
        if (_stops.Length == 0)
        {
            return;
        }

        string text = buffer.ToString();
        int at = IndexOfStop(text);
        if (at >= 0)
        {
            buffer.Length = at;
            Stopped = true;
        }
    }

    private int IndexOfStop(string text)
    {
        int best = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
            }
        }

        return best;
    }

    private int HeldBackLength(string text)
    {
        int hold = 0;
        foreach (string stop in _stops)
        {
            hold = Math.Max(hold, SuffixPrefixOverlap(text, stop));
        }

        if (_toolMarker is not null)
        {
            hold = Math.Max(hold, SuffixPrefixOverlap(text, _toolMarker));
        }

        return hold;
    }

    /// <summary>The length of the longest suffix of <paramref name="text"/> that is a proper prefix of <paramref name="pattern"/>.</summary>
    private static int SuffixPrefixOverlap(string text, string pattern)
    {
        for (int k = Math.Min(pattern.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(pattern.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }
}
