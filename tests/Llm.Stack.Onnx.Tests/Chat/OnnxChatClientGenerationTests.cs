using System.Diagnostics;
using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.Chat;

[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatClientGenerationTests(TinyChatModelFixture fixture)
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello, how are you?")];

    public static TheoryData<string> Prompts => new()
    {
        "Hello, how are you?",
        "What is the weather like in Paris today?",
        "one two three",
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task Greedy_generation_equals_the_plain_OnnxRuntime_oracle_token_by_token(string question)
    {
        ChatMessage[] messages = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, question)];
        int[] prompt = fixture.PromptTokens(messages);
        using var oracle = new OrtGreedyOracle(fixture.BaseModelPath, fixture.Spec);
        List<int> expected = oracle.Generate(prompt, 30, [TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd)]);
        Assert.Equal(30, expected.Count);

        var chunks = new List<string>();
        ChatResponseUpdate? last = null;
        await foreach (ChatResponseUpdate update in fixture.Client.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = 30 }))
        {
            if (update.FinishReason is null)
            {
                chunks.Add(update.Text);
            }

            last = update;
        }

        // One update per token, each the oracle token's text.
        using TokenizerStream stream = fixture.Tokenizer.CreateStream();
        Assert.Equal(expected.Select(stream.Decode).ToList(), chunks);
        Assert.Equal(ChatFinishReason.Length, last!.FinishReason);
        UsageDetails usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(prompt.Length, usage.InputTokenCount);
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.Equal(prompt.Length + 30, usage.TotalTokenCount);
    }

    [Fact]
    public async Task Non_streaming_response_equals_the_streamed_one()
    {
        var options = new ChatOptions { MaxOutputTokens = 20 };
        ChatResponse response = await fixture.Client.GetResponseAsync(Hello, options);
        var streamed = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in fixture.Client.GetStreamingResponseAsync(Hello, options))
        {
            streamed.Add(update);
        }

        Assert.Equal(string.Concat(streamed.Select(u => u.Text)), response.Text);
        Assert.NotEmpty(response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(20, response.Usage!.OutputTokenCount);
        Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, response.Messages[0].Role);
    }

    [Fact]
    public async Task Generation_ends_at_the_models_eos_token_which_is_not_emitted()
    {
        int[] output = fixture.Encode(" Hello there");
        string path = fixture.WriteForced((Hello, null, output));
        using OnnxChatClient client = TinyChatModelFixture.NewClient(path);

        ChatResponse response = await client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 50 });

        Assert.Equal(" Hello there", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(output.Length + 1, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task A_generation_is_a_GenAI_chat_span_with_its_model_token_counts_and_finish_reason()
    {
        using var test = new ActivitySource("Llm.Stack.Onnx.Tests.ChatSpan");
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OnnxTelemetry.ActivitySourceName || source == test,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        string modelId = fixture.Client.GetService<ChatClientMetadata>()!.DefaultModelId!;

        ChatResponse response;
        string parentId;
        using (Activity parent = test.StartActivity("request")!)
        {
            parentId = parent.Id!;
            response = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 5 });
        }

        Activity chat = Assert.Single(spans, s => s.ParentId == parentId && s.Source.Name == OnnxTelemetry.ActivitySourceName);
        Assert.Equal($"chat {modelId}", chat.DisplayName);
        Assert.Equal(TelemetryTags.ChatOperation, chat.GetTagItem(TelemetryTags.OperationName));
        Assert.Equal(modelId, chat.GetTagItem(TelemetryTags.RequestModel));
        Assert.Equal((int)response.Usage!.InputTokenCount!, chat.GetTagItem(TelemetryTags.InputTokens));
        Assert.Equal(5, chat.GetTagItem(TelemetryTags.OutputTokens));
        Assert.Equal(["length"], (string[])chat.GetTagItem(TelemetryTags.FinishReasons)!);
    }

    [Fact]
    public async Task MaxOutputTokens_limits_the_answer_and_reports_length()
    {
        ChatResponse response = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 5 });

        Assert.Equal(5, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        ChatResponse longer = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 8 });
        Assert.StartsWith(response.Text, longer.Text, StringComparison.Ordinal);
        Assert.NotEqual(response.Text, longer.Text);
    }

    [Fact]
    public async Task Without_a_limit_the_answer_fills_the_context_and_reports_length()
    {
        ChatResponse response = await fixture.Client.GetResponseAsync(Hello);

        Assert.Equal(fixture.Spec.ContextLength, response.Usage!.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_fails_clearly_before_generation()
    {
        ChatMessage[] tooLong = [new(ChatRole.User, string.Join(' ', Enumerable.Repeat("weather", 200)))];

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetResponseAsync(tooLong));

        Assert.Equal("messages", error.ParamName);
        Assert.Contains("context of 128 tokens", error.Message, StringComparison.Ordinal);

        // The client is still usable.
        ChatResponse after = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, after.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task MaxOutputTokens_beyond_the_context_is_capped_at_the_context()
    {
        ChatResponse response = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 100_000 });

        Assert.Equal(fixture.Spec.ContextLength, response.Usage!.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task Multi_byte_characters_split_over_byte_tokens_stream_as_whole_characters()
    {
        // "é" = C3 A9 and "😀" = F0 9F 98 80, each byte its own token.
        int[] output = [.. fixture.Encode(" caf"), 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, .. fixture.Encode("!")];
        string path = fixture.WriteForced((Hello, null, output));
        using OnnxChatClient client = TinyChatModelFixture.NewClient(path);

        var chunks = new List<string>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello))
        {
            chunks.Add(update.Text);
        }

        Assert.Equal(" café😀!", string.Concat(chunks));
        Assert.DoesNotContain(chunks, c => c.Contains('\uFFFD', StringComparison.Ordinal));
    }
}
