using System.Text;

namespace Llm.Stack;

/// <summary>
/// Flattens markup nested deeper than a limit, in one pass over the text, before it reaches the HTML parser.
/// </summary>
/// <remarks>
/// <para>
/// An HTML tree builder looks down its stack of open elements for most tags (the "in scope" checks of the HTML
/// standard), so parsing costs grow with the square of the nesting depth: a page of a few megabytes made of nested
/// <c>&lt;div&gt;</c>s takes minutes. Browsers bound the depth for the same reason (Chromium stops nesting at 512
/// levels and adds deeper elements as siblings). This pass does likewise: a start tag that would open an element
/// deeper than the limit is left out, with its end tag, so its content joins the element at the limit; the tags of
/// <c>script</c>, <c>style</c> and the other raw-text elements are always kept (they hold text, not elements, so they
/// never nest, and their text must stay theirs). Text is never dropped, and markup within the limit is unchanged (the input itself is returned when nothing is deeper).
/// </para>
/// <para>
/// The depth is tracked as a parser would, closely enough to bound it: void elements and self-closing tags open
/// nothing, the text of <c>script</c>, <c>style</c> and the other raw-text elements is skipped to its end tag,
/// comments and declarations are skipped, an end tag closes the elements opened since its start tag, and starting a
/// <c>p</c>, <c>li</c>, <c>td</c> … closes an open element of the same name within its list or table (the end tags
/// HTML lets authors omit). Each tag costs at most <c>maxDepth</c> steps, so the pass is linear in its input.
/// </para>
/// </remarks>
internal static class HtmlDepthLimiter
{
    /// <summary>The default nesting limit, Chromium's.</summary>
    public const int DefaultMaxDepth = 512;

    private static readonly HashSet<string> VoidElements = new(StringComparer.Ordinal)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "basefont", "bgsound", "frame", "keygen", "image",
    };

    private static readonly HashSet<string> RawTextElements = new(StringComparer.Ordinal)
    {
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext",
    };

    /// <summary>
    /// Elements whose end tag may be omitted: the open elements a start tag closes, and the containers that bound the
    /// search for one.
    /// </summary>
    private static readonly Dictionary<string, (string[] Closes, string[] Bounds)> ImpliedEnd = new(StringComparer.Ordinal)
    {
        ["p"] = (["p"], ["div", "section", "article", "main", "body", "td", "th", "li", "blockquote", "button", "table"]),
        ["li"] = (["li"], ["ul", "ol", "menu"]),
        ["dt"] = (["dt", "dd"], ["dl"]),
        ["dd"] = (["dt", "dd"], ["dl"]),
        ["option"] = (["option"], ["select", "datalist", "optgroup"]),
        ["optgroup"] = (["optgroup", "option"], ["select"]),
        ["tr"] = (["tr"], ["table", "thead", "tbody", "tfoot"]),
        ["td"] = (["td", "th"], ["tr", "table"]),
        ["th"] = (["td", "th"], ["tr", "table"]),
        ["thead"] = (["thead", "tbody", "tfoot"], ["table"]),
        ["tbody"] = (["thead", "tbody", "tfoot"], ["table"]),
        ["tfoot"] = (["thead", "tbody", "tfoot"], ["table"]),
        ["rt"] = (["rt", "rp"], ["ruby"]),
        ["rp"] = (["rt", "rp"], ["ruby"]),
    };

    /// <summary>Returns <paramref name="html"/> with elements deeper than <paramref name="maxDepth"/> flattened into their ancestor at that depth.</summary>
    /// <param name="html">The markup.</param>
    /// <param name="maxDepth">The deepest nesting kept, at least 1.</param>
    /// <returns><paramref name="html"/> itself when nothing is nested deeper; otherwise the markup without the tags of the deeper elements.</returns>
    public static string Limit(string html, int maxDepth = DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        var open = new List<string>(Math.Min(maxDepth, 64));
        Dictionary<string, int>? dropped = null;
        StringBuilder? output = null;
        int copied = 0; // html[..copied] is in output (when output exists)
        int i = 0;
        while (true)
        {
            int lt = html.IndexOf('<', i);
            if (lt < 0 || lt + 1 >= html.Length)
            {
                break;
            }

            char next = html[lt + 1];
            if (next == '!' || next == '?')
            {
                i = html.AsSpan(lt).StartsWith("<!--", StringComparison.Ordinal) ? SkipPast(html, lt + 4, "-->") : SkipPast(html, lt + 2, ">");
                continue;
            }

            bool end = next == '/';
            int nameStart = end ? lt + 2 : lt + 1;
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                i = lt + 1;
                continue;
            }

            int nameEnd = nameStart;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] is '-' or ':' or '_'))
            {
                nameEnd++;
            }

            (int tagEnd, bool selfClosing) = EndOfTag(html, nameEnd);
            string name = html.AsSpan(nameStart, nameEnd - nameStart).ToString().ToLowerInvariant();
            bool drop;
            if (end)
            {
                if (dropped is not null && dropped.TryGetValue(name, out int count) && count > 0)
                {
                    dropped[name] = count - 1;
                    drop = true;
                }
                else
                {
                    int index = open.LastIndexOf(name);
                    if (index >= 0)
                    {
                        open.RemoveRange(index, open.Count - index);
                    }

                    drop = false;
                }
            }
            else if (VoidElements.Contains(name) || selfClosing)
            {
                drop = false;
            }
            else
            {
                CloseImplied(open, name);
                if (open.Count >= maxDepth && !RawTextElements.Contains(name))
                {
                    dropped ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    dropped[name] = dropped.GetValueOrDefault(name) + 1;
                    drop = true;
                }
                else
                {
                    open.Add(name);
                    drop = false;
                }
            }

            if (drop)
            {
                output ??= new StringBuilder(html.Length);
                output.Append(html, copied, lt - copied);
                copied = tagEnd;
            }

            i = tagEnd;
            if (!end && !selfClosing && RawTextElements.Contains(name))
            {
                // Raw text: nothing in it is markup, up to its end tag (which the loop then reads).
                int close = IndexOfEndTag(html, tagEnd, name);
                i = close < 0 ? html.Length : close;
            }
        }

        if (output is null)
        {
            return html;
        }

        output.Append(html, copied, html.Length - copied);
        return output.ToString();
    }

    /// <summary>Closes an open element that a start tag of <paramref name="name"/> implies the end of, looking no further than its container.</summary>
    private static void CloseImplied(List<string> open, string name)
    {
        if (!ImpliedEnd.TryGetValue(name, out (string[] Closes, string[] Bounds) rule))
        {
            return;
        }

        for (int k = open.Count - 1; k >= 0; k--)
        {
            string element = open[k];
            if (Array.IndexOf(rule.Closes, element) >= 0)
            {
                open.RemoveRange(k, open.Count - k);
                return;
            }

            if (Array.IndexOf(rule.Bounds, element) >= 0)
            {
                return;
            }
        }
    }

    /// <summary>The index after the tag's <c>&gt;</c> (quoted attribute values may hold one), and whether it ends with <c>/&gt;</c>.</summary>
    private static (int End, bool SelfClosing) EndOfTag(string html, int position)
    {
        char quote = '\0';
        for (int k = position; k < html.Length; k++)
        {
            char c = html[k];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return (k + 1, k > position && html[k - 1] == '/');
            }
        }

        return (html.Length, false);
    }

    private static int SkipPast(string html, int position, string terminator)
    {
        int found = html.IndexOf(terminator, Math.Min(position, html.Length), StringComparison.Ordinal);
        return found < 0 ? html.Length : found + terminator.Length;
    }

    private static int IndexOfEndTag(string html, int position, string name)
    {
        while (position < html.Length)
        {
            int found = html.IndexOf("</", position, StringComparison.Ordinal);
            if (found < 0)
            {
                return -1;
            }

            if (string.Compare(html, found + 2, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return found;
            }

            position = found + 2;
        }

        return -1;
    }
}
