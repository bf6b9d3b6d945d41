using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.DependencyInjection;

/// <summary>
/// The local chat model of configuration (<c>onnx</c>, the repository's tiny model) is a local provider: no resilience
/// layer unless its section sets <c>Resilience</c> (with keys, or empty for the defaults); with or without the layer it
/// answers what plain ONNX Runtime generates.
/// </summary>
[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatResilienceConfigurationTests(TinyChatModelFixture tiny)
{
    private const int Tokens = 12;

    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Which volcano erupted in 2010?")];

    [Fact]
    public async Task The_local_chat_model_gets_the_resilience_layer_only_when_its_section_sets_one()
    {
        string path = System.Text.Json.JsonSerializer.Serialize(tiny.BaseModelPath);
        string json = $$"""
            {
              "LlmStack": {
                "Chat": { "Provider": "onnx", "ModelPath": {{path}} },
                "ChatModels": {
                  "guarded": { "Provider": "onnx", "ModelPath": {{path}}, "Resilience": { "AttemptTimeout": "00:00:30" } },
                  "defaults": { "Provider": "onnx", "ModelPath": {{path}}, "Resilience": { } }
                }
              }
            }
            """;
        var services = new ServiceCollection();
        services.AddLlmStack(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build()).AddOnnxProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient local = provider.GetRequiredService<IChatClient>();
        IChatClient guarded = provider.GetRequiredKeyedService<IChatClient>("guarded");
        IChatClient defaults = provider.GetRequiredKeyedService<IChatClient>("defaults");

        // No Resilience section: the service is the local client itself, nothing between the caller and the model.
        Assert.IsType<OnnxChatClient>(local);
        Assert.Null(local.GetService<ResilientChatClient>());

        // A Resilience section, with keys or empty (the defaults): the layer, over the provider's client.
        Assert.NotNull(Assert.IsType<ResilientChatClient>(guarded).GetService<OnnxChatClient>());
        Assert.NotNull(Assert.IsType<ResilientChatClient>(defaults).GetService<OnnxChatClient>());

        // The same model answers what plain ONNX Runtime generates, whole and streamed, with the layer or without it.
        using var oracle = new OrtGreedyOracle(tiny.BaseModelPath, tiny.Spec);
        string expected = Decode(oracle.Generate(tiny.PromptTokens(Question), Tokens, [TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd)]));
        var options = new ChatOptions { MaxOutputTokens = Tokens };
        Assert.NotEmpty(expected);
        Assert.Equal(expected, (await local.GetResponseAsync(Question, options)).Text);
        Assert.Equal(expected, (await guarded.GetResponseAsync(Question, options)).Text);
        Assert.Equal(expected, await StreamAsync(local, options));
        Assert.Equal(expected, await StreamAsync(defaults, options));
    }

    private static async Task<string> StreamAsync(IChatClient client, ChatOptions options)
    {
        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Question, options))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }

    private string Decode(IEnumerable<int> tokens)
    {
        using TokenizerStream stream = tiny.Tokenizer.CreateStream();
        return string.Concat(tokens.Select(stream.Decode));
    }
}
