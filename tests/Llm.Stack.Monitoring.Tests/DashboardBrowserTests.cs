using System.Globalization;
using System.Net;
using Llm.Stack.Evaluation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Llm.Stack.Monitoring.Tests;

/// <summary>
/// <c>/dashboard</c> on a real Kestrel server over a real SQLite file, opened in a real headless Chromium (Debian's
/// <c>chromium</c>, driven by Playwright; no browser is downloaded): the numbers on the page are the store's, the filters
/// work, the page logs no error, and a screenshot is kept under <c>artifacts/</c> of the test output (or
/// <c>LLMSTACK_TEST_ARTIFACTS</c>).
/// </summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_page_shows_the_stores_numbers_filters_them_and_logs_no_error()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await data.WriteToAsync(store);
        await using WebApplication app = await StartAsync(store);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            Args = ["--no-sandbox"],
        });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                errors.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Add("page error: " + error);
        page.RequestFailed += (_, request) => errors.Add("request failed: " + request.Url);

        IResponse? response = await page.GotoAsync(address + "/dashboard?range=all");
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        InteractionStatistics all = await store.GetStatisticsAsync(new InteractionStatisticsQuery());
        Assert.Equal(data.Records.Count, all.Count);
        await AssertTilesAsync(page, all);

        // Every model's tokens and cost per day, as rows of the table and bars of the charts.
        IReadOnlyList<string> rows = await page.Locator("#model-days tbody tr").AllInnerTextsAsync();
        Assert.Equal(
            all.ModelDays.Select(d => string.Join("\t", d.Day.ToString("yyyy-MM-dd", Invariant), d.ModelId, d.Count.ToString("N0", Invariant), d.InputTokens.ToString("N0", Invariant), d.OutputTokens.ToString("N0", Invariant), d.Cost.ToString("0.0000", Invariant))),
            rows.Select(r => r.Trim()));
        Assert.Equal(all.ModelDays.Count, await page.Locator("#chart-tokens rect.bar").CountAsync());
        Assert.Equal(all.TopScoreHistogram.Count(b => b.Count > 0), await page.Locator("#chart-scores rect.bar").CountAsync());
        Assert.Equal(all.Buckets.Count(b => b.LatencyP50 is not null) * 2 + all.Buckets.Count(b => b.TimeToFirstTokenP50 is not null) * 2, await page.Locator("#chart-latency circle").CountAsync());
        IReadOnlyList<string> blocks = await page.Locator("#blocks tbody tr").AllInnerTextsAsync();
        Assert.Equal(all.GuardrailBlocks.Select(b => $"{b.Key}\t{b.Value.ToString("N0", Invariant)}"), blocks.Select(r => r.Trim()));

        string artifacts = Environment.GetEnvironmentVariable("LLMSTACK_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        string screenshot = Path.Combine(artifacts, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "The screenshot is nearly empty.");

        // Choosing a model in the filter applies it at once (the page's script submits the form).
        // The wait starts before the choice, so a navigation that commits at once is not missed (a race seen under CI load).
        Task modelChosen = page.WaitForURLAsync(url => url.Contains("model=model-b", StringComparison.Ordinal));
        await page.SelectOptionAsync("select[name=model]", "model-b");
        await modelChosen;
        Task tenantChosen = page.WaitForURLAsync(url => url.Contains("tenant=acme", StringComparison.Ordinal));
        await page.SelectOptionAsync("select[name=tenant]", "acme");
        await tenantChosen;
        InteractionStatistics filtered = await store.GetStatisticsAsync(new InteractionStatisticsQuery { ModelId = "model-b", TenantId = "acme" });
        Assert.Equal(data.Records.Count(r => r.ModelId == "model-b" && r.TenantId == "acme"), filtered.Count);
        await AssertTilesAsync(page, filtered);
        Assert.Equal("model-b", await page.InputValueAsync("select[name=model]"));

        // A time range of its own, from the query string.
        string from = data.Start.AddHours(5).ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant), to = data.Start.AddHours(15).ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant);
        await page.GotoAsync($"{address}/dashboard?from={from}&to={to}");
        await AssertTilesAsync(page, await store.GetStatisticsAsync(new InteractionStatisticsQuery { From = data.Start.AddHours(5), To = data.Start.AddHours(15) }));

        Assert.Empty(errors);

        // A bad filter is a 400 naming the parameter.
        IResponse? bad = await page.GotoAsync(address + "/dashboard?range=fortnight");
        Assert.Equal(400, bad!.Status);
        Assert.Contains("'range'", await bad.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_lists_the_evaluation_reports_with_their_regression_diffs_as_the_reports_hold_them()
    {
        // Two runs of the real evaluation code: a baseline, and a later run compared with it and gated (hit@3 regresses).
        string reports = _folder.File("eval-reports");
        ModelComparisonReport baseline = ModelComparisonReport.Create(
            [.. Runs("small", [0.61, 0.42, 0.93, 0.5], [1, 1, 0, 1]), .. Runs("large", [0.7, 0.55, 0.9, 0.81], [1, 1, 1, 1])], ["small", "large"]);
        await baseline.WriteAsync(Path.Combine(reports, "base"));
        ModelComparisonReport run = ModelComparisonReport.Create(
                [.. Runs("small", [0.6, 0.12, 0.93, 0.51], [1, 0, 0, 1]), .. Runs("large", [0.72, 0.55, 0.91, 0.8], [1, 1, 1, 1], failed: 2)], ["small", "large"])
            .CompareWith(await ModelComparisonReport.LoadJsonAsync(Path.Combine(reports, "base", "report.json")), new Dictionary<string, double> { ["rougeL"] = 0.1, ["hit@3"] = 0.2 });
        Assert.True(run.Baseline!.HasRegression);
        await File.WriteAllTextAsync(Path.Combine(reports, "20261206-run.json"), run.ToJson());
        await File.WriteAllTextAsync(Path.Combine(reports, "notes.json"), "[1, 2]");
        File.SetLastWriteTimeUtc(Path.Combine(reports, "base", "report.json"), new DateTime(2026, 12, 1, 9, 30, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(Path.Combine(reports, "20261206-run.json"), new DateTime(2026, 12, 6, 18, 5, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(Path.Combine(reports, "notes.json"), new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc));

        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await using WebApplication app = await StartAsync(store, new ServerSettings { EvaluationReportsDirectory = reports });
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium(), Headless = true, Args = ["--no-sandbox"] });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                errors.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Add("page error: " + error);
        Assert.Equal(200, (await page.GotoAsync(address + "/dashboard"))!.Status);

        // Newest first, each with its date and verdict.
        ILocator articles = page.Locator("#evaluations article.report");
        Assert.Equal(2, await articles.CountAsync());
        Assert.Equal(["20261206-run.json", Path.Combine("base", "report.json")], new[] { await articles.Nth(0).GetAttributeAsync("data-file") ?? "", await articles.Nth(1).GetAttributeAsync("data-file") ?? "" });
        Assert.Equal("2026-12-06 18:05 UTC", await articles.Nth(0).Locator(".when").InnerTextAsync());
        Assert.Equal("regression", await articles.Nth(0).Locator(".verdict").InnerTextAsync());
        Assert.Equal("no baseline", await articles.Nth(1).Locator(".verdict").InnerTextAsync());
        await AssertModelsAsync(articles.Nth(0), run);
        await AssertModelsAsync(articles.Nth(1), baseline);
        Assert.Equal(0, await articles.Nth(1).Locator("table.eval-baseline").CountAsync());

        // The regression diff: every metric of every model against the baseline, with the gate's verdict, and the items that got worse.
        BaselineComparison comparison = run.Baseline;
        ILocator diff = articles.Nth(0).Locator("table.eval-baseline tbody tr");
        Assert.Equal(comparison.Metrics.Count, await diff.CountAsync());
        for (int i = 0; i < comparison.Metrics.Count; i++)
        {
            MetricChange m = comparison.Metrics[i];
            ILocator row = diff.Nth(i);
            IReadOnlyList<string> cells = await row.Locator("td").AllInnerTextsAsync();
            Assert.Equal(
                [m.Model, m.Metric, m.Baseline.ToString("F4", Invariant), m.Current.ToString("F4", Invariant), (-m.Drop).ToString("+0.0000;-0.0000;0", Invariant), m.MaxDrop?.ToString("0.####", Invariant) ?? "", m.MaxDrop is null ? "not gated" : m.Regressed ? "REGRESSED" : "ok"],
                cells.Select(c => c.Trim()));
            Assert.Equal(m.Baseline, double.Parse((await row.Locator("td").Nth(2).GetAttributeAsync("data-value"))!, Invariant));
            Assert.Equal(m.Current, double.Parse((await row.Locator("td").Nth(3).GetAttributeAsync("data-value"))!, Invariant));
        }

        Assert.Contains(comparison.Metrics, m => m.Regressed);
        Assert.Equal(comparison.Items.Count.ToString(Invariant), await articles.Nth(0).Locator("p.items").GetAttributeAsync("data-value"));
        IReadOnlyList<string> items = await articles.Nth(0).Locator("table.eval-items tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.item)");
        Assert.Equal(comparison.Items.Select(i => i.ItemId), items);
        Assert.Contains("retrieval missed", await articles.Nth(0).Locator("table.eval-items").InnerTextAsync(), StringComparison.Ordinal);

        Assert.Contains("notes.json is not a report of llmstack eval", await page.Locator("#evaluations .problem").InnerTextAsync(), StringComparison.Ordinal);
        string artifacts = Environment.GetEnvironmentVariable("LLMSTACK_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        await page.Locator("#evaluations").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(artifacts, "dashboard-evaluations.png") });
        Assert.Empty(errors);
    }

    /// <summary>Four items of one model, with ROUGE-L and hit@3 as given; the <paramref name="failed"/>-th call failed (its metrics count as 0).</summary>
    private static IEnumerable<ModelRunRecord> Runs(string model, double[] rouge, double[] hit, int failed = -1) =>
        rouge.Select((r, i) => new ModelRunRecord
        {
            Model = model,
            ItemId = $"q{i + 1}",
            Response = i == failed ? null : $"{model} answer {i + 1} {r}",
            Error = i == failed ? "TimeoutException" : null,
            Attempts = 1,
            Metrics = i == failed ? new Dictionary<string, double>() : new Dictionary<string, double> { ["ROUGE-L"] = r, ["hit@3"] = hit[i] },
            TotalLatencyMs = 100 + (i * 37.5),
        });

    /// <summary>Each model's rank, metrics and latency in a report's table, as shown and as exact values, against the report.</summary>
    private static async Task AssertModelsAsync(ILocator article, ModelComparisonReport report)
    {
        ILocator rows = article.Locator("table.eval-models tbody tr");
        Assert.Equal(report.Summaries.Count, await rows.CountAsync());
        for (int i = 0; i < report.Summaries.Count; i++)
        {
            ModelSummary s = report.Summaries[i];
            ILocator row = rows.Nth(i);
            Assert.Equal(s.Model, await row.GetAttributeAsync("data-model"));
            Assert.Equal(s.Rank.ToString(Invariant), (await row.Locator("td").First.InnerTextAsync()).Trim());
            foreach (string metric in report.MetricNames)
            {
                ILocator cell = row.Locator($"td[data-metric=\"{metric}\"]");
                Assert.Equal(s.MeanMetrics[metric], double.Parse((await cell.GetAttributeAsync("data-value"))!, Invariant));
                Assert.Equal(s.MeanMetrics[metric].ToString("F4", Invariant), (await cell.InnerTextAsync()).Trim());
            }

            Assert.Contains($"{s.Failures} of {s.Items}", await row.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains(s.MeanLatencyMs.ToString("F1", Invariant), await row.InnerTextAsync(), StringComparison.Ordinal);
        }
    }

    /// <summary>Each headline number on the page, as shown and as its exact value, against the store's statistics.</summary>
    private static async Task AssertTilesAsync(IPage page, InteractionStatistics s)
    {
        var expected = new Dictionary<string, (string Text, double? Value)>
        {
            ["count"] = (s.Count.ToString("N0", Invariant), s.Count),
            ["error-rate"] = ((s.ErrorRate * 100).ToString("0.0", Invariant) + "%", s.ErrorRate),
            ["latency-p50"] = (Ms(s.LatencyP50), s.LatencyP50?.TotalMilliseconds),
            ["latency-p95"] = (Ms(s.LatencyP95), s.LatencyP95?.TotalMilliseconds),
            ["ttft-p50"] = (Ms(s.TimeToFirstTokenP50), s.TimeToFirstTokenP50?.TotalMilliseconds),
            ["ttft-p95"] = (Ms(s.TimeToFirstTokenP95), s.TimeToFirstTokenP95?.TotalMilliseconds),
            ["tokens"] = ((s.InputTokens + s.OutputTokens).ToString("N0", Invariant), s.InputTokens + s.OutputTokens),
            ["cost"] = (s.Cost.ToString("0.0000", Invariant), (double)s.Cost),
            ["feedback"] = (s.PositiveFeedbackRatio is { } r ? (r * 100).ToString("0.0", Invariant) + "%" : "–", s.PositiveFeedbackRatio),
            ["unanswered"] = ((s.UnansweredShare * 100).ToString("0.0", Invariant) + "%", s.UnansweredShare),
            ["blocks"] = (s.GuardrailBlockCount.ToString("N0", Invariant), s.GuardrailBlockCount),
            ["top-score"] = (s.MeanTopScore is { } m ? m.ToString("0.000", Invariant) : "–", s.MeanTopScore),
        };

        foreach ((string stat, (string text, double? value)) in expected)
        {
            ILocator tile = page.Locator($"[data-stat={stat}]");
            Assert.Equal(text, await tile.Locator(".value").InnerTextAsync());
            string shown = (await tile.GetAttributeAsync("data-value"))!;
            Assert.True(value is null ? shown.Length == 0 : double.Parse(shown, Invariant) == value.Value, $"{stat}: the page holds '{shown}', the store {value}.");
        }
    }

    private static string Ms(TimeSpan? value) => value is not { } v ? "–"
        : v.TotalMilliseconds < 1000 ? v.TotalMilliseconds.ToString("0", Invariant) + " ms"
        : v.TotalSeconds.ToString("0.00", Invariant) + " s";

    /// <summary>Debian's chromium (installed by .ci/run), or the one <c>LLMSTACK_CHROMIUM</c> names.</summary>
    private static string Chromium()
    {
        string path = Environment.GetEnvironmentVariable("LLMSTACK_CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";
        Assert.True(File.Exists(path), $"No Chromium at {path}: install Debian's chromium (apt-get install chromium; .ci/run does) or set LLMSTACK_CHROMIUM.");
        return path;
    }

    private static async Task<WebApplication> StartAsync(IInteractionStore store, ServerSettings? settings = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(store);
        WebApplication app = builder.Build();
        app.MapLlmStackDashboard(settings: settings);
        await app.StartAsync();
        return app;
    }
}
