using System.Text;
using AngleSharp.Html.Parser;
using BenchmarkDotNet.Attributes;
using Llm.Stack;

namespace Llm.Stack.Benchmarks.Readers;

/// <summary>
/// Reader throughput on a real corpus: the Node.js API documentation (Markdown) and the Git documentation (HTML)
/// that Debian installs under /usr/share/doc, about 4 MB of each. The baselines are the bare parsers the readers
/// build on (Markdig's parse, AngleSharp's parse plus <c>TextContent</c>) on the same files, so the tables show what
/// structure extraction costs on top of parsing.
/// </summary>
[MemoryDiagnoser]
public class ReaderThroughputBenchmark
{
    private const long TargetBytes = 4L * 1024 * 1024;

    private readonly MarkdownReader _markdownReader = new();
    private readonly HtmlReader _htmlReader = new();
    private List<byte[]> _markdown = [];
    private List<byte[]> _html = [];

    /// <summary>Gets the total size of the Markdown files, in bytes.</summary>
    public long MarkdownBytes { get; private set; }

    /// <summary>Gets the total size of the HTML files, in bytes.</summary>
    public long HtmlBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _markdown = Load("/usr/share/doc/nodejs/api", "*.md", SyntheticMarkdown);
        _html = Load("/usr/share/doc/git-doc", "*.html", SyntheticHtml);
        MarkdownBytes = _markdown.Sum(b => (long)b.Length);
        HtmlBytes = _html.Sum(b => (long)b.Length);
        Console.WriteLine($"// Markdown: {_markdown.Count} files, {MarkdownBytes} bytes; HTML: {_html.Count} files, {HtmlBytes} bytes");
    }

    [Benchmark(Baseline = true)]
    public int MarkdigParse()
    {
        int blocks = 0;
        foreach (byte[] file in _markdown)
        {
            blocks += Markdig.Markdown.Parse(Encoding.UTF8.GetString(file)).Count;
        }

        return blocks;
    }

    [Benchmark]
    public async Task<int> MarkdownReader()
    {
        int elements = 0;
        foreach (byte[] file in _markdown)
        {
            using var stream = new MemoryStream(file);
            await foreach (Document document in _markdownReader.ReadAsync(stream, new DocumentReadContext("bench.md")))
            {
                elements += document.Elements.Count;
            }
        }

        return elements;
    }

    [Benchmark]
    public int AngleSharpParseTextContent()
    {
        var parser = new HtmlParser();
        int length = 0;
        foreach (byte[] file in _html)
        {
            using var document = parser.ParseDocument(Encoding.UTF8.GetString(file));
            length += document.Body?.TextContent.Length ?? 0;
        }

        return length;
    }

    [Benchmark]
    public async Task<int> HtmlReader()
    {
        int elements = 0;
        foreach (byte[] file in _html)
        {
            using var stream = new MemoryStream(file);
            await foreach (Document document in _htmlReader.ReadAsync(stream, new DocumentReadContext("bench.html")))
            {
                elements += document.Elements.Count;
            }
        }

        return elements;
    }

    private static List<byte[]> Load(string folder, string pattern, Func<byte[]> synthetic)
    {
        var files = new List<byte[]>();
        long total = 0;
        if (Directory.Exists(folder))
        {
            foreach (string path in Directory.EnumerateFiles(folder, pattern).Order(StringComparer.Ordinal))
            {
                byte[] bytes = File.ReadAllBytes(path);
                files.Add(bytes);
                total += bytes.Length;
                if (total >= TargetBytes)
                {
                    break;
                }
            }
        }

        while (total < TargetBytes)
        {
            byte[] bytes = synthetic();
            files.Add(bytes);
            total += bytes.Length;
        }

        return files;
    }

    private static byte[] SyntheticMarkdown()
    {
        var builder = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            builder.Append("## Section ").Append(i).Append("\n\nSome *text* with `code` and a [link](http://x).\n\n")
                .Append("| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconsole.log(1);\n```\n\n- item\n- item\n\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static byte[] SyntheticHtml()
    {
        var builder = new StringBuilder("<html><body><nav>menu</nav><main>");
        for (int i = 0; i < 200; i++)
        {
            builder.Append("<h2>Section ").Append(i).Append("</h2><p>Some <em>text</em> with <code>code</code>.</p>")
                .Append("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table><pre>x = 1</pre><ul><li>item</li></ul>");
        }

        return Encoding.UTF8.GetBytes(builder.Append("</main></body></html>").ToString());
    }
}
