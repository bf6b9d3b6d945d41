using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Onnx;

/// <summary>
/// The BERT WordPiece tokenizer exactly as Hugging Face's <c>tokenizers</c> runs it (BertNormalizer, BertPreTokenizer,
/// WordPiece model), with offsets into the original text. It counts and returns content tokens only: the
/// <c>[CLS]</c>/<c>[SEP]</c> that the embedding model adds are not part of what <see cref="Tokenizer"/> callers see.
/// </summary>
/// <remarks>
/// Written here rather than taken from FastBertTokenizer because a <see cref="Tokenizer"/> must report the offset
/// of every token in the caller's text (chunkers cut text at token boundaries). Immutable after construction and
/// safe to use from several threads at once.
/// </remarks>
internal sealed class WordPieceTokenizer : Tokenizer
{
    private const int ContinuationNotFound = -1;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordStarts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;
    private readonly string[] _tokensById;
    private readonly string _continuationPrefix;
    private readonly bool _lowercase;
    private readonly bool _stripAccents;
    private readonly bool _handleChineseChars;
    private readonly bool _cleanText;
    private readonly int _maxInputCharsPerWord;

    private WordPieceTokenizer(Dictionary<string, int> vocabulary, WordPieceSettings settings)
    {
        _vocabulary = vocabulary;
        _lowercase = settings.Lowercase;
        _stripAccents = settings.StripAccents ?? settings.Lowercase;
        _handleChineseChars = settings.HandleChineseChars;
        _cleanText = settings.CleanText;
        _maxInputCharsPerWord = settings.MaxInputCharsPerWord;
        _continuationPrefix = settings.ContinuationPrefix;

        int maxId = 0;
        foreach (int id in vocabulary.Values)
        {
            maxId = Math.Max(maxId, id);
        }

        _tokensById = new string[maxId + 1];
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, int> entry in vocabulary)
        {
            _tokensById[entry.Value] = entry.Key;
            if (entry.Key.StartsWith(_continuationPrefix, StringComparison.Ordinal) && entry.Key.Length > _continuationPrefix.Length)
            {
                continuations.TryAdd(entry.Key[_continuationPrefix.Length..], entry.Value);
            }
        }

        _wordStarts = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = continuations.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = RequireToken(settings.UnknownToken);
        ClsId = RequireToken(settings.ClsToken);
        SepId = RequireToken(settings.SepToken);
        PadId = vocabulary.TryGetValue(settings.PadToken, out int pad) ? pad : 0;
        MaxLength = settings.MaxLength;
    }

    /// <summary>Gets the id of the unknown-word token.</summary>
    public int UnknownId { get; }

    /// <summary>Gets the id of the classification token that starts every sequence.</summary>
    public int ClsId { get; }

    /// <summary>Gets the id of the separator token that ends every sequence.</summary>
    public int SepId { get; }

    /// <summary>Gets the id of the padding token.</summary>
    public int PadId { get; }

    /// <summary>Gets the maximum sequence length stated by a <c>tokenizer.json</c> (its truncation), if any.</summary>
    public int? MaxLength { get; }

    /// <summary>Gets the number of entries of the vocabulary.</summary>
    public int VocabularySize => _vocabulary.Count;

    /// <summary>Reads a <c>vocab.txt</c> (one token per line, the line number is the id) or a <c>tokenizer.json</c>.</summary>
    /// <param name="stream">The file's content; a <c>tokenizer.json</c> is recognised by its leading <c>{</c>.</param>
    /// <param name="lowercase">Whether to lowercase (uncased models); <see langword="null"/> for the file's own setting, or <see langword="true"/> for a <c>vocab.txt</c>.</param>
    /// <returns>The tokenizer.</returns>
    public static WordPieceTokenizer Load(Stream stream, bool? lowercase)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        string content = reader.ReadToEnd();
        return content.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal)
            ? FromTokenizerJson(content, lowercase)
            : FromVocabularyText(content, lowercase ?? true);
    }

    /// <summary>Reads the lines of a <c>vocab.txt</c>.</summary>
    /// <param name="content">The file's text (LF or CRLF line ends).</param>
    /// <param name="lowercase">Whether to lowercase and strip accents (uncased models).</param>
    /// <returns>The tokenizer.</returns>
    public static WordPieceTokenizer FromVocabularyText(string content, bool lowercase)
    {
        ArgumentNullException.ThrowIfNull(content);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        int id = 0;
        foreach (ReadOnlySpan<char> rawLine in content.AsSpan().EnumerateLines())
        {
            ReadOnlySpan<char> line = rawLine.TrimEnd('\r');
            if (line.IsEmpty)
            {
                // A blank last line ends the file; a blank line inside it still takes an id.
                id++;
                continue;
            }

            vocabulary.TryAdd(line.ToString(), id);
            id++;
        }

        if (vocabulary.Count == 0)
        {
            throw new InvalidDataException("The vocabulary file is empty.");
        }

        return new WordPieceTokenizer(vocabulary, new WordPieceSettings { Lowercase = lowercase });
    }

    /// <summary>Reads a Hugging Face <c>tokenizer.json</c> whose model is WordPiece.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="lowercase">Overrides the normalizer's <c>lowercase</c> when not <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    public static WordPieceTokenizer FromTokenizerJson(string json, bool? lowercase)
    {
        ArgumentNullException.ThrowIfNull(json);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        if (!root.TryGetProperty("model", out JsonElement model) || !model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The tokenizer.json has no model.vocab object.");
        }

        if (model.TryGetProperty("type", out JsonElement type) && type.GetString() is string typeName && typeName != "WordPiece")
        {
            throw new InvalidDataException($"The tokenizer.json model is '{typeName}'; only WordPiece (BERT-family) models are supported.");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            vocabulary[entry.Name] = entry.Value.GetInt32();
        }

        var settings = new WordPieceSettings();
        if (model.TryGetProperty("unk_token", out JsonElement unk) && unk.ValueKind == JsonValueKind.String)
        {
            settings.UnknownToken = unk.GetString()!;
        }

        if (model.TryGetProperty("continuing_subword_prefix", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.String)
        {
            settings.ContinuationPrefix = prefix.GetString()!;
        }

        if (model.TryGetProperty("max_input_chars_per_word", out JsonElement maxChars) && maxChars.ValueKind == JsonValueKind.Number)
        {
            settings.MaxInputCharsPerWord = maxChars.GetInt32();
        }

        if (root.TryGetProperty("normalizer", out JsonElement normalizer) && normalizer.ValueKind == JsonValueKind.Object)
        {
            settings.Lowercase = !normalizer.TryGetProperty("lowercase", out JsonElement lower) || lower.ValueKind != JsonValueKind.False;
            settings.StripAccents = normalizer.TryGetProperty("strip_accents", out JsonElement strip) && strip.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? strip.ValueKind == JsonValueKind.True
                : null;
            settings.HandleChineseChars = !normalizer.TryGetProperty("handle_chinese_chars", out JsonElement chinese) || chinese.ValueKind != JsonValueKind.False;
            settings.CleanText = !normalizer.TryGetProperty("clean_text", out JsonElement clean) || clean.ValueKind != JsonValueKind.False;
        }

        if (lowercase is bool forced)
        {
            settings.Lowercase = forced;
        }

        if (root.TryGetProperty("truncation", out JsonElement truncation) && truncation.ValueKind == JsonValueKind.Object
            && truncation.TryGetProperty("max_length", out JsonElement maxLength) && maxLength.ValueKind == JsonValueKind.Number)
        {
            settings.MaxLength = maxLength.GetInt32();
        }

        return new WordPieceTokenizer(vocabulary, settings);
    }

    /// <summary>Tokenizes <paramref name="text"/> into content token ids (no special tokens).</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">The number of tokens after which to stop.</param>
    /// <returns>At most <paramref name="maxTokens"/> ids.</returns>
    public int[] EncodeContentIds(ReadOnlySpan<char> text, int maxTokens)
    {
        var pieces = new List<Piece>();
        Encode(text, pieces, maxTokens);
        var ids = new int[pieces.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = pieces[i].Id;
        }

        return ids;
    }

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ReadOnlySpan<char> source = text is null ? textSpan : text.AsSpan();
        var pieces = new List<Piece>();
        Encode(source, pieces, settings.MaxTokenCount);
        var tokens = new List<EncodedToken>(pieces.Count);
        foreach (Piece piece in pieces)
        {
            tokens.Add(new EncodedToken(piece.Id, _tokensById[piece.Id], new Range(piece.Start, piece.End)));
        }

        return new EncodeResults<EncodedToken>
        {
            Tokens = tokens,
            NormalizedText = null,
            CharsConsumed = pieces.Count == 0 ? source.Length : CharsConsumed(pieces, source.Length, settings.MaxTokenCount),
        };
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ReadOnlySpan<char> source = text is null ? textSpan : text.AsSpan();
        var pieces = new List<Piece>();
        Encode(source, pieces, settings.MaxTokenCount);
        var ids = new List<int>(pieces.Count);
        foreach (Piece piece in pieces)
        {
            ids.Add(piece.Id);
        }

        return new EncodeResults<int>
        {
            Tokens = ids,
            NormalizedText = null,
            CharsConsumed = pieces.Count == 0 ? source.Length : CharsConsumed(pieces, source.Length, settings.MaxTokenCount),
        };
    }

    /// <inheritdoc />
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ReadOnlySpan<char> source = text is null ? textSpan : text.AsSpan();
        var pieces = new List<Piece>();
        Encode(source, pieces, settings.MaxTokenCount);
        return pieces.Count;
    }

    /// <inheritdoc />
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        normalizedText = null;
        ReadOnlySpan<char> source = text is null ? textSpan : text.AsSpan();
        int max = settings.MaxTokenCount;
        var pieces = new List<Piece>();

        // From the start, one token past the limit tells where to cut; from the end, everything is needed.
        Encode(source, pieces, fromEnd || max == int.MaxValue ? int.MaxValue : max + 1);
        if (pieces.Count <= max)
        {
            tokenCount = pieces.Count;
            return fromEnd ? 0 : source.Length;
        }

        if (max <= 0)
        {
            tokenCount = 0;
            return fromEnd ? source.Length : 0;
        }

        if (!fromEnd)
        {
            // Keep whole words: cut before the word of the first token that does not fit.
            int first = pieces[max].Word;
            int keep = max;
            while (keep > 0 && pieces[keep - 1].Word == first)
            {
                keep--;
            }

            tokenCount = keep;
            return keep == 0 ? 0 : pieces[keep].Start;
        }
        else
        {
            int start = pieces.Count - max;
            int word = pieces[start - 1].Word;
            while (start < pieces.Count && pieces[start].Word == word)
            {
                start++;
            }

            tokenCount = pieces.Count - start;
            return start == pieces.Count ? source.Length : pieces[start].Start;
        }
    }

    /// <inheritdoc />
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        idsConsumed = 0;
        charsWritten = 0;
        bool first = true;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokensById.Length || _tokensById[id] is not string token)
            {
                return OperationStatus.InvalidData;
            }

            bool continuation = token.StartsWith(_continuationPrefix, StringComparison.Ordinal) && token.Length > _continuationPrefix.Length;
            ReadOnlySpan<char> piece = continuation ? token.AsSpan(_continuationPrefix.Length) : token.AsSpan();
            int needed = piece.Length + (first || continuation ? 0 : 1);
            if (charsWritten + needed > destination.Length)
            {
                return OperationStatus.DestinationTooSmall;
            }

            if (!first && !continuation)
            {
                destination[charsWritten++] = ' ';
            }

            piece.CopyTo(destination[charsWritten..]);
            charsWritten += piece.Length;
            idsConsumed++;
            first = false;
        }

        return OperationStatus.Done;
    }

    /// <summary>Tokenizes <paramref name="text"/> into <paramref name="sink"/>, stopping after <paramref name="maxTokens"/> tokens.</summary>
    internal void Encode(ReadOnlySpan<char> text, List<Piece> sink, int maxTokens)
    {
        if (text.IsEmpty || maxTokens <= 0)
        {
            return;
        }

        // Normalize into a buffer that remembers, for every normalized char, the original range it came from.
        var normalized = new NormalizedBuffer(text.Length + 8);
        try
        {
            Normalize(text, ref normalized);
            ReadOnlySpan<char> chars = normalized.Chars;
            int length = normalized.Length;
            int word = 0;
            int position = 0;
            while (position < length && sink.Count < maxTokens)
            {
                if (chars[position] == ' ')
                {
                    position++;
                    continue;
                }

                int end = position + RuneLength(chars, position, length);
                if (!IsPunctuation(chars[position..end]))
                {
                    while (end < length && chars[end] != ' ')
                    {
                        int next = RuneLength(chars, end, length);
                        if (IsPunctuation(chars.Slice(end, next)))
                        {
                            break;
                        }

                        end += next;
                    }
                }

                AddWord(chars[position..end], normalized.Starts.Slice(position, end - position), normalized.Ends.Slice(position, end - position), word, sink, maxTokens);
                word++;
                position = end;
            }
        }
        finally
        {
            normalized.Dispose();
        }
    }

    private static int RuneLength(ReadOnlySpan<char> chars, int position, int length)
        => char.IsHighSurrogate(chars[position]) && position + 1 < length && char.IsLowSurrogate(chars[position + 1]) ? 2 : 1;

    private static int CharsConsumed(List<Piece> pieces, int textLength, int maxTokens)
        => pieces.Count < maxTokens ? textLength : pieces[^1].End;

    private int RequireToken(string token)
        => _vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"The vocabulary has no '{token}' token.");

    private void AddWord(ReadOnlySpan<char> word, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, int wordIndex, List<Piece> sink, int maxTokens)
    {
        int runes = 0;
        foreach (Rune unused in word.EnumerateRunes())
        {
            runes++;
        }

        int wordStart = starts[0];
        int wordEnd = ends[^1];
        if (runes > _maxInputCharsPerWord)
        {
            sink.Add(new Piece(UnknownId, wordStart, wordEnd, wordIndex));
            return;
        }

        // The whole word is split first and truncated after, as Hugging Face does: a word with any part missing
        // from the vocabulary is one [UNK], even when the limit falls inside it.
        int count = sink.Count;
        int start = 0;
        while (start < word.Length)
        {
            int end = word.Length;
            int id = ContinuationNotFound;
            while (end > start)
            {
                ReadOnlySpan<char> candidate = word[start..end];
                if (start == 0 ? _wordStarts.TryGetValue(candidate, out int found) : _continuations.TryGetValue(candidate, out found))
                {
                    id = found;
                    break;
                }

                // Step back one code point, never into the middle of a surrogate pair.
                end--;
                if (end > start && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1]))
                {
                    end--;
                }
            }

            if (id == ContinuationNotFound)
            {
                sink.RemoveRange(count, sink.Count - count);
                sink.Add(new Piece(UnknownId, wordStart, wordEnd, wordIndex));
                return;
            }

            sink.Add(new Piece(id, starts[start], ends[end - 1], wordIndex));
            start = end;
        }

        if (sink.Count > maxTokens)
        {
            sink.RemoveRange(maxTokens, sink.Count - maxTokens);
        }
    }

    private void Normalize(ReadOnlySpan<char> text, ref NormalizedBuffer output)
    {
        int index = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text[index..], out Rune rune, out int consumed);
            int origin = index;
            index += consumed;
            int value = rune.Value;

            if (_cleanText && (value == 0 || value == 0xFFFD || IsControl(rune)))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                output.Append(' ', origin, index);
                continue;
            }

            if (_handleChineseChars && IsChineseChar(value))
            {
                output.Append(' ', origin, index);
                output.Append(rune, origin, index);
                output.Append(' ', origin, index);
                continue;
            }

            if (value < 0x80)
            {
                char c = (char)value;
                if (_lowercase && c is >= 'A' and <= 'Z')
                {
                    c = (char)(c + 32);
                }

                output.Append(c, origin, index);
                continue;
            }

            // Hugging Face's order: strip accents (NFD, drop non-spacing marks), then lowercase.
            string decomposed = _stripAccents ? rune.ToString().Normalize(NormalizationForm.FormD) : rune.ToString();
            foreach (Rune part in decomposed.EnumerateRunes())
            {
                if (_stripAccents && Rune.GetUnicodeCategory(part) == UnicodeCategory.NonSpacingMark)
                {
                    continue;
                }

                if (_lowercase)
                {
                    foreach (Rune lower in part.ToString().ToLowerInvariant().EnumerateRunes())
                    {
                        output.Append(lower, origin, index);
                    }
                }
                else
                {
                    output.Append(part, origin, index);
                }
            }
        }
    }

    private static bool IsWhitespace(Rune rune)
        => rune.Value is '\t' or '\n' or '\r' or ' ' || Rune.IsWhiteSpace(rune);

    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    private static bool IsPunctuation(ReadOnlySpan<char> rune)
    {
        char c = rune[0];
        if (c < 0x80)
        {
            return c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~');
        }

        Rune.DecodeFromUtf16(rune, out Rune r, out _);
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    private static bool IsChineseChar(int cp)
        => cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    /// <summary>One content token: its id, the original range it covers, and the index of its word.</summary>
    internal readonly record struct Piece(int Id, int Start, int End, int Word);

    /// <summary>Normalized chars with the original range of each, in pooled arrays.</summary>
    private struct NormalizedBuffer : IDisposable
    {
        private char[] _chars;
        private int[] _starts;
        private int[] _ends;

        public NormalizedBuffer(int capacity)
        {
            _chars = ArrayPool<char>.Shared.Rent(capacity);
            _starts = ArrayPool<int>.Shared.Rent(capacity);
            _ends = ArrayPool<int>.Shared.Rent(capacity);
            Length = 0;
        }

        public int Length { get; private set; }

        public readonly ReadOnlySpan<char> Chars => _chars.AsSpan(0, Length);

        public readonly ReadOnlySpan<int> Starts => _starts.AsSpan(0, Length);

        public readonly ReadOnlySpan<int> Ends => _ends.AsSpan(0, Length);

        public void Append(Rune rune, int start, int end)
        {
            if (rune.IsBmp)
            {
                Append((char)rune.Value, start, end);
            }
            else
            {
                Span<char> pair = stackalloc char[2];
                rune.EncodeToUtf16(pair);
                Append(pair[0], start, end);
                Append(pair[1], start, end);
            }
        }

        public void Append(char c, int start, int end)
        {
            if (Length == _chars.Length)
            {
                Grow();
            }

            _chars[Length] = c;
            _starts[Length] = start;
            _ends[Length] = end;
            Length++;
        }

        public readonly void Dispose()
        {
            ArrayPool<char>.Shared.Return(_chars);
            ArrayPool<int>.Shared.Return(_starts);
            ArrayPool<int>.Shared.Return(_ends);
        }

        private void Grow()
        {
            int size = _chars.Length * 2;
            char[] chars = ArrayPool<char>.Shared.Rent(size);
            int[] starts = ArrayPool<int>.Shared.Rent(size);
            int[] ends = ArrayPool<int>.Shared.Rent(size);
            _chars.AsSpan(0, Length).CopyTo(chars);
            _starts.AsSpan(0, Length).CopyTo(starts);
            _ends.AsSpan(0, Length).CopyTo(ends);
            Dispose();
            _chars = chars;
            _starts = starts;
            _ends = ends;
        }
    }

    private sealed class WordPieceSettings
    {
        public bool Lowercase { get; set; } = true;

        public bool? StripAccents { get; set; }

        public bool HandleChineseChars { get; set; } = true;

        public bool CleanText { get; set; } = true;

        public int MaxInputCharsPerWord { get; set; } = 100;

        public string ContinuationPrefix { get; set; } = "##";

        public string UnknownToken { get; set; } = "[UNK]";

        public string ClsToken { get; set; } = "[CLS]";

        public string SepToken { get; set; } = "[SEP]";

        public string PadToken { get; set; } = "[PAD]";

        public int? MaxLength { get; set; }
    }
}
