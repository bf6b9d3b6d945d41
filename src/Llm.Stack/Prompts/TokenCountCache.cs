using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Remembers the token counts of texts per tokenizer, so that a chunk, a system prompt or a history message
/// that comes back in the next prompt is not tokenized again. Keyed by the text's content (ordinal); bounded by
/// the characters it holds, and cleared whole when full. Thread-safe.
/// </summary>
internal sealed class TokenCountCache
{
    /// <summary>Texts shorter than this are counted every time: hashing them costs about as much as counting.</summary>
    public const int MinCachedLength = 48;

    private const long MaxCachedCharacters = 4L * 1024 * 1024;
    private static readonly ConditionalWeakTable<Tokenizer, TokenCountCache> Caches = new();

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Tokenizer _tokenizer;
    private long _characters;

    private TokenCountCache(Tokenizer tokenizer) => _tokenizer = tokenizer;

    /// <summary>Gets the cache shared by every user of <paramref name="tokenizer"/>.</summary>
    public static TokenCountCache For(Tokenizer tokenizer) => Caches.GetValue(tokenizer, static t => new TokenCountCache(t));

    /// <summary>Counts the tokens of <paramref name="text"/>, from the cache when it was counted before.</summary>
    public int Count(string text)
    {
        if (text.Length < MinCachedLength)
        {
            return text.Length == 0 ? 0 : _tokenizer.CountTokens(text);
        }

        if (_counts.TryGetValue(text, out int count))
        {
            return count;
        }

        count = _tokenizer.CountTokens(text);
        if (Interlocked.Add(ref _characters, text.Length) > MaxCachedCharacters)
        {
            _counts.Clear();
            Interlocked.Exchange(ref _characters, text.Length);
        }

        _counts.TryAdd(text, count);
        return count;
    }
}
