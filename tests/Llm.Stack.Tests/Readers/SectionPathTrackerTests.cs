namespace Llm.Stack.Tests.Readers;

/// <summary>The heading stack shared by the Markdown, HTML and DOCX readers, and open to other readers.</summary>
public class SectionPathTrackerTests
{
    [Fact]
    public void Headings_close_every_open_heading_of_their_level_or_deeper()
    {
        var sections = new SectionPathTracker();
        Assert.Empty(sections.Current);

        Assert.Empty(sections.Enter(1, " Guide "));
        Assert.Equal(["Guide"], sections.Current);
        Assert.Equal(["Guide"], sections.Enter(3, "Skipped level"));
        Assert.Equal(["Guide", "Skipped level"], sections.Current);
        Assert.Equal(["Guide"], sections.Enter(2, "Install"));
        Assert.Equal(["Guide", "Install"], sections.Current);
        Assert.Equal(["Guide"], sections.Enter(2, "Configure"));
        Assert.Equal(["Guide", "Configure"], sections.Current);

        // An empty title closes but opens nothing.
        Assert.Equal(["Guide"], sections.Enter(2, "  "));
        Assert.Equal(["Guide"], sections.Current);

        Assert.Empty(sections.Enter(1, "Reference"));
        Assert.Equal(["Reference"], sections.Current);
        Assert.Equal("Guide", sections.FirstTitle);
        Assert.Throws<ArgumentOutOfRangeException>(() => sections.Enter(0, "x"));
        Assert.Throws<ArgumentNullException>(() => sections.Enter(1, null!));
    }

    [Fact]
    public async Task The_three_readers_give_the_same_section_paths_for_the_same_outline()
    {
        Document markdown = await ReaderTestHelpers.ReadOneAsync(new MarkdownReader(), "# A\n\none\n\n### B\n\ntwo\n\n## C\n\nthree\n");
        Document html = await ReaderTestHelpers.ReadOneAsync(new HtmlReader(), "<html><body><h1>A</h1><p>one</p><h3>B</h3><p>two</p><h2>C</h2><p>three</p></body></html>");

        foreach (Document document in new[] { markdown, html })
        {
            Assert.Equal(
                [[], ["A"], ["A"], ["A", "B"], ["A"], ["A", "C"]],
                document.Elements.Select(e => e.SectionPath.ToArray()).ToArray());
        }
    }
}
