using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Llm.Stack;

/// <summary>
/// The usage ledger's instruments on the <c>Llm.Stack</c> Meter: OpenTelemetry's GenAI <c>gen_ai.client.token.usage</c>
/// histogram (one measurement per call and token type), the cost counter and the budget rejections counter.
/// </summary>
internal static class UsageTelemetry
{
    private static readonly Histogram<long> TokenUsage = LlmStackTelemetry.Meter.CreateHistogram(
        LlmStackTelemetry.TokenUsageName,
        unit: "{token}",
        description: "Measures number of input and output tokens used",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    private static readonly Counter<double> Cost = LlmStackTelemetry.Meter.CreateCounter<double>(
        LlmStackTelemetry.UsageCostName, unit: "{currency}", description: "Counts the cost of the calls, from the configured prices");

    private static readonly Counter<long> Rejections = LlmStackTelemetry.Meter.CreateCounter<long>(
        LlmStackTelemetry.BudgetRejectionsName, unit: "{call}", description: "Counts the calls a spent usage budget rejected");

    public static void Report(in UsageLedger.Call record)
    {
        if (TokenUsage.Enabled)
        {
            TagList tags = Tags(record);
            tags.Add(TelemetryTags.TokenType, TelemetryTags.InputTokenType);
            TokenUsage.Record(record.InputTokens, tags);
            if (record.Kind == UsageKind.Chat)
            {
                tags[tags.Count - 1] = new(TelemetryTags.TokenType, TelemetryTags.OutputTokenType);
                TokenUsage.Record(record.OutputTokens, tags);
            }
        }

        if (Cost.Enabled && record.Cost is decimal cost)
        {
            Cost.Add((double)cost, Tags(record));
        }
    }

    public static void ReportRejection(string budget)
    {
        if (Rejections.Enabled)
        {
            Rejections.Add(1, new KeyValuePair<string, object?>(TelemetryTags.UsageBudget, budget));
        }
    }

    private static TagList Tags(in UsageLedger.Call record)
    {
        var tags = new TagList
        {
            { TelemetryTags.OperationName, record.Kind == UsageKind.Chat ? TelemetryTags.ChatOperation : TelemetryTags.EmbeddingsOperation },
            { TelemetryTags.RequestModel, record.Model },
        };
        if (record.Provider is not null)
        {
            tags.Add(TelemetryTags.ProviderName, record.Provider);
        }

        if (record.Tenant is not null)
        {
            tags.Add(TelemetryTags.UsageTenant, record.Tenant);
        }

        if (record.Operation is not null)
        {
            tags.Add(TelemetryTags.UsageOperation, record.Operation);
        }

        return tags;
    }
}
