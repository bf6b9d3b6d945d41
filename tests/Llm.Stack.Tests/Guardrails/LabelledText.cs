using System.Text;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// A labelled set of documents read from an embedded resource: documents start with a header line (<c>### name</c>
/// by default), lines before the first document are comments, and each labelled span is written
/// <c>⟦Label|text⟧</c> (the markers are removed from the document's text).
/// </summary>
internal sealed record LabelledText(string Name, string Text, IReadOnlyList<(string Label, int Start, int Length)> Spans)
{
    public static IReadOnlyList<LabelledText> Load(string resource, string header = "### ")
    {
        using Stream stream = typeof(LabelledText).Assembly.GetManifestResourceStream("Llm.Stack.Tests.Guardrails." + resource)
            ?? throw new InvalidOperationException($"The resource {resource} is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string all = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var documents = new List<LabelledText>();
        foreach (string part in all.Split("\n" + header)[1..])
        {
            int newline = part.IndexOf('\n', StringComparison.Ordinal);
            documents.Add(Parse(part[..newline].Trim(), part[(newline + 1)..]));
        }

        return documents;
    }

    private static LabelledText Parse(string name, string marked)
    {
        var text = new StringBuilder(marked.Length);
        var spans = new List<(string, int, int)>();
        int pos = 0;
        while (true)
        {
            int open = marked.IndexOf('⟦', pos);
            if (open < 0)
            {
                text.Append(marked, pos, marked.Length - pos);
                break;
            }

            int bar = marked.IndexOf('|', open);
            int close = marked.IndexOf('⟧', open);
            if (bar < 0 || close < bar)
            {
                throw new FormatException($"{name}: an unclosed label at {open}.");
            }

            text.Append(marked, pos, open - pos);
            string value = marked[(bar + 1)..close];
            spans.Add((marked[(open + 1)..bar], text.Length, value.Length));
            text.Append(value);
            pos = close + 1;
        }

        return new LabelledText(name, text.ToString(), spans);
    }
}
