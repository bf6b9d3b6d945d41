using Llm.Stack;
using Llm.Stack.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the monitoring dashboard over the interaction log in an ASP.NET Core app.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c>: one self-contained HTML page (styles, charts and script inside it; no
    /// network access needed) that summarises the interactions of the registered <see cref="IInteractionStore"/> (or the
    /// registered <see cref="InteractionLog"/>'s store): latency p50/p95 and time to first token over time, tokens and
    /// cost per model and day, the feedback ratio, the share of "I don't know" answers, the retrieval-score distribution
    /// and its drift, guardrail blocks and the error rate, filtered by time range, model and tenant; and the
    /// <c>llmstack eval</c> reports of <see cref="ServerSettings.EvaluationReportsDirectory"/> (newest first, with each
    /// model's metrics and the regression diff against the run's baseline).
    /// </summary>
    /// <param name="endpoints">The app's endpoint route builder (a <c>WebApplication</c>).</param>
    /// <param name="pattern">The route of the page.</param>
    /// <param name="settings">
    /// Access rules and limits, as for <see cref="OpenAIEndpointRouteBuilderExtensions.MapOpenAIEndpoints"/>:
    /// <see langword="null"/> for those of <c>LlmStack:Server</c>, else the defaults (loopback only, no key). With an
    /// <c>ApiKey</c> the page needs <c>Authorization: Bearer &lt;key&gt;</c> like the API (serve it behind a proxy that adds it).
    /// </param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <remarks>
    /// The page reads its filters from the query string: <c>range</c> (<c>1h</c>, <c>24h</c>, <c>7d</c>, <c>30d</c> or
    /// <c>all</c>; the default is <c>7d</c>), or <c>from</c> and <c>to</c> (ISO 8601 dates or times), then <c>model</c>
    /// and <c>tenant</c>; a bad value answers 400 naming the parameter. The store is resolved on the first request; with
    /// none registered the page answers 503.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddLlmStack(builder.Configuration).AddInteractionLog();
    /// WebApplication app = builder.Build();
    /// app.MapLlmStackDashboard();
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapLlmStackDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/dashboard", ServerSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        LlmStackOptions? options = endpoints.ServiceProvider.GetService<IOptions<LlmStackOptions>>()?.Value;
        settings ??= options?.Server ?? new ServerSettings();
        ILogger logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(OpenAIEndpointRouteBuilderExtensions.LogCategory) ?? NullLogger.Instance;
        var guard = new OpenAIRequestGuard(settings, logger);
        string dataDirectory = Path.GetFullPath(options?.DataDirectory ?? new LlmStackOptions().DataDirectory);
        var reports = new EvaluationReportFolder(Path.Combine(dataDirectory, settings.EvaluationReportsDirectory));
        var dashboard = new DashboardEndpoint(endpoints.ServiceProvider, reports);
        return endpoints.MapGet(pattern, http => guard.RunAsync(http, dashboard.HandleAsync));
    }
}
