using System.Text;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;
using HuggingFaceTokenizer = Tokenizers.DotNet.Tokenizer;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>
/// The WordPiece tokenizer against Hugging Face's own (Rust) tokenizers, run through Tokenizers.DotNet with the
/// all-MiniLM-L6-v2 tokenizer.json, on hard strings and on random ones.
/// </summary>
[Collection(MiniLmTestGroup.Name)]
public sealed class WordPieceTokenizerTests(MiniLmFixture fixture) : IDisposable
{
    private HuggingFaceTokenizer? _oracle;

    public static TheoryData<string> HardStrings =>
    [
        "The weather is lovely today.",
        "Café déjà vu, naïve résumé — Ångström Œuvre façade São Paulo",
        "a<b>=c >= d <= e == f != g -> h => i <html><body id=\"x\">",
        "emoji 🙂👍🏽 family 👨‍👩‍👧 flags 🇩🇪 ❤️ keycap 1️⃣ 🤖robot",
        "tabs\tand\nnewlines\r\nand\u00A0nbsp and\u2003em\u3000ideographic\vvertical\fform",
        "中文字符和日本語のテキスト 한국어 텍스트 漢字かな交じり文",
        "don't stop-believing! (hello) [world] {x} @user #tag $100 50% a&b *star* under_score back\\slash ~tilde `tick` ^caret |pipe",
        "\u0000null\u0001ctrl zero\u200Bwidth zw\u200Dj soft\u00ADhyphen bad\uFFFDchar private\uE000use",
        "ﬁ ligature, full-width ＡＢＣ１２３, superscript x² and µ, ½ ™ ©",
        "HeLLo WoRLD iPhone McDonald's O'Neill",
        "3.14159 1,000,000 2026-11-29T03:07:39Z v1.2.3-beta+build.5",
        "Ελληνικά Русский текст العربية हिन्दी ภาษาไทย עברית",
        "∑ ∫ √ ≤ ≥ ≠ ± × ÷ € £ ¥ § ¶ • … ‘quotes’ “double” «guillemets»",
        "İstanbul ıi ß ẞ Ǆ ǅ",
        "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
        new string('a', 99) + " " + new string('b', 100) + " " + new string('c', 101) + " " + new string('é', 101),
        "",
        "   ",
        "unknown ⨀⨁ symbols ␀ and 🀄 tiles",
    ];

    [Theory]
    [MemberData(nameof(HardStrings))]
    public void Token_ids_equal_Hugging_Face_on_hard_strings(string text)
    {
        Assert.Equal(Oracle(text), Ours(text));
    }

    [Fact]
    public void Token_ids_equal_Hugging_Face_on_a_very_long_input()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            text.Append(i % 7 == 0 ? "Résumé " : i % 5 == 0 ? "naïve, " : "tokenisation ").Append(i).Append(i % 11 == 0 ? ".\n" : " ");
        }

        int[] expected = Oracle(text.ToString());
        Assert.True(expected.Length > 5000);
        Assert.Equal(expected, Ours(text.ToString()));
    }

    [Fact]
    public void Token_ids_equal_Hugging_Face_on_random_strings()
    {
        // Letters, accents, CJK, emoji (with surrogates), punctuation, symbols, whitespace and controls mixed.
        string[] alphabet =
        [
            "a", "b", "e", "n", "s", "t", "x", "A", "Q", "é", "È", "ñ", "ü", "ø", "ß", "ç", "0", "7", " ", " ", " ", "\t", "\n", "\r\n",
            ".", ",", "!", "?", "'", "\"", "-", "_", "(", ")", "<", ">", "=", "+", "$", "%", "#", "@", "/", "\\", "|", "~", "^", "`",
            "中", "文", "の", "한", "🙂", "👍🏽", "❤️", "\u200D", "\u00A0", "\u0301", "\u0000", "\u0007", "\uFFFD", "€", "±", "—", "…", "ﬁ", "Ω", "д",
        ];
        var random = new Random(20261129);
        for (int i = 0; i < 400; i++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 40);
            for (int j = 0; j < length; j++)
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }

            string s = text.ToString();
            int[] expected = Oracle(s);
            int[] actual = Ours(s);
            Assert.True(expected.SequenceEqual(actual), $"Differs from Hugging Face on \"{Escape(s)}\": expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
        }
    }

    [Fact]
    public void Tokens_carry_offsets_into_the_original_text()
    {
        Tokenizer tokenizer = Tokenizer();
        string text = "Héllo, WORLD! Tokenisation\tworks 中文 🙂";

        IReadOnlyList<EncodedToken> tokens = tokenizer.EncodeToTokens(text, out string? normalized);

        Assert.Null(normalized);
        Assert.Equal(["hello", ",", "world", "!", "token", "##isation", "works", "中", "文", "[UNK]"], tokens.Select(t => t.Value));
        Assert.Equal(["Héllo", ",", "WORLD", "!", "Token", "isation", "works", "中", "文", "🙂"], tokens.Select(t => text[t.Offset]));
    }

    [Fact]
    public void Count_and_ids_exclude_special_tokens()
    {
        Tokenizer tokenizer = Tokenizer();

        Assert.Equal(0, tokenizer.CountTokens(""));
        Assert.Equal(Oracle("It's so sunny outside!"), tokenizer.EncodeToIds("It's so sunny outside!"));
        Assert.Equal(7, tokenizer.CountTokens("It's so sunny outside!")); // it ' s so sunny outside !
    }

    [Fact]
    public void Index_by_token_count_keeps_whole_words_and_never_exceeds_the_count()
    {
        Tokenizer tokenizer = Tokenizer();
        string text = "alpha tokenisation beta gamma, delta";

        // alpha | token ##isation | beta | gamma | , | delta
        int index = tokenizer.GetIndexByTokenCount(text, 2, out string? normalized, out int count);
        Assert.Null(normalized);
        Assert.Equal(1, count);
        Assert.Equal("alpha ", text[..index]);

        index = tokenizer.GetIndexByTokenCount(text, 3, out _, out count);
        Assert.Equal(3, count);
        Assert.Equal("alpha tokenisation ", text[..index]);

        index = tokenizer.GetIndexByTokenCount(text, 100, out _, out count);
        Assert.Equal(text.Length, index);
        Assert.Equal(7, count);

        for (int max = 0; max <= 7; max++)
        {
            index = tokenizer.GetIndexByTokenCount(text, max, out _, out count);
            Assert.True(count <= max);
            Assert.Equal(count, tokenizer.CountTokens(text[..index]));
        }
    }

    [Fact]
    public void Truncation_inside_an_unknown_word_counts_it_as_one_unknown_token()
    {
        Tokenizer tokenizer = Tokenizer();

        // "abc⨀" is one [UNK] for Hugging Face: the limit must not split it into pieces first.
        string text = "one two abc⨀ three";
        int[] all = Oracle(text);
        Assert.Equal(all[..3], tokenizer.EncodeToIds(text, 3, out _, out _));
        Assert.Equal(3, tokenizer.GetIndexByTokenCount(text, 3, out _, out int count) > 0 ? count : -1);
    }

    [Fact]
    public void Index_by_token_count_from_the_end_keeps_whole_words()
    {
        Tokenizer tokenizer = Tokenizer();
        string text = "alpha beta tokenisation";

        int index = tokenizer.GetIndexByTokenCountFromEnd(text, 1, out _, out int count);
        Assert.Equal(0, count);
        Assert.Equal(text.Length, index);

        index = tokenizer.GetIndexByTokenCountFromEnd(text, 2, out _, out count);
        Assert.Equal(2, count);
        Assert.Equal("tokenisation", text[index..]);

        index = tokenizer.GetIndexByTokenCountFromEnd(text, 3, out _, out count);
        Assert.Equal(3, count);
        Assert.Equal("beta tokenisation", text[index..]);
    }

    [Fact]
    public void Decode_joins_word_pieces()
    {
        Tokenizer tokenizer = Tokenizer();

        Assert.Equal("hello world tokenisation", tokenizer.Decode(tokenizer.EncodeToIds("Hello world tokenisation")));
    }

    [Fact]
    public void Tokenizer_json_and_vocab_txt_load_the_same_tokenizer()
    {
        WordPieceTokenizer fromJson;
        using (FileStream json = File.OpenRead(fixture.TokenizerJsonPath))
        {
            fromJson = WordPieceTokenizer.Load(json, lowercase: null);
        }

        string text = "Café déjà vu <b>=c 中文 🙂 tokenisation";
        Assert.Equal(Ours(text), fromJson.EncodeContentIds(text, int.MaxValue));
        Assert.Equal(30522, fromJson.VocabularySize);
    }

    public void Dispose() => _oracle?.Dispose();

    private Tokenizer Tokenizer() => fixture.Generator.GetService<EmbeddingInputLimits>()!.Tokenizer;

    private int[] Ours(string text) => [.. Tokenizer().EncodeToIds(text)];

    private int[] Oracle(string text)
    {
        _oracle ??= new HuggingFaceTokenizer(fixture.TokenizerJsonPath);
        uint[] ids = _oracle.Encode(text);

        // Hugging Face adds [CLS] ... [SEP]; the tokenizer under test counts content tokens only.
        Assert.Equal(101u, ids[0]);
        Assert.Equal(102u, ids[^1]);
        return [.. ids[1..^1].Select(id => (int)id)];
    }

    private static string Escape(string s)
        => string.Concat(s.Select(c => c < 0x20 || c is >= '\u007F' and <= '\u00A0' || char.IsSurrogate(c) || c > 0x2000 ? $"\\u{(int)c:X4}" : c.ToString()));
}
