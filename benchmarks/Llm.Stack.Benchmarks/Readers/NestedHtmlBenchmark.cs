using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Llm.Stack.Benchmarks.Readers;

/// <summary>
/// <see cref="HtmlReader"/> on pathologically nested markup: <see cref="Depth"/> nested <c>&lt;div&gt;</c> elements around one
/// sentence (about 2.2 MB at 200k), as a crawled or generated page can have. A reader linear in its input takes twice
/// as long at 200k as at 100k. <see cref="ConvertUnlimited"/> is what the reader ran before nesting was bounded (the same
/// conversion with no depth limit), the baseline. One cold run per case (<see cref="RunStrategy.Monitoring"/>): a quadratic reader takes
/// minutes here. Each read runs on a thread with a 256 MB stack, so that a reader that recurses once per level is timed
/// rather than stopped by a stack overflow.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class NestedHtmlBenchmark
{
    private readonly HtmlReader _reader = new();
    private byte[] _html = [];

    /// <summary>Gets or sets the nesting depth.</summary>
    [Params(100_000, 200_000)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = new StringBuilder("<html><body>");
        builder.Insert(builder.Length, "<div>", Depth).Append("The volcano erupted in 2010.").Insert(builder.Length, "</div>", Depth).Append("</body></html>");
        _html = Encoding.UTF8.GetBytes(builder.ToString());
    }

    [Benchmark]
    public int ReadNestedDivs() => OnLargeStack(() => Read().GetAwaiter().GetResult());

    [Benchmark(Baseline = true)]
    public int ConvertUnlimited() => OnLargeStack(() =>
        HtmlReader.Convert(Encoding.UTF8.GetString(_html), new Dictionary<string, object?>(), CancellationToken.None, maxDepth: int.MaxValue).Text.Length);

    [Benchmark]
    public int ConvertLimited() => OnLargeStack(() =>
        HtmlReader.Convert(Encoding.UTF8.GetString(_html), new Dictionary<string, object?>(), CancellationToken.None).Text.Length);

    private static int OnLargeStack(Func<int> read)
    {
        int length = 0;
        var thread = new Thread(() => length = read(), 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        return length > 0 ? length : throw new InvalidOperationException("The text was lost.");
    }

    private async Task<int> Read()
    {
        using var stream = new MemoryStream(_html);
        int length = 0;
        await foreach (Document document in _reader.ReadAsync(stream, new DocumentReadContext("nested.html")))
        {
            length += document.Text.Contains("volcano", StringComparison.Ordinal) ? document.Text.Length : 0;
        }

        return length;
    }
}
