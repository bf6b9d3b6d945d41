using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Counts tokens exactly as <see cref="Tokenizer.CountTokens(ReadOnlySpan{char}, bool, bool)"/> does, faster for
/// tokenizers that count a text as the sum of its pre-tokenized splits counted alone (<see cref="TiktokenTokenizer"/>
/// without a normalizer: cl100k, o200k): the count of each split is kept in a lock-free cache shared by every chunker
/// using the same tokenizer, so a split seen before costs one hash lookup instead of the tokenizer's locked LRU cache.
/// Other tokenizers are counted by the tokenizer itself.
/// </summary>
/// <remarks>Thread-safe; one instance per tokenizer (<see cref="For"/>).</remarks>
internal sealed class SplitTokenCounter
{
    /// <summary>The longest split kept in the cache (longer splits are rare and counted by the tokenizer each time).</summary>
    private const int MaxCachedLength = 128;

    /// <summary>The cache stops growing at this many splits (at most about 30 MB, typically a few), so that a long-running process stays bounded.</summary>
    private const int MaxCachedSplits = 100_000;

    private static readonly ConditionalWeakTable<Tokenizer, SplitTokenCounter> _counters = new();

    private readonly Tokenizer _tokenizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly ConcurrentDictionary<string, int> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _cached;

    private SplitTokenCounter(Tokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _preTokenizer = tokenizer is TiktokenTokenizer && tokenizer.Normalizer is null ? tokenizer.PreTokenizer : null;
        _lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets whether counts are summed over pre-tokenized splits (otherwise the tokenizer counts).</summary>
    public bool SumsSplits => _preTokenizer is not null;

    /// <summary>Gets the counter of a tokenizer.</summary>
    public static SplitTokenCounter For(Tokenizer tokenizer) => _counters.GetValue(tokenizer, static t => new SplitTokenCounter(t));

    /// <summary>Counts the tokens of <paramref name="text"/> exactly as the tokenizer does.</summary>
    public int Count(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        if (_preTokenizer is null)
        {
            return _tokenizer.CountTokens(text);
        }

        int count = 0;
        foreach ((int offset, int length) in _preTokenizer.PreTokenize(text))
        {
            count += CountSplit(text.Slice(offset, length));
        }

        return count;
    }

    /// <summary>
    /// The length of the longest prefix of <paramref name="text"/> that the tokenizer encodes within
    /// <paramref name="max"/> tokens (as <see cref="Tokenizer.GetIndexByTokenCount(ReadOnlySpan{char}, int, out string?, out int, bool, bool)"/>
    /// with pre-tokenization and without normalization).
    /// </summary>
    public int IndexByTokenCount(ReadOnlySpan<char> text, int max)
    {
        if (_preTokenizer is null)
        {
            return _tokenizer.GetIndexByTokenCount(text, max, out _, out _, considerPreTokenization: true, considerNormalization: false);
        }

        int count = 0;
        int consumed = 0;
        foreach ((int offset, int length) in _preTokenizer.PreTokenize(text))
        {
            ReadOnlySpan<char> split = text.Slice(offset, length);
            int tokens = CountSplit(split);
            if (count + tokens <= max)
            {
                count += tokens;
                consumed = offset + length;
                if (count == max)
                {
                    break;
                }

                continue;
            }

            // The split does not fit whole: the tokenizer cuts it at a token boundary (never inside a code point).
            consumed = offset + _tokenizer.GetIndexByTokenCount(split, max - count, out _, out _, considerPreTokenization: false, considerNormalization: false);
            break;
        }

        return consumed;
    }

    private int CountSplit(ReadOnlySpan<char> split)
    {
        if (split.Length > MaxCachedLength)
        {
            return _tokenizer.CountTokens(split, considerPreTokenization: false, considerNormalization: false);
        }

        if (_lookup.TryGetValue(split, out int tokens))
        {
            return tokens;
        }

        tokens = _tokenizer.CountTokens(split, considerPreTokenization: false, considerNormalization: false);
        if (Volatile.Read(ref _cached) < MaxCachedSplits && _lookup.TryAdd(split, tokens))
        {
            Interlocked.Increment(ref _cached);
        }

        return tokens;
    }
}
