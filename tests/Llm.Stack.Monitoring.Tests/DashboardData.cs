namespace Llm.Stack.Monitoring.Tests;

/// <summary>
/// Sixty interactions over two days, of two models and two tenants, with errors, unanswered RAG answers, guardrail
/// blocks, time to first token, costs and feedback, all following simple rules, so that a test can count what the
/// store should report with LINQ.
/// </summary>
internal sealed class DashboardData
{
    private static readonly string[] Injection = ["blocked:prompt_injection:input:ignore_instructions"];
    private static readonly string[] RedactedAndHarmful = ["redacted:personal_data:input:email", "blocked:harmful_content:output:violence"];

    public DashboardData(DateTimeOffset now)
    {
        DateTimeOffset start = now.AddHours(-40);
        Start = DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds());
        for (int i = 0; i < 60; i++)
        {
            bool rag = i % 4 != 0;
            Records.Add(new InteractionRecord
            {
                Id = $"i{i:D3}",
                Timestamp = Start.AddMinutes(i * 38),
                Operation = rag ? "rag" : "chat",
                ModelId = i % 3 == 0 ? "model-b" : "model-a",
                TenantId = i % 2 == 0 ? "acme" : "globex",
                Duration = TimeSpan.FromMilliseconds(100 + (i * 10)),
                TimeToFirstToken = i % 5 == 0 ? null : TimeSpan.FromMilliseconds(20 + i),
                Error = i % 10 == 7 ? "TimeoutException" : null,
                RetrievedChunks = rag ? [new("c1", 0.3), new($"c{i}", 0.5 + (i % 10 * 0.04))] : [],
                CitedChunkIds = rag && i % 6 != 1 ? ["c1"] : [],
                InputTokens = 100 + i,
                OutputTokens = 10 + (i % 7),
                Cost = 0.001m * ((i % 4) + 1),
                GuardrailDecisions = i % 13 == 0 ? RedactedAndHarmful : i % 9 == 0 ? Injection : [],
            });

            if (i % 5 == 0)
            {
                Feedback.Add((Records[i].Id, new InteractionFeedback { Rating = 5 }));
            }

            if (i % 7 == 0)
            {
                Feedback.Add((Records[i].Id, new InteractionFeedback { Rating = 1 }));
            }

            if (i % 11 == 0)
            {
                Feedback.Add((Records[i].Id, new InteractionFeedback { Labels = [InteractionLabels.Correct] }));
            }
        }
    }

    public DateTimeOffset Start { get; }

    public List<InteractionRecord> Records { get; } = [];

    public List<(string Id, InteractionFeedback Feedback)> Feedback { get; } = [];

    public async Task WriteToAsync(IInteractionStore store)
    {
        await store.WriteAsync(Records);
        foreach ((string id, InteractionFeedback feedback) in Feedback)
        {
            Assert.True(await store.AddFeedbackAsync(id, feedback));
        }
    }

    /// <summary>The exact nearest-rank percentile of some milliseconds.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[(int)Math.Max(1, Math.Ceiling(p * sorted.Length)) - 1];
    }
}
