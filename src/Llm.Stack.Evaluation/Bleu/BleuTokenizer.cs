namespace Llm.Stack.Evaluation;

/// <summary>The tokenizers of sacreBLEU that <see cref="BleuScorer"/> implements.</summary>
public enum BleuTokenizer
{
    /// <summary>
    /// sacreBLEU's <c>13a</c> tokenizer (its default), equivalent to <c>mteval-v13a.pl</c>: unescapes a few HTML
    /// entities, separates ASCII punctuation and symbols, and separates periods and commas unless they are
    /// between digits.
    /// </summary>
    ThirteenA = 0,

    /// <summary>
    /// sacreBLEU's <c>intl</c> tokenizer (<c>mteval-v14.pl</c> international): separates every Unicode punctuation
    /// character unless it is between digits, and every Unicode symbol.
    /// </summary>
    International = 1,

    /// <summary>sacreBLEU's <c>none</c> tokenizer: the text is split on white space only.</summary>
    None = 2,

    /// <summary>sacreBLEU's <c>char</c> tokenizer: every character (Unicode code point) is a token.</summary>
    Character = 3,
}
