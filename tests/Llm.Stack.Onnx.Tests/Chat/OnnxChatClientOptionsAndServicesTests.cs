using System.Text.Json;
using Llm.Stack;
using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.Chat;

[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatClientOptionsAndServicesTests(TinyChatModelFixture fixture)
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello, how are you?")];

    [Fact]
    public async Task A_json_schema_response_format_constrains_the_output_through_guidance()
    {
        const string Schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\",\"London\"]}},\"required\":[\"city\"],\"additionalProperties\":false,\"x-guidance\":{\"whitespace_flexible\":false}}";
        var options = new ChatOptions { MaxOutputTokens = 60, ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(Schema).RootElement) };

        ChatResponse free = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 20 });
        ChatResponse constrained = await fixture.Client.GetResponseAsync(Hello, options);

        Assert.False(free.Text.StartsWith('{'));
        using JsonDocument json = JsonDocument.Parse(constrained.Text);
        Assert.True(json.RootElement.GetProperty("city").GetString() is "Paris" or "London");
        Assert.Equal(ChatFinishReason.Stop, constrained.FinishReason);
    }

    [Fact]
    public void GetService_exposes_the_model_tokenizer_config_and_metadata()
    {
        IChatClient client = fixture.Client;

        Assert.NotNull(client.GetService<Model>());
        Assert.NotNull(client.GetService<Tokenizer>());
        Assert.NotNull(client.GetService<Config>());
        Assert.Same(client, client.GetService<OnnxChatClient>());
        ChatClientMetadata metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal("onnxruntime-genai", metadata.ProviderName);
        Assert.Equal("base", metadata.DefaultModelId);
        Assert.Null(client.GetService<Model>("key"));
        Assert.Null(client.GetService<string>());
        Assert.Equal(128, fixture.Client.ContextLength);
    }

    [Fact]
    public async Task Responses_carry_the_model_id_and_one_message_id()
    {
        using OnnxChatClient client = TinyChatModelFixture.NewClient(fixture.BaseModelPath, new OnnxChatClientOptions { ModelId = "tiny" });

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 3 }))
        {
            updates.Add(update);
        }

        Assert.All(updates, u => Assert.Equal("tiny", u.ModelId));
        Assert.Single(updates.Select(u => u.MessageId).Distinct());
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
    }

    [Fact]
    public async Task A_client_over_a_caller_owned_model_leaves_it_alive_after_dispose()
    {
        using var model = new Model(fixture.BaseModelPath);
        var client = new OnnxChatClient(model, ownsModel: false, options: null);
        client.Dispose();

        // The model still works: a second client over it generates.
        using var again = new OnnxChatClient(model, ownsModel: false, options: null);
        Assert.Equal(ToolCallFormat.Hermes, again.ToolCallFormat);
        Assert.NotEmpty((await again.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 2 })).Text);
    }

    [Fact]
    public async Task A_client_over_a_caller_owned_config_generates_like_the_path_constructor()
    {
        using var config = new Config(fixture.BaseModelPath);
        using var client = new OnnxChatClient(config, ownsConfig: false, new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cpu, IntraOpThreads = 1 });

        ChatResponse viaConfig = await client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 10 });
        ChatResponse viaPath = await fixture.Client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 10 });

        Assert.Equal(viaPath.Text, viaConfig.Text);
        Assert.Same(config, client.GetService<Config>());
    }

    [Fact]
    public void A_loaded_model_rejects_provider_options_it_cannot_apply()
    {
        using var model = new Model(fixture.BaseModelPath);

        ArgumentException error = Assert.Throws<ArgumentException>(() => new OnnxChatClient(model, false, new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cuda }));

        Assert.Equal("options", error.ParamName);
    }

    [Fact]
    public async Task A_disposed_client_refuses_requests()
    {
        var client = TinyChatModelFixture.NewClient(fixture.BaseModelPath);
        client.Dispose();
        client.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync(Hello));
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_argument_named()
    {
        Assert.Equal("modelPath", Assert.Throws<ArgumentException>(() => new OnnxChatClient(" ")).ParamName);
        Assert.Equal("modelPath", Assert.Throws<ArgumentException>(() => new OnnxChatClient(Path.GetTempPath())).ParamName);
        Assert.Throws<ArgumentNullException>(() => new OnnxChatClient((Model)null!, false, null));
        Assert.Throws<ArgumentNullException>(() => new OnnxChatClient((Config)null!, false, null));
        Assert.Throws<ArgumentNullException>(() => fixture.Client.GetService(null!));
    }

    [Fact]
    public void Options_validate_in_their_setters_and_state_their_defaults()
    {
        var options = new OnnxChatClientOptions();

        Assert.Null(options.ExecutionProvider);
        Assert.Equal(0, options.DeviceId);
        Assert.Empty(options.ProviderOptions);
        Assert.Equal(0, options.IntraOpThreads);
        Assert.Null(options.PromptFormatter);
        Assert.Equal(ToolCallFormat.Auto, options.ToolCallFormat);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ExecutionProvider = (OnnxExecutionProvider)7);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.DeviceId = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.IntraOpThreads = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ToolCallFormat = (ToolCallFormat)42);
        options.ExecutionProvider = null;
        options.IntraOpThreads = 0;
    }

    [Fact]
    public async Task AddOnnxChatClient_registers_the_model_as_the_stacks_chat_client()
    {
        var services = new ServiceCollection();
        var builder = new LlmStackBuilder(services);
        builder.AddOnnxChatClient(fixture.BaseModelPath, o => o.IntraOpThreads = 1).UseFunctionInvocation();
        builder.AddKeyedOnnxChatClient("local", fixture.BaseModelPath, o => o.ModelId = "keyed");

        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        IChatClient keyed = provider.GetRequiredKeyedService<IChatClient>("local");

        Assert.IsType<FunctionInvokingChatClient>(client);
        Assert.NotNull(client.GetService<OnnxChatClient>());
        Assert.Equal("keyed", keyed.GetService<ChatClientMetadata>()!.DefaultModelId);
        ChatResponse response = await client.GetResponseAsync(Hello, new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, response.Usage!.OutputTokenCount);
        Assert.Throws<ArgumentException>(() => builder.AddOnnxChatClient(""));
        Assert.Throws<ArgumentNullException>(() => OnnxChatClientLlmStackBuilderExtensions.AddOnnxChatClient(null!, "x"));
    }
}
