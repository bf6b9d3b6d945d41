using System.Text.Json;
using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx.Tests.Chat;

[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatClientToolCallingTests(TinyChatModelFixture fixture)
{
    private const string ToolCallText = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    private const string Answer = " It is sunny in Paris.";

    // Tool descriptions make long prompts: these models have a longer context than the base one.
    private readonly TinyModelSpec _toolSpec = fixture.Spec with { ContextLength = 384 };

    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather in Paris?")];

    private static AIFunction WeatherFunction(List<string> calls) =>
        AIFunctionFactory.Create(
            (string city) =>
            {
                calls.Add(city);
                return "Sunny, 21 C";
            },
            "get_weather",
            "Gets the current weather of a city.");

    /// <summary>A model that answers the question with the tool call, and the conversation with the tool result with <see cref="Answer"/>.</summary>
    private string WriteToolModel(ChatOptions options)
    {
        ChatMessage[] second =
        [
            .. Question,
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "Sunny, 21 C")]),
        ];
        return fixture.WriteForced(
            _toolSpec,
            (Question, options, fixture.Encode(ToolCallText)),
            (second, options, fixture.Encode(Answer)));
    }

    [Fact]
    public void The_tool_call_format_is_chosen_from_the_chat_template()
    {
        Assert.Equal(ToolCallFormat.Hermes, fixture.Client.ToolCallFormat);
    }

    [Fact]
    public void Tools_are_passed_to_the_chat_template_which_describes_them()
    {
        var calls = new List<string>();
        string prompt = fixture.Client.FormatPrompt(Question, new ChatOptions { Tools = [WeatherFunction(calls)] });

        Assert.StartsWith("<|im_start|>system\n# Tools\n\n<tools>\n", prompt, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"get_weather\"", prompt, StringComparison.Ordinal);
        Assert.Contains("Gets the current weather of a city.", prompt, StringComparison.Ordinal);
        Assert.Contains("\"city\"", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spelled_tool_call_becomes_a_FunctionCallContent()
    {
        var calls = new List<string>();
        var options = new ChatOptions { Tools = [WeatherFunction(calls)] };
        using OnnxChatClient client = TinyChatModelFixture.NewClient(WriteToolModel(options));

        ChatResponse response = await client.GetResponseAsync(Question, options);

        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(string.Empty, response.Text);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Without_tools_in_the_request_a_spelled_tool_call_stays_text()
    {
        var options = new ChatOptions { Tools = [WeatherFunction([])] };
        using OnnxChatClient client = TinyChatModelFixture.NewClient(fixture.WriteForced((Question, null, fixture.Encode(ToolCallText))));

        ChatResponse response = await client.GetResponseAsync(Question);

        Assert.Equal(ToolCallText, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task UseFunctionInvocation_runs_the_tool_and_sends_the_result_back_to_the_model()
    {
        var calls = new List<string>();
        var options = new ChatOptions { Tools = [WeatherFunction(calls)] };
        using OnnxChatClient onnx = TinyChatModelFixture.NewClient(WriteToolModel(options));
        using IChatClient client = new ChatClientBuilder(onnx).UseFunctionInvocation().Build();

        ChatResponse response = await client.GetResponseAsync(Question, options);

        Assert.Equal(["Paris"], calls);
        Assert.Equal(Answer, response.Messages[^1].Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        FunctionResultContent result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
    }

    [Fact]
    public async Task UseFunctionInvocation_works_when_streaming()
    {
        var calls = new List<string>();
        var options = new ChatOptions { Tools = [WeatherFunction(calls)] };
        using OnnxChatClient onnx = TinyChatModelFixture.NewClient(WriteToolModel(options));
        using IChatClient client = new ChatClientBuilder(onnx).UseFunctionInvocation().Build();

        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Question, options))
        {
            text.Append(update.Text);
        }

        Assert.Equal(["Paris"], calls);
        Assert.Equal(Answer, text.ToString());
    }

    [Theory]
    [InlineData(ToolCallFormat.Llama3Json, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")]
    [InlineData(ToolCallFormat.Llama3Json, "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")]
    [InlineData(ToolCallFormat.Phi, "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]<|/tool_call|>")]
    [InlineData(ToolCallFormat.Hermes, ToolCallText)]
    public async Task Every_format_round_trips_through_UseFunctionInvocation(ToolCallFormat format, string spelled)
    {
        var calls = new List<string>();
        var options = new ChatOptions { Tools = [WeatherFunction(calls)] };
        var clientOptions = new OnnxChatClientOptions { ToolCallFormat = format };
        using OnnxChatClient probe = TinyChatModelFixture.NewClient(fixture.BaseModelPath, clientOptions);
        ChatMessage[] second =
        [
            .. Question,
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "Sunny, 21 C")]),
        ];
        int first = fixture.Encode(probe.FormatPrompt(Question, options)).Length - 1;
        int next = fixture.Encode(probe.FormatPrompt(second, options)).Length - 1;
        var forced = new Dictionary<int, int>();
        int eos = TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd);
        int[] call = fixture.Encode(spelled);
        int[] answer = fixture.Encode(Answer);
        for (int i = 0; i < call.Length; i++)
        {
            forced[first + i] = call[i];
        }

        forced[first + call.Length] = eos;
        for (int i = 0; i < answer.Length; i++)
        {
            forced[next + i] = answer[i];
        }

        forced[next + answer.Length] = eos;
        using OnnxChatClient onnx = TinyChatModelFixture.NewClient(fixture.WriteVariant(_toolSpec with { ForcedTokens = forced }), clientOptions);
        using IChatClient client = new ChatClientBuilder(onnx).UseFunctionInvocation().Build();

        ChatResponse response = await client.GetResponseAsync(Question, options);

        Assert.Equal(["Paris"], calls);
        Assert.Equal(Answer, response.Messages[^1].Text);
    }

    [Fact]
    public async Task A_malformed_spelled_tool_call_is_returned_as_text_and_nothing_is_invoked()
    {
        const string Malformed = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>";
        var calls = new List<string>();
        var options = new ChatOptions { Tools = [WeatherFunction(calls)] };
        using OnnxChatClient onnx = TinyChatModelFixture.NewClient(fixture.WriteForced(_toolSpec, (Question, options, fixture.Encode(Malformed))));
        using IChatClient client = new ChatClientBuilder(onnx).UseFunctionInvocation().Build();

        ChatResponse response = await client.GetResponseAsync(Question, options);

        Assert.Empty(calls);
        Assert.Equal(Malformed, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task Text_before_a_tool_call_streams_and_the_call_is_parsed_at_the_end()
    {
        var options = new ChatOptions { Tools = [WeatherFunction([])] };
        string spelled = " Let me check." + ToolCallText;
        using OnnxChatClient client = TinyChatModelFixture.NewClient(fixture.WriteForced(_toolSpec, (Question, options, fixture.Encode(spelled))));

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Question, options))
        {
            updates.Add(update);
        }

        Assert.Equal(" Let me check.", string.Concat(updates.Select(u => u.Text)));
        Assert.DoesNotContain(updates, u => u.Text.Contains('<', StringComparison.Ordinal));
        Assert.Single(updates[^1].Contents.OfType<FunctionCallContent>());
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
    }

    [Fact]
    public async Task A_template_without_tools_gets_them_in_the_system_prompt()
    {
        string template =
            "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
            "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
        string path = fixture.WriteVariant(fixture.Spec with { ChatTemplate = template });
        using OnnxChatClient client = TinyChatModelFixture.NewClient(path, new OnnxChatClientOptions { ToolCallFormat = ToolCallFormat.Hermes });

        string prompt = client.FormatPrompt([new(ChatRole.System, "Be brief."), .. Question], new ChatOptions { Tools = [WeatherFunction([])] });

        Assert.StartsWith("<|im_start|>system\nBe brief.\n\n# Tools\n", prompt, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"", prompt, StringComparison.Ordinal);
        Assert.Contains("<tool_call></tool_call>", prompt, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public void Earlier_tool_calls_and_results_are_written_into_the_conversation()
    {
        ChatMessage[] conversation =
        [
            .. Question,
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "Sunny, 21 C")]),
        ];

        string prompt = fixture.Client.FormatPrompt(conversation, null);

        Assert.Contains("<|im_start|>assistant\n<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call><|im_end|>\n", prompt, StringComparison.Ordinal);
        Assert.Contains("<|im_start|>tool\nSunny, 21 C<|im_end|>\n", prompt, StringComparison.Ordinal);
    }
}
