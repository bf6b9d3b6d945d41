using System.Diagnostics;
using System.Diagnostics.Metrics;
using Llm.Stack.Tests.Rag;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Telemetry;

public sealed class RagTelemetryTests
{
    private const string TestSourceName = "Llm.Stack.Tests.RagTelemetry";

    [Fact]
    public async Task Each_RAG_stage_is_a_child_span_of_the_answer_naming_the_chunk_ids_it_used()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is LlmStackTelemetry.ActivitySourceName or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var retrievals = new List<double>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LlmStackTelemetry.MeterName && instrument.Name == LlmStackTelemetry.RetrievalDurationName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (retrievals)
            {
                retrievals.Add(value);
            }
        });
        meterListener.Start();
        var chat = new ScriptedChatClient(["Which lake is the largest in Europe?"], ["Ladoga [1]."]);
        var pipeline = new RagPipeline(new FixedRetriever(Corpus.Rivers()), chat, new KeepLastReranker());

        ActivityTraceId trace;
        using var testSource = new ActivitySource(TestSourceName);
        using (Activity test = testSource.StartActivity("test")!)
        {
            trace = test.TraceId;
            await pipeline.AskAsync("And the largest lake?", new RagOptions
            {
                Top = 1,
                CandidateCount = 3,
                History = [new ChatMessage(ChatRole.User, "Which is the longest river?"), new ChatMessage(ChatRole.Assistant, "The Volga.")],
            });
        }

        List<Activity> ours;
        lock (spans)
        {
            ours = spans.Where(s => s.TraceId == trace && s.Source.Name == LlmStackTelemetry.ActivitySourceName).OrderBy(s => s.StartTimeUtc).ToList();
        }

        Activity ask = Assert.Single(ours, s => s.OperationName == LlmStackTelemetry.AskSpanName);
        Assert.Equal(
            [LlmStackTelemetry.RewriteSpanName, LlmStackTelemetry.RetrieveSpanName, LlmStackTelemetry.RerankSpanName, LlmStackTelemetry.AssembleSpanName, LlmStackTelemetry.GenerateSpanName],
            ours.Where(s => s != ask).Select(s => s.OperationName));
        Assert.All(ours.Where(s => s != ask), s => Assert.Same(ask, s.Parent));
        Activity retrieve = ours.Single(s => s.OperationName == LlmStackTelemetry.RetrieveSpanName);
        Assert.Equal(TelemetryTags.RetrievalOperation, retrieve.GetTagItem(TelemetryTags.OperationName));
        Assert.Equal(3, retrieve.GetTagItem(TelemetryTags.TopK));
        Assert.Equal(["rivers.md#0", "rivers.md#1", "lakes.md#0"], (string[])retrieve.GetTagItem(TelemetryTags.ChunkIds)!);
        Assert.Equal(["lakes.md#0"], (string[])ours.Single(s => s.OperationName == LlmStackTelemetry.RerankSpanName).GetTagItem(TelemetryTags.ChunkIds)!);
        Assert.Equal(["lakes.md#0"], (string[])ours.Single(s => s.OperationName == LlmStackTelemetry.AssembleSpanName).GetTagItem(TelemetryTags.ChunkIds)!);
        Assert.Equal(["lakes.md#0"], (string[])ours.Single(s => s.OperationName == LlmStackTelemetry.GenerateSpanName).GetTagItem(TelemetryTags.ChunkIds)!);
        Assert.DoesNotContain(ours.SelectMany(s => s.TagObjects), tag => tag.Value is string text && text.Contains("largest", StringComparison.OrdinalIgnoreCase));
        lock (retrievals)
        {
            Assert.NotEmpty(retrievals);
            Assert.All(retrievals, v => Assert.True(v >= 0));
        }
    }

    private sealed class KeepLastReranker : IReranker
    {
        public Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<RetrievedChunk>>([candidates[^1]]);
    }
}
