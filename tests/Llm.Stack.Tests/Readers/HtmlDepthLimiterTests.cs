using System.Text;
using static Llm.Stack.Tests.Readers.ReaderTestHelpers;

namespace Llm.Stack.Tests.Readers;

/// <summary>Deeply nested markup is flattened past the limit, text kept, and ordinary pages pass unchanged.</summary>
public class HtmlDepthLimiterTests
{
    [Fact]
    public void Markup_within_the_limit_is_returned_as_it_is()
    {
        string page = """
            <!DOCTYPE html><html><head><title>T</title><script>if (a < b && "</div>") { x("<div><div>"); }</script></head>
            <body><!-- <div><div><div> --><p>one<p>two<ul><li>a<li>b<li><ul><li>c</ul></ul>
            <table><tr><td>1<td>2<tr><td>3</table><img src="x.png"><br/><input value='>'><div class="a>b">text</div></body></html>
            """;

        Assert.Same(page, HtmlDepthLimiter.Limit(page, maxDepth: 8));
    }

    [Fact]
    public void Unclosed_paragraphs_list_items_and_cells_do_not_count_as_nesting()
    {
        var page = new StringBuilder("<html><body>");
        for (int i = 0; i < 2000; i++)
        {
            page.Append("<p>paragraph ").Append(i).Append("<p>another<ul><li>item<li>item</ul><dl><dt>term<dd>definition<dt>term<dd>definition</dl>")
                .Append("<table><thead><tr><th>a<th>b<tbody><tr><td>1<td>2<tr><td>3<td>4</table><select><option>x<option>y</select>");
        }

        string html = page.Append("</body></html>").ToString();

        Assert.Same(html, HtmlDepthLimiter.Limit(html, maxDepth: 16));
    }

    [Fact]
    public void Elements_past_the_limit_lose_their_tags_but_not_their_text()
    {
        string html = "<html><body>" + Repeat("<div>", 10) + "<span class=\"deep\">deep <b>text</b></span>" + Repeat("</div>", 10) + "<p>after</p></body></html>";

        string limited = HtmlDepthLimiter.Limit(html, maxDepth: 5);

        // html, body and three divs are kept; the deeper divs, the span and the b lose their tags, with their end tags.
        Assert.Equal("<html><body>" + Repeat("<div>", 3) + "deep text" + Repeat("</div>", 3) + "<p>after</p></body></html>", limited);
    }

    [Fact]
    public async Task The_reader_keeps_the_text_and_structure_around_markup_nested_far_past_the_limit()
    {
        const int depth = 20_000;
        string html = "<html><body><h1>Top</h1><p>Before.</p>" + Repeat("<div>", depth) + "<p>Deep inside.</p><script>ignored()</script>" + Repeat("</div>", depth)
            + "<h2>Next</h2><p>After.</p></body></html>";

        Document document = await ReadOneAsync(new HtmlReader(), html);

        Assert.Equal("Top\n\nBefore.\n\nDeep inside.\n\nNext\n\nAfter.", document.Text);
        AssertElementsWellFormed(document);
        DocumentElement after = document.Elements[^1];
        Assert.Equal(["Top", "Next"], after.SectionPath);
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
}
