using System.Text;
using System.Text.RegularExpressions;

namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>
/// A GPT-2 style byte-level BPE vocabulary trained deterministically on a small built-in corpus: ids 0..255 are the
/// raw bytes (id = byte value), then the learned merges, then the added tokens.
/// </summary>
public sealed partial class TinyByteLevelBpe
{
    private const string Corpus =
        "You are a helpful assistant. The weather in Paris is sunny today, and the weather in London is rainy. " +
        "What is the weather like? It is sunny and warm. Tell me the time. The time is twelve o'clock. " +
        "Hello, how are you? I am fine, thank you. Please answer the question with the context given. " +
        "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call> " +
        "{\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}} <|tool_call|>[{\"name\": \"lookup\", \"arguments\": {}}] " +
        "system user assistant tool function description properties type string object required " +
        "one two three four five six seven eight nine ten the a an of to in on for with and or not is are was were " +
        "this that these those there here where when why who which what how because so then than but if";

    private TinyByteLevelBpe(List<string> vocab, List<(string Left, string Right)> merges, IReadOnlyList<string> addedTokens)
    {
        Vocab = vocab;
        Merges = merges;
        AddedTokens = addedTokens;
    }

    /// <summary>Gets the tokens by id (byte-level unicode strings for the BPE part; literal text for added tokens).</summary>
    public IReadOnlyList<string> Vocab { get; }

    /// <summary>Gets the merges in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>Gets the added tokens (the last ids of the vocabulary).</summary>
    public IReadOnlyList<string> AddedTokens { get; }

    /// <summary>Gets the id of an added token.</summary>
    public int IdOf(string addedToken)
    {
        int index = Vocab.Count - AddedTokens.Count + AddedTokens.ToList().IndexOf(addedToken);
        return index >= Vocab.Count - AddedTokens.Count ? index : throw new ArgumentException($"'{addedToken}' is not an added token.", nameof(addedToken));
    }

    /// <summary>The GPT-2 map from bytes to printable unicode characters.</summary>
    public static char[] ByteToChar { get; } = BuildByteToChar();

    /// <summary>Trains the merges until the vocabulary has <paramref name="vocabSize"/> entries.</summary>
    public static TinyByteLevelBpe Train(int vocabSize, IReadOnlyList<string> addedTokens)
    {
        int mergeCount = vocabSize - 256 - addedTokens.Count;
        var vocab = new List<string>(vocabSize);
        for (int b = 0; b < 256; b++)
        {
            vocab.Add(ByteToChar[b].ToString());
        }

        var words = new List<List<string>>();
        foreach (Match m in PreTokenizer().Matches(Corpus))
        {
            byte[] bytes = Encoding.UTF8.GetBytes(m.Value);
            words.Add(bytes.Select(b => ByteToChar[b].ToString()).ToList());
        }

        var merges = new List<(string, string)>();
        var known = new HashSet<string>(vocab);
        while (merges.Count < mergeCount)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (List<string> w in words)
            {
                for (int i = 0; i + 1 < w.Count; i++)
                {
                    var pair = (w[i], w[i + 1]);
                    counts[pair] = counts.GetValueOrDefault(pair) + 1;
                }
            }

            var best = counts
                .Where(kv => !known.Contains(kv.Key.Item1 + kv.Key.Item2))
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
                .Select(kv => kv.Key)
                .FirstOrDefault();
            if (best == default)
            {
                break;
            }

            merges.Add(best);
            string merged = best.Item1 + best.Item2;
            known.Add(merged);
            vocab.Add(merged);
            foreach (List<string> w in words)
            {
                for (int i = 0; i + 1 < w.Count; i++)
                {
                    if (w[i] == best.Item1 && w[i + 1] == best.Item2)
                    {
                        w[i] = merged;
                        w.RemoveAt(i + 1);
                    }
                }
            }
        }

        vocab.AddRange(addedTokens);
        return new TinyByteLevelBpe(vocab, merges, addedTokens);
    }

    /// <summary>Gets the UTF-8 bytes a BPE token stands for (null for an added token).</summary>
    public byte[]? BytesOf(int id)
    {
        if (id >= Vocab.Count - AddedTokens.Count)
        {
            return null;
        }

        return Vocab[id].Select(c => (byte)Array.IndexOf(ByteToChar, c)).ToArray();
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new List<int>();
        printable.AddRange(Enumerable.Range('!', '~' - '!' + 1));
        printable.AddRange(Enumerable.Range('¡', '¬' - '¡' + 1));
        printable.AddRange(Enumerable.Range('®', 'ÿ' - '®' + 1));
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = printable.Contains(b) ? (char)b : (char)(256 + extra++);
        }

        return map;
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex PreTokenizer();
}
