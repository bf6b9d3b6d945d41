namespace Llm.Stack.VectorIndex;

/// <summary>A reusable buffer of analyzed tokens: one character array and the bounds of each token in it.</summary>
/// <remarks>Not thread-safe: each thread uses its own instance.</remarks>
internal sealed class TokenList
{
    private char[] _chars = new char[256];
    private int[] _starts = new int[32];
    private int[] _lengths = new int[32];
    private int _charCount;

    public int Count { get; private set; }

    public ReadOnlySpan<char> this[int index] => _chars.AsSpan(_starts[index], _lengths[index]);

    public void Clear()
    {
        Count = 0;
        _charCount = 0;
    }

    public void Add(ReadOnlySpan<char> token)
    {
        if (_charCount + token.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charCount + token.Length));
        }

        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }

        token.CopyTo(_chars.AsSpan(_charCount));
        _starts[Count] = _charCount;
        _lengths[Count] = token.Length;
        _charCount += token.Length;
        Count++;
    }
}
