using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Llm.Stack;

/// <summary>
/// The chunk keys of one document, held compactly: the keys the pipeline gives a version,
/// <c>{DocumentId}#{hash prefix}#{0…n-1}</c>, as one run (<c>{DocumentId}#{hash prefix}</c> and <c>n</c>), and any other
/// key (such as those found in a store by a repair) as itself. A document of any size costs a few dozen bytes, not a
/// string per chunk. Immutable, so thread-safe; keys are generated as they are enumerated, never all held at once. It is an
/// <see cref="ICollection{T}"/> (read-only) so that <c>Enumerable.Contains</c> and <c>Count</c> use its own lookups.
/// </summary>
[JsonConverter(typeof(ChunkKeySetJsonConverter))]
internal sealed class ChunkKeySet : IReadOnlyCollection<string>, ICollection<string>
{
    /// <summary>The set with no key.</summary>
    public static readonly ChunkKeySet Empty = new([], []);

    private readonly KeyValuePair<string, int>[] _runs;
    private readonly HashSet<string> _others;

    private ChunkKeySet(KeyValuePair<string, int>[] runs, HashSet<string> others)
    {
        _runs = runs;
        _others = others;
        long count = others.Count;
        foreach (KeyValuePair<string, int> run in runs)
        {
            count += run.Value;
        }

        Count = checked((int)count);
    }

    /// <summary>Gets the number of keys.</summary>
    public int Count { get; }

    /// <summary>The key of a chunk: <c>{stem}#{ordinal}</c>, the stem being <c>{DocumentId}#{hash prefix}</c>.</summary>
    public static string Key(string stem, int ordinal) => string.Create(CultureInfo.InvariantCulture, $"{stem}#{ordinal}");

    /// <summary>The keys <c>{stem}#0</c> to <c>{stem}#{count - 1}</c>.</summary>
    public static ChunkKeySet Range(string stem, int count) => count == 0 ? Empty : new([new(stem, count)], []);

    /// <summary>The set of the given keys, compacted into runs where they form one.</summary>
    public static ChunkKeySet From(IEnumerable<string> keys)
    {
        var builder = new Builder();
        foreach (string key in keys)
        {
            builder.Add(key);
        }

        return builder.Build();
    }

    /// <summary>Whether the set holds the key.</summary>
    public bool Contains(string key)
    {
        if (_others.Contains(key))
        {
            return true;
        }

        if (_runs.Length == 0 || !TrySplit(key, out ReadOnlySpan<char> stem, out int ordinal))
        {
            return false;
        }

        foreach (KeyValuePair<string, int> run in _runs)
        {
            if (ordinal < run.Value && stem.SequenceEqual(run.Key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The keys of both sets.</summary>
    public ChunkKeySet Union(ChunkKeySet? other)
    {
        if (other is null || other.Count == 0 || ReferenceEquals(other, this))
        {
            return this;
        }

        if (Count == 0)
        {
            return other;
        }

        var runs = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, int> run in _runs.Concat(other._runs))
        {
            runs[run.Key] = Math.Max(run.Value, runs.GetValueOrDefault(run.Key));
        }

        KeyValuePair<string, int>[] merged = [.. runs];
        var result = new ChunkKeySet(merged, []);
        var others = new HashSet<string>(_others.Concat(other._others).Where(k => !result.Contains(k)), StringComparer.Ordinal);
        return new ChunkKeySet(merged, others);
    }

    /// <summary>The keys of this set that <paramref name="other"/> does not hold, enumerated lazily.</summary>
    public IEnumerable<string> Except(ChunkKeySet? other) => other is null || other.Count == 0 ? this : this.Where(k => !other.Contains(k));

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator()
    {
        foreach (KeyValuePair<string, int> run in _runs)
        {
            for (int i = 0; i < run.Value; i++)
            {
                yield return Key(run.Key, i);
            }
        }

        foreach (string key in _others)
        {
            yield return key;
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    bool ICollection<string>.IsReadOnly => true;

    /// <inheritdoc />
    void ICollection<string>.Add(string item) => throw new NotSupportedException("A chunk key set is immutable.");

    /// <inheritdoc />
    void ICollection<string>.Clear() => throw new NotSupportedException("A chunk key set is immutable.");

    /// <inheritdoc />
    bool ICollection<string>.Remove(string item) => throw new NotSupportedException("A chunk key set is immutable.");

    /// <inheritdoc />
    void ICollection<string>.CopyTo(string[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        foreach (string key in this)
        {
            array[arrayIndex++] = key;
        }
    }

    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (KeyValuePair<string, int> run in _runs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(run.Key);
            writer.WriteNumberValue(run.Value);
            writer.WriteEndArray();
        }

        foreach (string key in _others.Order(StringComparer.Ordinal))
        {
            writer.WriteStringValue(key);
        }

        writer.WriteEndArray();
    }

    /// <summary>Splits a key into its stem and ordinal: <c>{stem}#{ordinal}</c>, the ordinal in its canonical decimal form.</summary>
    private static bool TrySplit(string key, out ReadOnlySpan<char> stem, out int ordinal)
    {
        int hash = key.LastIndexOf('#');
        stem = default;
        ordinal = 0;
        if (hash <= 0 || hash == key.Length - 1)
        {
            return false;
        }

        ReadOnlySpan<char> digits = key.AsSpan(hash + 1);
        if ((digits.Length > 1 && digits[0] == '0') || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ordinal))
        {
            return false;
        }

        stem = key.AsSpan(0, hash);
        return true;
    }

    /// <summary>Collects keys and runs, then compacts them: a stem whose ordinals are exactly 0…n-1 becomes a run.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, int> _runs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        public void AddRun(string stem, int count)
        {
            if (count > 0)
            {
                _runs[stem] = Math.Max(count, _runs.GetValueOrDefault(stem));
            }
        }

        public void Add(string key) => _keys.Add(key);

        public ChunkKeySet Build()
        {
            // Group the loose keys by stem; a stem whose ordinals, with its run, are 0…n-1 becomes (or extends) a run.
            var byStem = new Dictionary<string, List<(int Ordinal, string Key)>>(StringComparer.Ordinal);
            var others = new HashSet<string>(StringComparer.Ordinal);
            foreach (string key in _keys)
            {
                if (TrySplit(key, out ReadOnlySpan<char> stem, out int ordinal))
                {
                    string name = stem.ToString();
                    if (!byStem.TryGetValue(name, out List<(int, string)>? list))
                    {
                        byStem[name] = list = [];
                    }

                    list.Add((ordinal, key));
                }
                else
                {
                    others.Add(key);
                }
            }

            var runs = new Dictionary<string, int>(_runs, StringComparer.Ordinal);
            foreach ((string stem, List<(int Ordinal, string Key)> keys) in byStem)
            {
                int run = runs.GetValueOrDefault(stem);
                var beyond = new HashSet<int>();
                foreach ((int ordinal, _) in keys)
                {
                    if (ordinal >= run)
                    {
                        beyond.Add(ordinal);
                    }
                }

                // The ordinals past the run extend it when they fill run…run+k-1 exactly.
                bool contiguous = beyond.Count == 0 || beyond.Max() == run + beyond.Count - 1;
                if (contiguous)
                {
                    runs[stem] = run + beyond.Count;
                }
                else
                {
                    others.UnionWith(keys.Where(k => k.Ordinal >= run).Select(k => k.Key));
                }
            }

            return runs.Count == 0 && others.Count == 0 ? Empty : new ChunkKeySet([.. runs.Where(r => r.Value > 0)], others);
        }
    }
}

/// <summary>
/// Reads and writes a <see cref="ChunkKeySet"/> as a JSON array whose items are keys (strings) or runs
/// (<c>["{stem}", count]</c>); the ingestion state's first format, an array of keys, reads the same way.
/// </summary>
internal sealed class ChunkKeySetJsonConverter : JsonConverter<ChunkKeySet>
{
    public override ChunkKeySet Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Chunk keys must be an array.");
        }

        var builder = new ChunkKeySet.Builder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                builder.Add(reader.GetString()!);
            }
            else if (reader.TokenType == JsonTokenType.StartArray
                && reader.Read() && reader.TokenType == JsonTokenType.String && reader.GetString() is string stem
                && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int count) && count >= 0
                && reader.Read() && reader.TokenType == JsonTokenType.EndArray)
            {
                builder.AddRun(stem, count);
            }
            else
            {
                throw new JsonException("A chunk key must be a string or a [stem, count] run.");
            }
        }

        try
        {
            return builder.Build();
        }
        catch (OverflowException e)
        {
            // Only a damaged file claims more keys for one document than an int counts.
            throw new JsonException("A document's chunk keys number more than Int32.MaxValue.", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ChunkKeySet value, JsonSerializerOptions options) => value.Write(writer);
}
