using System.Text;

namespace Llm.Stack;

/// <summary>
/// Removes unknown <c>[n]</c> markers from streamed text: holds back a candidate bracket group until it is
/// complete (or proves not to be a marker), then yields it rewritten.
/// </summary>
internal sealed class MarkerStreamFilter(int sourceCount)
{
    private const int MaxGroupLength = 40;
    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _output = new();

    public List<int> Unknown { get; } = [];

    /// <summary>Feeds a delta and returns the text that can be yielded now (possibly empty).</summary>
    public string Push(string delta)
    {
        _output.Clear();
        foreach (char c in delta)
        {
            if (_pending.Length == 0)
            {
                if (c == '[')
                {
                    _pending.Append(c);
                }
                else
                {
                    _output.Append(c);
                }

                continue;
            }

            if (c == ']')
            {
                _pending.Append(c);
                string group = _pending.ToString();
                _pending.Clear();
                _output.Append(CitationMapper.IsMarkerGroup(group) ? CitationMapper.RewriteGroup(group, sourceCount, Unknown) : group);
            }
            else if (char.IsAsciiDigit(c) || c == ',' || c == ';' || c == ' ')
            {
                _pending.Append(c);
                if (_pending.Length > MaxGroupLength)
                {
                    _output.Append(_pending);
                    _pending.Clear();
                }
            }
            else
            {
                _output.Append(_pending);
                _pending.Clear();
                if (c == '[')
                {
                    _pending.Append(c);
                }
                else
                {
                    _output.Append(c);
                }
            }
        }

        return _output.ToString();
    }

    /// <summary>Returns whatever is still held back at the end of the stream.</summary>
    public string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
