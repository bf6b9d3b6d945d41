using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

/// <summary>Reader invariants over random and adversarial input, with FsCheck.</summary>
public class ReaderPropertyTests
{
    private const int Tests = 200;

    private static readonly string[] MarkdownFragments =
    [
        "# ", "## ", "###### ", "####### ", "Title", "text", " ", "\t", "\n", "\r\n", "\r", "\n\n", "| a | b |\n", "|---|---|\n",
        "| 1 | 2 |", "|", "```", "```js\n", "~~~", "    code\n", "- ", "  - ", "1. ", "> ", ">", "*", "_", "`", "[x](y)",
        "<div>", "</div>", "---\n", "===\n", "é", "字", "\\", "---\ntitle: t\n---\n", "[ref]: http://x\n",
    ];

    private static readonly string[] HtmlFragments =
    [
        "<h1>", "</h1>", "<h3>", "</h3>", "<p>", "</p>", "<table>", "</table>", "<tr>", "<td>", "<th>", "</td>", "<thead>",
        "<ul>", "<ol>", "<li>", "</li>", "</ul>", "<pre>", "</pre>", "<script>", "</script>", "<main>", "</main>", "<nav>",
        "<br>", "<blockquote>", "<div hidden>", "</div>", "<span>", "text", "a | b", " ", "\n", "&amp;", "&lt;", "é", "<caption>",
        "<!-- c -->", "<header>", "<article>", "<title>", "</title>", "<script>SECRET</script>", "<style>SECRET{}</style>", "<nav>SECRET</nav>",
    ];

    public static Arbitrary<string> Markdown { get; } = Documents(MarkdownFragments);

    public static Arbitrary<string> Html { get; } = Documents(HtmlFragments);

    public static Arbitrary<string[][]> CsvRecords { get; } =
        Gen.Choose(1, 4).SelectMany(width =>
            Gen.ArrayOf(
                Gen.ArrayOf(
                    Gen.ArrayOf(Gen.Elements("a", "b", ",", "\"", "\n", "\r\n", " ", "é", "x y", ";")).Select(parts => string.Concat(parts)),
                    width),
                Gen.Choose(1, 6).Sample(1)[0]))
        .ToArbitrary();

    [Property(MaxTest = Tests)]
    public Property Markdown_elements_are_ordered_disjoint_and_inside_the_source() =>
        Prop.ForAll(Markdown, source =>
        {
            var metadata = new Dictionary<string, object?>();
            string text = Normalize(source);
            List<DocumentElement> elements = MarkdownReader.Parse(text, metadata, CancellationToken.None);
            ReaderTestHelpers.AssertElementsWellFormed(new Document("p", text) { Elements = elements });
            Assert.All(elements, e => Assert.False(string.IsNullOrWhiteSpace(text.Substring(e.Start, e.Length))));
            Assert.All(elements.Where(e => e.Kind == DocumentElementKind.Heading), e => Assert.InRange(e.HeadingLevel!.Value, 1, 6));
        });

    [Property(MaxTest = Tests)]
    public Property Html_elements_are_ordered_disjoint_and_inside_the_text() =>
        Prop.ForAll(Html, html =>
        {
            (string text, List<DocumentElement> elements) = HtmlReader.Convert(html, new Dictionary<string, object?>(), CancellationToken.None);
            ReaderTestHelpers.AssertElementsWellFormed(new Document("p", text) { Elements = elements });
            Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
            Assert.All(elements, e => Assert.False(string.IsNullOrWhiteSpace(text.Substring(e.Start, e.Length))));
        });

    [Property(MaxTest = Tests)]
    public Property Csv_round_trips_any_fields() =>
        Prop.ForAll(CsvRecords, records =>
        {
            string csv = string.Concat(records.Select(r => string.Join(',', r.Select(Quote)) + "\r\n"));
            var parser = new CsvParser(new StringReader(csv), ',', 1 << 20, "p.csv");
            var fields = new List<string>();
            var parsed = new List<string[]>();
            while (parser.ReadRecordAsync(fields, CancellationToken.None).AsTask().GetAwaiter().GetResult())
            {
                parsed.Add([.. fields]);
            }

            Assert.Equal(records.Length, parsed.Count);
            for (int i = 0; i < records.Length; i++)
            {
                Assert.Equal(records[i], parsed[i]);
            }
        });

    [Property(MaxTest = Tests)]
    public Property Plain_text_round_trips_with_normalised_line_endings() =>
        Prop.ForAll(Markdown, source =>
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(source));
            Document document = Assert.Single(new PlainTextReader().ReadAsync(stream, new DocumentReadContext("p")).ToListAsync().AsTask().GetAwaiter().GetResult());
            Assert.Equal(Normalize(source), document.Text);
            ReaderTestHelpers.AssertElementsWellFormed(document);
        });

    private static Arbitrary<string> Documents(string[] fragments) =>
        Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements(fragments), n)).Select(parts => string.Concat(parts)).ToArbitrary();

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    // Quote a field when it needs it, and always when it is empty (an unquoted empty record would be an empty line).
    private static string Quote(string field) =>
        field.Length == 0 || field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || field.StartsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;
}
