using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Server;

/// <summary>Answers <c>GET /dashboard</c>: reads the filters, asks the store for its statistics, reads the evaluation reports, renders the page.</summary>
/// <remarks>Thread-safe: one instance serves all requests.</remarks>
internal sealed class DashboardEndpoint(IServiceProvider services, EvaluationReportFolder reports)
{
    /// <summary>The time ranges the page offers, by their query-string value.</summary>
    public static readonly (string Value, string Label, TimeSpan? Span)[] Ranges =
    [
        ("1h", "Last hour", TimeSpan.FromHours(1)),
        ("24h", "Last 24 hours", TimeSpan.FromHours(24)),
        ("7d", "Last 7 days", TimeSpan.FromDays(7)),
        ("30d", "Last 30 days", TimeSpan.FromDays(30)),
        ("all", "Everything stored", null),
    ];

    private IInteractionStore? _store;

    public async Task HandleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        IInteractionStore store = _store ??= services.GetService<IInteractionStore>() ?? services.GetService<InteractionLog>()?.Store
            ?? throw new OpenAIError(503, "No interaction log is registered: add one (AddInteractionLog()) to see the dashboard.", code: "no_interaction_log", type: "server_error");
        DashboardFilters filters = Parse(http.Request.Query, (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow());
        InteractionStatistics statistics = await store.GetStatisticsAsync(filters.ToQuery(), cancellationToken).ConfigureAwait(false);
        (IReadOnlyList<EvaluationReport> evaluations, IReadOnlyList<string> problems) = reports.Read();
        string html = DashboardPage.Render(statistics, filters, new DashboardReports(reports.Directory, evaluations, problems));
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";

        // The page loads nothing from anywhere: its styles and script are inline, and nothing else may run.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'self'";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(html), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the filters; a bad value is a 400 naming its parameter.</summary>
    public static DashboardFilters Parse(IQueryCollection query, DateTimeOffset now)
    {
        string? model = Value(query, "model");
        string? tenant = Value(query, "tenant");
        DateTimeOffset? from = Time(query, "from");
        DateTimeOffset? to = Time(query, "to");
        string range = Value(query, "range") ?? (from is null && to is null ? "7d" : "custom");
        if (from is not null || to is not null)
        {
            if (from is not null && to is not null && to <= from)
            {
                throw OpenAIError.Invalid("The parameter 'to' must be after 'from'.", "to");
            }

            return new DashboardFilters("custom", from, to, model, tenant);
        }

        foreach ((string value, _, TimeSpan? span) in Ranges)
        {
            if (value == range)
            {
                return new DashboardFilters(range, span is { } s ? now - s : null, span is null ? null : now, model, tenant);
            }
        }

        throw OpenAIError.Invalid($"The parameter 'range' must be one of {string.Join(", ", Ranges.Select(r => r.Value))}, not '{range}'.", "range");
    }

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.ToString() is { Length: > 0 } value ? value : null;

    private static DateTimeOffset? Time(IQueryCollection query, string name)
    {
        if (Value(query, name) is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time
            : throw OpenAIError.Invalid($"The parameter '{name}' must be an ISO 8601 date or time, such as 2026-12-06 or 2026-12-06T18:00Z, not '{text}'.", name);
    }
}

/// <summary>The dashboard's filters, as read from the query string.</summary>
internal sealed record DashboardFilters(string Range, DateTimeOffset? From, DateTimeOffset? To, string? ModelId, string? TenantId)
{
    public InteractionStatisticsQuery ToQuery() => new() { From = From, To = To, ModelId = ModelId, TenantId = TenantId, MaxBuckets = 48 };
}

/// <summary>The evaluation reports the page lists: the folder, its reports (newest first), and the JSON files in it that are not reports.</summary>
internal sealed record DashboardReports(string Directory, IReadOnlyList<EvaluationReport> Reports, IReadOnlyList<string> Problems);
