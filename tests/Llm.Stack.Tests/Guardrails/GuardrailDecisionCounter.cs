using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// Counts the guardrail decisions recorded on the Llm.Stack Meter by the async flow that created it. Meter callbacks
/// run on the recording caller's flow, so decisions of test classes running in parallel are not counted.
/// </summary>
internal sealed class GuardrailDecisionCounter : IDisposable
{
    private static readonly AsyncLocal<GuardrailDecisionCounter?> Owner = new();

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Stage, string Action, string Category, string Kind, long Value)> _seen = new();

    public GuardrailDecisionCounter()
    {
        Owner.Value = this;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LlmStackTelemetry.MeterName && instrument.Name == LlmStackTelemetry.GuardrailDecisionsName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (Owner.Value != this)
            {
                return;
            }

            string stage = "", action = "", category = "", kind = "";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                string text = tag.Value as string ?? "";
                switch (tag.Key)
                {
                    case TelemetryTags.GuardrailStage: stage = text; break;
                    case TelemetryTags.GuardrailAction: action = text; break;
                    case TelemetryTags.GuardrailCategory: category = text; break;
                    case TelemetryTags.GuardrailKind: kind = text; break;
                }
            }

            _seen.Enqueue((stage, action, category, kind, value));
        });
        _listener.Start();
    }

    /// <summary>Gets the number of decisions counted.</summary>
    public long Total => _seen.Sum(s => s.Value);

    /// <summary>Returns the number of decisions with these tags; <paramref name="kind"/> <see langword="null"/> matches any kind.</summary>
    public long Count(string stage, string action, string category, string? kind = null) =>
        _seen.Where(s => s.Stage == stage && s.Action == action && s.Category == category && (kind is null || s.Kind == kind)).Sum(s => s.Value);

    public void Dispose() => _listener.Dispose();
}
