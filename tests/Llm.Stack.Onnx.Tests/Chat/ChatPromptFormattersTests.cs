using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx.Tests.Chat;

[Collection(TinyChatModelGroup.Name)]
public sealed class ChatPromptFormattersTests(TinyChatModelFixture fixture)
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "Hi"),
        new(ChatRole.Assistant, "Hello!"),
        new(ChatRole.User, "Weather?"),
    ];

    private static readonly ChatOptions WithTool = new()
    {
        Tools = [AIFunctionFactory.Create((string city) => city, "get_weather", "Weather of a city.")],
    };

    [Fact]
    public void ChatMl_formats_each_message_and_the_assistant_prompt()
    {
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n",
            ChatPromptFormatters.ChatMl.Format(Conversation, null));
    }

    [Fact]
    public void Llama3_formats_headers_and_eot()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatPromptFormatters.Llama3.Format(Conversation, null));
    }

    [Fact]
    public void Phi3_formats_role_tags()
    {
        Assert.Equal(
            "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n<|user|>\nWeather?<|end|>\n<|assistant|>\n",
            ChatPromptFormatters.Phi3.Format(Conversation, null));
    }

    [Theory]
    [InlineData("chatml", "<tool_call>")]
    [InlineData("llama3", "\"parameters\": {argument name: value}")]
    [InlineData("phi3", "<|tool_call|>")]
    public void Built_in_formats_describe_tools_in_the_system_prompt_with_their_convention(string format, string convention)
    {
        IChatPromptFormatter formatter = format switch
        {
            "llama3" => ChatPromptFormatters.Llama3,
            "phi3" => ChatPromptFormatters.Phi3,
            _ => ChatPromptFormatters.ChatMl,
        };

        string prompt = formatter.Format(Conversation, WithTool);

        Assert.Contains("Be brief.\n\n# Tools\n", prompt, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"get_weather\",\"description\":\"Weather of a city.\"", prompt, StringComparison.Ordinal);
        Assert.Contains(convention, prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void Instructions_of_the_request_lead_the_system_prompt()
    {
        string prompt = ChatPromptFormatters.ChatMl.Format([new(ChatRole.User, "Hi")], new ChatOptions { Instructions = "Answer in French." });

        Assert.StartsWith("<|im_start|>system\nAnswer in French.<|im_end|>\n<|im_start|>user\nHi", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_chat_template_falls_back_to_the_format_of_its_type()
    {
        string path = fixture.WriteVariant(fixture.Spec with { ChatTemplate = null });
        using OnnxChatClient client = TinyChatModelFixture.NewClient(path);

        // The tiny model's type is "llama".
        Assert.Equal(ChatPromptFormatters.Llama3.Format(Conversation, null), client.FormatPrompt(Conversation, null));
        Assert.Equal(ToolCallFormat.Llama3Json, client.ToolCallFormat);
    }

    [Fact]
    public async Task A_pluggable_formatter_and_tool_format_override_the_model()
    {
        using OnnxChatClient client = TinyChatModelFixture.NewClient(fixture.BaseModelPath, new OnnxChatClientOptions
        {
            PromptFormatter = ChatPromptFormatters.Phi3,
            ToolCallFormat = ToolCallFormat.None,
        });

        Assert.Equal(ChatPromptFormatters.Phi3.Format(Conversation, null), client.FormatPrompt(Conversation, null));
        Assert.Equal(ToolCallFormat.None, client.ToolCallFormat);
        ChatResponse response = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 3 });
        Assert.Equal(3, response.Usage!.OutputTokenCount);
    }
}
