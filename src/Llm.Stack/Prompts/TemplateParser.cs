using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>Parses the Mustache dialect of <see cref="PromptTemplate"/> into role blocks of nodes.</summary>
internal static partial class TemplateParser
{
    private const int MaxPartialDepth = 16;

    [GeneratedRegex(@"^message\s+role\s*=\s*[""']?(?<role>[A-Za-z_]+)[""']?$", RegexOptions.CultureInvariant)]
    private static partial Regex MessageTag();

    private enum Kind
    {
        Text,
        Variable,
        Open,
        Inverted,
        Close,
        Comment,
        Partial,
    }

    private readonly record struct Token(Kind Kind, string Value, int Line);

    public static List<(ChatRole Role, List<TemplateNode> Nodes)> Parse(string text, IReadOnlyDictionary<string, string>? partials)
    {
        List<Token> tokens = Tokenize(text, partials, 0);
        var blocks = new List<(ChatRole, List<TemplateNode>)>();
        var loose = new List<TemplateNode>();
        int i = 0;
        while (i < tokens.Count)
        {
            Token t = tokens[i];
            if (t.Kind == Kind.Open && MessageTag().Match(t.Value) is { Success: true } m)
            {
                FlushLoose(blocks, loose);
                i++;
                List<TemplateNode> nodes = ParseNodes(tokens, ref i, "message", t.Line);
                blocks.Add((new ChatRole(m.Groups["role"].Value.ToLowerInvariant()), nodes));
                continue;
            }

            if (t.Kind == Kind.Close)
            {
                throw new FormatException($"Line {t.Line}: '{{{{/{t.Value}}}}}' closes a section that is not open.");
            }

            int before = i;
            List<TemplateNode> one = ParseNodes(tokens, ref i, null, t.Line, single: true);
            loose.AddRange(one);
            if (i == before)
            {
                i++;
            }
        }

        FlushLoose(blocks, loose);
        return blocks;
    }

    private static void FlushLoose(List<(ChatRole, List<TemplateNode>)> blocks, List<TemplateNode> loose)
    {
        // Text outside role blocks is a user message, unless it is only white space.
        if (loose.Any(n => n is not TextNode t || !string.IsNullOrWhiteSpace(t.Text)))
        {
            blocks.Add((ChatRole.User, [.. loose]));
        }

        loose.Clear();
    }

    private static List<TemplateNode> ParseNodes(List<Token> tokens, ref int i, string? closing, int openLine, bool single = false)
    {
        var nodes = new List<TemplateNode>();
        while (i < tokens.Count)
        {
            Token t = tokens[i];
            switch (t.Kind)
            {
                case Kind.Text:
                    nodes.Add(new TextNode(t.Value));
                    i++;
                    break;
                case Kind.Variable:
                    nodes.Add(new VariableNode(t.Value, Path(t.Value, t.Line)));
                    i++;
                    break;
                case Kind.Open:
                case Kind.Inverted:
                    if (MessageTag().IsMatch(t.Value))
                    {
                        if (single)
                        {
                            return nodes;
                        }

                        throw new FormatException($"Line {t.Line}: a message block cannot be nested inside another block.");
                    }

                    i++;
                    List<TemplateNode> children = ParseNodes(tokens, ref i, t.Value, t.Line);
                    nodes.Add(new SectionNode(t.Value, Path(t.Value, t.Line), t.Kind == Kind.Inverted, children));
                    break;
                case Kind.Close:
                    string expected = closing is not null && MessageTag().IsMatch(closing) ? "message" : closing ?? string.Empty;
                    if (closing is null || (t.Value != closing && t.Value != expected))
                    {
                        if (single)
                        {
                            return nodes;
                        }

                        throw new FormatException($"Line {t.Line}: '{{{{/{t.Value}}}}}' does not close '{closing ?? "(nothing)"}' opened on line {openLine}.");
                    }

                    i++;
                    return nodes;
                default:
                    i++;
                    break;
            }

            if (single)
            {
                return nodes;
            }
        }

        if (closing is not null)
        {
            throw new FormatException($"Line {openLine}: '{{{{#{closing}}}}}' is never closed.");
        }

        return nodes;
    }

    private static string[] Path(string name, int line)
    {
        if (name == ".")
        {
            return [];
        }

        string[] parts = name.Split('.');
        foreach (string p in parts)
        {
            if (p.Length == 0 || !p.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-'))
            {
                throw new FormatException($"Line {line}: '{name}' is not a valid variable name.");
            }
        }

        return parts;
    }

    private static List<Token> Tokenize(string text, IReadOnlyDictionary<string, string>? partials, int depth)
    {
        var tokens = new List<Token>();
        int pos = 0;
        int line = 1;
        while (pos < text.Length)
        {
            int open = text.IndexOf("{{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                tokens.Add(new Token(Kind.Text, text[pos..], line));
                break;
            }

            if (open > pos)
            {
                string literal = text[pos..open];
                tokens.Add(new Token(Kind.Text, literal, line));
                line += literal.Count(c => c == '\n');
            }

            bool triple = open + 2 < text.Length && text[open + 2] == '{';
            string closeMark = triple ? "}}}" : "}}";
            int start = open + (triple ? 3 : 2);
            int close = text.IndexOf(closeMark, start, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Line {line}: '{{{{' is never closed with '{closeMark}'.");
            }

            string tag = text[start..close].Trim();
            pos = close + closeMark.Length;
            if (tag.Length == 0)
            {
                throw new FormatException($"Line {line}: empty tag '{{{{}}}}'.");
            }

            char sigil = triple ? '\0' : tag[0];
            string body = sigil is '#' or '^' or '/' or '!' or '>' or '&' ? tag[1..].Trim() : tag;
            switch (sigil)
            {
                case '#':
                    tokens.Add(new Token(Kind.Open, body, line));
                    break;
                case '^':
                    tokens.Add(new Token(Kind.Inverted, body, line));
                    break;
                case '/':
                    tokens.Add(new Token(Kind.Close, body, line));
                    break;
                case '!':
                    tokens.Add(new Token(Kind.Comment, body, line));
                    break;
                case '>':
                    if (depth >= MaxPartialDepth)
                    {
                        throw new FormatException($"Line {line}: partials nest deeper than {MaxPartialDepth} levels (is '{body}' recursive?).");
                    }

                    if (partials is null || !partials.TryGetValue(body, out string? partial))
                    {
                        throw new FormatException($"Line {line}: the partial '{body}' is not defined.");
                    }

                    tokens.Add(new Token(Kind.Partial, body, line));
                    tokens.AddRange(Tokenize(partial, partials, depth + 1));
                    break;
                default:
                    tokens.Add(new Token(Kind.Variable, body, line));
                    break;
            }
        }

        RemoveStandaloneLines(tokens);
        return tokens;
    }

    /// <summary>
    /// As in Mustache, a line holding only a section, close, comment, partial or message tag (and white space)
    /// disappears entirely, so block tags on their own lines leave no blank lines behind.
    /// </summary>
    private static void RemoveStandaloneLines(List<Token> tokens)
    {
        // Decide on the original text first: trimming one tag's line must not hide the newline the next tag needs.
        var standalone = new bool[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind is Kind.Text or Kind.Variable)
            {
                continue;
            }

            string? before = i > 0 && tokens[i - 1].Kind == Kind.Text ? tokens[i - 1].Value : null;
            string? after = i + 1 < tokens.Count && tokens[i + 1].Kind == Kind.Text ? tokens[i + 1].Value : null;
            bool startOfLine = i == 0 || (before is not null && LastLineIsBlank(before, out _) && (before.Contains('\n', StringComparison.Ordinal) || i == 1));
            bool endOfLine = i + 1 == tokens.Count || (after is not null && FirstLineIsBlank(after, out _));
            standalone[i] = startOfLine && endOfLine;
        }

        for (int i = 0; i < tokens.Count; i++)
        {
            if (!standalone[i])
            {
                continue;
            }

            if (i > 0 && tokens[i - 1].Kind == Kind.Text)
            {
                string before = tokens[i - 1].Value;
                LastLineIsBlank(before, out int cut);
                tokens[i - 1] = tokens[i - 1] with { Value = before[..cut] };
            }

            if (i + 1 < tokens.Count && tokens[i + 1].Kind == Kind.Text)
            {
                string after = tokens[i + 1].Value;
                FirstLineIsBlank(after, out int skip);
                tokens[i + 1] = tokens[i + 1] with { Value = after[skip..] };
            }
        }
    }

    private static bool LastLineIsBlank(string text, out int cut)
    {
        int nl = text.LastIndexOf('\n');
        cut = nl + 1;
        for (int j = cut; j < text.Length; j++)
        {
            if (text[j] is not (' ' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool FirstLineIsBlank(string text, out int skip)
    {
        int j = 0;
        while (j < text.Length && text[j] is ' ' or '\t' or '\r')
        {
            j++;
        }

        if (j == text.Length)
        {
            skip = j;
            return true;
        }

        if (text[j] == '\n')
        {
            skip = j + 1;
            return true;
        }

        skip = 0;
        return false;
    }
}
