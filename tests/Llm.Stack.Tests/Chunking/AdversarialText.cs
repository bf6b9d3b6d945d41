using FsCheck;
using FsCheck.Fluent;

namespace Llm.Stack.Tests.Chunking;

/// <summary>FsCheck generators of random and adversarial text for the chunk invariants.</summary>
internal static class AdversarialText
{
    private static readonly string[] _fragments =
    [
        "the", "quick", "brown", "fox", "Dr.", "e.g.", "U.S.", "3.14", "...", "…", "\"Quoted.\"", "(aside)", "end.",
        "Why?", "Stop!", "👍🏽", "🧑‍🚀", "🇫🇷", "漢字", "かな。", "中文句子。", "e\u0301", "a\u0300\u0301\u0302\u0303", "Ω", "ß",
        "<|endoftext|>", "https://example.org/a?b=c", "x=1;", "--", "====", "\t", "  ", "   ", "\n", "\r\n", "\n\n", "\r\n\r\n",
        "| a | b |", "```", "#", "## Heading", "- item",
    ];

    private static readonly Gen<string> _longWord =
        Gen.Choose(1, 400).SelectMany(n => Gen.Elements('a', 'z', '0', 'é', '字').Select(c => new string(c, n)));

    private static readonly Gen<string> _randomChars =
        Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(Gen.Choose(0x20, 0x2FFF).Select(code => (char)code), n))
            .Select(chars => new string(chars));

    private static readonly Gen<string> _separator = Gen.Elements(" ", " ", " ", "\n", "\r\n", "\n\n", "", "\t");

    /// <summary>Text made of words, punctuation, emoji, CJK, combining marks, long unbroken words, runs of white space and CRLF.</summary>
    public static Gen<string> Text { get; } =
        Gen.Frequency(
            (6, Gen.Elements(_fragments)),
            (1, _longWord),
            (1, _randomChars))
        .SelectMany(fragment => _separator.Select(separator => fragment + separator))
        .ListOf()
        .Select(parts => string.Concat(parts));

    /// <summary>Mostly <see cref="Text"/>, sometimes empty or only white space.</summary>
    public static Gen<string> Document { get; } =
        Gen.Frequency(
            (12, Text),
            (1, Gen.Constant(string.Empty)),
            (1, Gen.Elements(" ", "\r\n\r\n", "\t \n", new string(' ', 300))));

    /// <summary>A document with a maximum (4..64 tokens) and an overlap less than it.</summary>
    public static Arbitrary<(string Text, int Max, int Overlap)> Cases { get; } =
        (from text in Document
         from max in Gen.Choose(4, 64)
         from overlap in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(0, max - 1)))
         select (text, max, overlap)).ToArbitrary();
}
