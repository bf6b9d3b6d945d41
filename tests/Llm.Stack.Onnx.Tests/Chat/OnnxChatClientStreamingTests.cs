using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx.Tests.Chat;

[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatClientStreamingTests(TinyChatModelFixture fixture)
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello, how are you?")];

    private async Task<List<string>> ChunksAsync(ChatOptions? options, IChatClient? client = null)
    {
        var chunks = new List<string>();
        await foreach (ChatResponseUpdate update in (client ?? fixture.Client).GetStreamingResponseAsync(Hello, options))
        {
            if (update.Text.Length > 0)
            {
                chunks.Add(update.Text);
            }
        }

        return chunks;
    }

    [Fact]
    public async Task A_stop_sequence_that_spans_tokens_ends_the_answer_and_is_never_emitted()
    {
        List<string> baseline = await ChunksAsync(new ChatOptions { MaxOutputTokens = 30 });
        string full = string.Concat(baseline);

        // A stop sequence made of the last character of one token and the first two of the next, whose first occurrence is at that boundary.
        string? stop = null;
        int boundary = 0;
        for (int k = 0; k + 1 < baseline.Count && stop is null; k++)
        {
            boundary += baseline[k].Length;
            if (baseline[k + 1].Length >= 2)
            {
                string candidate = full.Substring(boundary - 1, 3);
                if (full.IndexOf(candidate, StringComparison.Ordinal) == boundary - 1)
                {
                    stop = candidate;
                }
            }
        }

        Assert.NotNull(stop);
        var options = new ChatOptions { MaxOutputTokens = 30, StopSequences = ["\u0001never", stop] };
        var streamed = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in fixture.Client.GetStreamingResponseAsync(Hello, options))
        {
            streamed.Add(update);
        }

        string expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];
        Assert.Equal(expected, string.Concat(streamed.Select(u => u.Text)));
        Assert.DoesNotContain(streamed, u => u.Text.Contains(stop, StringComparison.Ordinal));
        Assert.Equal(ChatFinishReason.Stop, streamed[^1].FinishReason);
        ChatResponse response = await fixture.Client.GetResponseAsync(Hello, options);
        Assert.Equal(expected, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task A_stop_sequence_inside_one_token_cuts_the_text_before_it()
    {
        string full = string.Concat(await ChunksAsync(new ChatOptions { MaxOutputTokens = 30 }));
        string stop = full.Substring(full.Length / 2, 1);

        ChatResponse response = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 30, StopSequences = [stop] });

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task Text_held_back_for_a_stop_sequence_that_never_completes_is_emitted_at_the_end()
    {
        List<string> baseline = await ChunksAsync(new ChatOptions { MaxOutputTokens = 25 });
        string full = string.Concat(baseline);

        // The answer ends with the first character of this stop sequence, which therefore is held back until the end.
        string stop = full[^1] + "\u0001";
        List<string> chunks = await ChunksAsync(new ChatOptions { MaxOutputTokens = 25, StopSequences = [stop] });

        Assert.Equal(full, string.Concat(chunks));
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_generation_and_releases_the_model()
    {
        using var cts = new CancellationTokenSource();
        int received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in fixture.Client.GetStreamingResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 100 }, cts.Token))
            {
                if (++received == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(3, received);
        ChatResponse next = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 3 });
        Assert.Equal(3, next.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task A_cancelled_token_fails_before_any_work()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Client.GetResponseAsync(Hello, null, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Concurrent_requests_are_serialised_and_each_gets_its_own_complete_answer()
    {
        ChatMessage[] other = [new(ChatRole.User, "Tell me the time.")];
        var options = new ChatOptions { MaxOutputTokens = 15 };
        string expectedHello = (await fixture.Client.GetResponseAsync(Hello, options)).Text;
        string expectedOther = (await fixture.Client.GetResponseAsync(other, options)).Text;

        Task<ChatResponse>[] tasks = Enumerable.Range(0, 6)
            .Select(i => Task.Run(() => fixture.Client.GetResponseAsync(i % 2 == 0 ? Hello : other, options)))
            .ToArray();
        ChatResponse[] responses = await Task.WhenAll(tasks);

        for (int i = 0; i < responses.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? expectedHello : expectedOther, responses[i].Text);
            Assert.Equal(15, responses[i].Usage!.OutputTokenCount);
        }
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_sample_and_different_seeds_differ()
    {
        ChatOptions Sampled(long seed) => new() { MaxOutputTokens = 20, Temperature = 5f, Seed = seed };

        string first = (await fixture.Client.GetResponseAsync(Hello, Sampled(7))).Text;
        string again = (await fixture.Client.GetResponseAsync(Hello, Sampled(7))).Text;
        var others = new HashSet<string>();
        for (long seed = 1; seed <= 4; seed++)
        {
            others.Add((await fixture.Client.GetResponseAsync(Hello, Sampled(seed))).Text);
        }

        string greedy = (await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 20 })).Text;
        Assert.Equal(first, again);
        Assert.True(others.Count > 1, "different seeds should give different samples at temperature 5");
        Assert.DoesNotContain(greedy, others);
    }

    [Fact]
    public async Task TopK_of_one_and_temperature_zero_are_greedy()
    {
        string greedy = (await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 20 })).Text;

        string topK = (await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 20, Temperature = 5f, TopK = 1, Seed = 3 })).Text;
        string cold = (await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 20, Temperature = 0f, TopP = 0.9f })).Text;

        Assert.Equal(greedy, topK);
        Assert.Equal(greedy, cold);
    }

    [Fact]
    public async Task GenAI_search_options_pass_through_additional_properties()
    {
        string plain = (await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 30 })).Text;
        var penalised = new ChatOptions { MaxOutputTokens = 30, AdditionalProperties = new() { ["repetition_penalty"] = 3.0 } };

        string different = (await fixture.Client.GetResponseAsync(Hello, penalised)).Text;

        Assert.NotEqual(plain, different);
    }

    [Fact]
    public async Task A_non_positive_MaxOutputTokens_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 0 }));
    }
}
