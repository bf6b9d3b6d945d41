using Llm.Stack;
using static Llm.Stack.Tests.Readers.ReaderTestHelpers;

namespace Llm.Stack.Tests.Readers;

public class HtmlReaderTests
{
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <title> Widget   Manual </title>
          <meta name="description" content="How to use widgets">
          <style>body { color: red }</style>
          <script>var x = "<p>not content</p>";</script>
        </head>
        <body>
          <header><a href="/">Home</a> | <a href="/blog">Blog</a></header>
          <nav><ul><li>Menu item</li></ul></nav>
          <main>
            <h1>Widgets</h1>
            <p>A <b>widget</b> is   a small
               thing.<br>It has parts.</p>
            <h2>Parts</h2>
            <table>
              <caption>Part list</caption>
              <thead><tr><th>Name</th><th>Count</th></tr></thead>
              <tbody>
                <tr><td>Bolt</td><td>4</td></tr>
                <tr><td>Nut | washer</td><td>4</td></tr>
              </tbody>
            </table>
            <h3>Assembly</h3>
            <ol>
              <li>Take the <em>bolt</em>.</li>
              <li><p>Turn it</p>
                <ul><li>clockwise</li><li>gently</li></ul>
              </li>
            </ol>
            <pre><code>widget --assemble
          --verbose</code></pre>
            <aside>Related: gadgets</aside>
            <blockquote><p>Widgets are great.</p><p>— A user</p></blockquote>
            <div hidden>secret</div>
            <h2>Care</h2>
            <div>Loose text in a div <span>with a span</span>.</div>
            <noscript>Enable JS</noscript>
          </main>
          <footer>© 2026</footer>
        </body>
        </html>
        """;

    [Fact]
    public async Task Golden_main_content_structure()
    {
        Document document = await ReadOneAsync(new HtmlReader(), Page);

        AssertElementsWellFormed(document);
        string expectedText = """
            Widgets

            A widget is a small thing.
            It has parts.

            Parts

            Part list

            Name | Count
            Bolt | 4
            Nut \| washer | 4

            Assembly

            1. Take the bolt.
            2. Turn it
              - clockwise
              - gently

            widget --assemble
              --verbose

            Widgets are great.
            — A user

            Care

            Loose text in a div with a span.
            """;
        Assert.Equal(expectedText.Replace("\r\n", "\n", StringComparison.Ordinal), document.Text);

        var actual = document.Elements.Select(e => (e.Kind, string.Join(" > ", e.SectionPath))).ToList();
        (DocumentElementKind, string)[] expected =
        [
            (DocumentElementKind.Heading, ""),
            (DocumentElementKind.Paragraph, "Widgets"),
            (DocumentElementKind.Heading, "Widgets"),
            (DocumentElementKind.Paragraph, "Widgets > Parts"),
            (DocumentElementKind.Table, "Widgets > Parts"),
            (DocumentElementKind.Heading, "Widgets > Parts"),
            (DocumentElementKind.ListItem, "Widgets > Parts > Assembly"),
            (DocumentElementKind.ListItem, "Widgets > Parts > Assembly"),
            (DocumentElementKind.ListItem, "Widgets > Parts > Assembly"),
            (DocumentElementKind.ListItem, "Widgets > Parts > Assembly"),
            (DocumentElementKind.Code, "Widgets > Parts > Assembly"),
            (DocumentElementKind.Quote, "Widgets > Parts > Assembly"),
            (DocumentElementKind.Heading, "Widgets"),
            (DocumentElementKind.Paragraph, "Widgets > Care"),
        ];
        Assert.Equal(expected, actual);

        DocumentElement table = document.Elements.Single(e => e.Kind == DocumentElementKind.Table);
        Assert.True(table.HasHeaderRow);
        Assert.Equal(["Name | Count", "Bolt | 4", "Nut \\| washer | 4"], table.Rows.Select(r => TextOf(document, r)));
        Assert.Equal([1, 2, 3, 2], document.Elements.Where(e => e.Kind == DocumentElementKind.Heading).Select(e => e.HeadingLevel!.Value));

        Assert.Equal("Widget Manual", document.Metadata[HtmlReader.TitleMetadataKey]);
        Assert.Equal("en", document.Metadata[HtmlReader.LanguageMetadataKey]);
        Assert.Equal("How to use widgets", document.Metadata[HtmlReader.DescriptionMetadataKey]);
        Assert.Equal("text/html", document.MediaType);
    }

    [Fact]
    public async Task Without_main_the_body_is_used_minus_page_chrome()
    {
        Document document = await ReadOneAsync(new HtmlReader(), "<body><header>Site</header><h1>T</h1><p>Body text</p><footer>Foot</footer><script>x()</script></body>");

        Assert.Equal("T\n\nBody text", document.Text);
        Assert.Equal("T", document.Metadata[HtmlReader.TitleMetadataKey]);
    }

    [Fact]
    public async Task Article_keeps_its_own_header()
    {
        Document document = await ReadOneAsync(new HtmlReader(), "<body><nav>n</nav><article><header><h1>Post</h1></header><p>Text</p></article><aside>ad</aside></body>");

        Assert.Equal("Post\n\nText", document.Text);
    }

    [Fact]
    public async Task Table_without_thead_uses_a_first_row_of_th_cells_and_nested_tables_stay_inside_cells()
    {
        Document document = await ReadOneAsync(new HtmlReader(), "<table><tr><td>a</td><td><table><tr><td>inner</td></tr></table></td></tr><tr><td>b</td><td>c</td></tr></table><table><tr><th>H</th></tr><tr><td>v</td></tr></table>");

        AssertElementsWellFormed(document);
        DocumentElement[] tables = [.. document.Elements.Where(e => e.Kind == DocumentElementKind.Table)];
        Assert.Equal(2, tables.Length);
        Assert.False(tables[0].HasHeaderRow);
        Assert.Equal(["a | inner", "b | c"], tables[0].Rows.Select(r => TextOf(document, r)));
        Assert.True(tables[1].HasHeaderRow);
    }

    [Fact]
    public async Task Empty_pages_are_empty_documents()
    {
        Document document = await ReadOneAsync(new HtmlReader(), "<html><head><title></title></head><body> <script>1</script> </body></html>");

        Assert.Equal(string.Empty, document.Text);
        Assert.Empty(document.Elements);
        Assert.False(document.Metadata.ContainsKey(HtmlReader.TitleMetadataKey));
    }

    [Fact]
    public async Task Binary_content_is_rejected()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new HtmlReader(), [0x3C, 0x68, 0x00, 0x00, 0x01]));
    }
}
