using System.Globalization;
using System.Net;
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

    private static async Task<WebApplication> StartAsync(IInteractionStore store)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(store);
        WebApplication app = builder.Build();
        app.MapLlmStackDashboard();
        await app.StartAsync();
        return app;
    }
}
