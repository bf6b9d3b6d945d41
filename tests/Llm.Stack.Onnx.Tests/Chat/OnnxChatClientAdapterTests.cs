using System.Text.Json;
using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.Chat;

/// <summary>
/// LoRA adapters: the tiny model with a LoRA branch on every projection, adapters the tests write as
/// <c>.onnx_adapter</c> files, and plain ONNX Runtime with the adapter's weights fed as the graph inputs they
/// override as the oracle, token by token.
/// </summary>
[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxChatClientAdapterTests(TinyChatModelFixture tiny, TinyLoraModelFixture lora) : IClassFixture<TinyLoraModelFixture>
{
    private const int Tokens = 24;

    private static readonly ChatMessage[] Question = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "What is the weather like in Paris today?")];

    private static int[] Eos => [TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd)];

    [Fact]
    public async Task Each_request_runs_the_adapter_it_selects_equal_to_plain_OnnxRuntime_with_the_adapter_weights()
    {
        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        List<int> basePlain = oracle.Generate(prompt, Tokens, Eos);
        List<int> pirate = oracle.Generate(prompt, Tokens, Eos, lora.Pirate);
        List<int> formal = oracle.Generate(prompt, Tokens, Eos, lora.Formal);

        // The adapters change what the model says, differently from each other.
        Assert.Equal(Tokens, pirate.Count);
        Assert.Equal(Tokens, formal.Count);
        Assert.NotEqual(basePlain, pirate);
        Assert.NotEqual(basePlain, formal);
        Assert.NotEqual(pirate, formal);

        Assert.Equal(Decode(pirate), await StreamAsync(lora.Client, Question, "pirate"));
        Assert.Equal(Decode(formal), await StreamAsync(lora.Client, Question, "formal"));
    }

    [Fact]
    public async Task A_request_without_an_adapter_runs_the_base_model()
    {
        int[] prompt = tiny.PromptTokens(Question);
        using var loraOracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        using var baseOracle = new OrtGreedyOracle(tiny.BaseModelPath, tiny.Spec);
        List<int> expected = baseOracle.Generate(prompt, Tokens, Eos);

        // The LoRA branches' defaults are zero: the model without an adapter is the repository's base model.
        Assert.Equal(expected, loraOracle.Generate(prompt, Tokens, Eos));
        Assert.Equal(Decode(expected), await StreamAsync(lora.Client, Question, adapter: null));
        Assert.Equal(Decode(expected), await StreamAsync(lora.Client, Question, new ChatOptions { MaxOutputTokens = Tokens }.WithOnnxAdapter("pirate").WithOnnxAdapter(null)));
    }

    [Fact]
    public async Task Requests_switch_adapters_one_after_another_and_concurrently_without_leaking_into_each_other()
    {
        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        var expected = new Dictionary<string, List<string>>
        {
            ["pirate"] = Decode(oracle.Generate(prompt, Tokens, Eos, lora.Pirate)),
            ["formal"] = Decode(oracle.Generate(prompt, Tokens, Eos, lora.Formal)),
            ["base"] = Decode(oracle.Generate(prompt, Tokens, Eos)),
        };

        foreach (string name in new[] { "pirate", "base", "formal", "pirate", "base" })
        {
            Assert.Equal(expected[name], await StreamAsync(lora.Client, Question, name == "base" ? null : name));
        }

        string[] concurrent = ["formal", "pirate", "base", "pirate"];
        List<string>[] answers = await Task.WhenAll(concurrent.Select(name => StreamAsync(lora.Client, Question, name == "base" ? null : name)));
        for (int i = 0; i < concurrent.Length; i++)
        {
            Assert.Equal(expected[concurrent[i]], answers[i]);
        }
    }

    [Fact]
    public async Task An_adapter_with_some_of_the_models_lora_tensors_overrides_only_those()
    {
        IReadOnlyList<LoraParameter> secondLayer = [.. lora.Pirate.Where(p => p.Name.StartsWith("l1.", StringComparison.Ordinal))];
        string path = lora.WriteAdapter("second-layer.onnx_adapter", secondLayer);
        using OnnxChatClient client = TinyChatModelFixture.NewClient(lora.ModelPath);
        client.LoadAdapter("second-layer", path);

        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        List<int> expected = oracle.Generate(prompt, Tokens, Eos, secondLayer);
        Assert.NotEqual(oracle.Generate(prompt, Tokens, Eos, lora.Pirate), expected);
        Assert.NotEqual(oracle.Generate(prompt, Tokens, Eos), expected);
        Assert.Equal(Decode(expected), await StreamAsync(client, Question, "second-layer"));
        Assert.Equal(["second-layer"], client.AdapterNames);
        Assert.NotNull(client.GetService(typeof(Adapters)));
    }

    [Fact]
    public void The_adapter_files_the_tests_write_are_read_by_OnnxRuntime_itself()
    {
        // Checks the test utility's writer against onnxruntime's own reader: the adapter applied through
        // RunOptions.AddActiveLoraAdapter gives the answer of its tensors fed directly.
        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        using OrtLoraAdapter adapter = OrtLoraAdapter.Create(lora.PiratePath, null);
        Assert.Equal(oracle.Generate(prompt, Tokens, Eos, lora.Pirate), oracle.Generate(prompt, Tokens, Eos, adapter: adapter));
    }

    [Fact]
    public async Task A_request_naming_an_adapter_that_is_not_loaded_fails_with_the_names_that_are()
    {
        var options = new ChatOptions().WithOnnxAdapter("viking");
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => lora.Client.GetResponseAsync(Question, options));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains("'viking'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("formal, pirate", ex.Message, StringComparison.Ordinal);

        var numeric = new ChatOptions { AdditionalProperties = new() { [OnnxChatOptionsExtensions.AdapterPropertyName] = 3 } };
        ex = await Assert.ThrowsAsync<ArgumentException>(() => lora.Client.GetResponseAsync(Question, numeric));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains(OnnxChatOptionsExtensions.AdapterPropertyName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_adapter_name_is_read_from_a_string_or_a_deserialised_JSON_string()
    {
        Assert.Null(((ChatOptions?)null).GetOnnxAdapter());
        Assert.Null(new ChatOptions().GetOnnxAdapter());
        Assert.Equal("pirate", new ChatOptions().WithOnnxAdapter("pirate").GetOnnxAdapter());
        var json = new ChatOptions { AdditionalProperties = new() { [OnnxChatOptionsExtensions.AdapterPropertyName] = JsonDocument.Parse("\"formal\"").RootElement } };
        Assert.Equal("formal", json.GetOnnxAdapter());
        Assert.Throws<ArgumentException>(() => new ChatOptions().WithOnnxAdapter(" "));
    }

    [Fact]
    public async Task Loading_a_bad_adapter_fails_clearly_and_leaves_the_loaded_ones_working()
    {
        using OnnxChatClient client = TinyChatModelFixture.NewClient(lora.ModelPath);
        client.LoadAdapter("pirate", lora.PiratePath);

        ArgumentException missing = Assert.Throws<ArgumentException>(() => client.LoadAdapter("gone", Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".onnx_adapter")));
        Assert.Equal("adapterPath", missing.ParamName);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        string garbage = lora.WriteFile("garbage.onnx_adapter", "not a flatbuffer at all, just text"u8.ToArray());
        ArgumentException invalid = Assert.Throws<ArgumentException>(() => client.LoadAdapter("garbage", garbage));
        Assert.Equal("adapterPath", invalid.ParamName);
        Assert.Contains("is not an ONNX Runtime adapter file", invalid.Message, StringComparison.Ordinal);

        ArgumentException duplicate = Assert.Throws<ArgumentException>(() => client.LoadAdapter("pirate", lora.FormalPath));
        Assert.Equal("adapterName", duplicate.ParamName);

        Assert.Equal(["pirate"], client.AdapterNames);
        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        Assert.Equal(Decode(oracle.Generate(prompt, Tokens, Eos, lora.Pirate)), await StreamAsync(client, Question, "pirate"));
    }

    [Fact]
    public void A_configured_adapter_that_cannot_be_loaded_fails_the_constructor_naming_the_file()
    {
        string garbage = lora.WriteFile("garbage-ctor.onnx_adapter", new byte[64]);
        var options = new OnnxChatClientOptions { IntraOpThreads = 1 };
        options.Adapters["broken"] = garbage;
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new OnnxChatClient(lora.ModelPath, options));
        Assert.Contains(garbage, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'broken'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_adapter_whose_tensors_the_model_does_not_take_fails_the_request_naming_the_adapter()
    {
        string path = lora.WriteAdapter("foreign.onnx_adapter", [new LoraParameter("model.layers.0.mlp.lora_A.weight", [2, 2], [1, 2, 3, 4])]);
        using OnnxChatClient client = TinyChatModelFixture.NewClient(lora.ModelPath);
        client.LoadAdapter("foreign", path);

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 4 }.WithOnnxAdapter("foreign")));
        Assert.Contains("'foreign'", ex.Message, StringComparison.Ordinal);

        // The client still answers with the base model afterwards.
        ChatResponse response = await client.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 4 });
        Assert.Equal(4, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Readme_example_loads_an_adapter_with_the_model_and_selects_it_per_request()
    {
        string modelPath = lora.ModelPath;
        string supportAdapterPath = lora.PiratePath;
        string question = "What is the weather like in Paris today?";

        // README: LoRA adapters in the local model
        var options = new OnnxChatClientOptions();
        options.Adapters["support"] = supportAdapterPath;   // loaded with the model
        using var client = new OnnxChatClient(modelPath, options);
        ChatResponse tuned = await client.GetResponseAsync(question, new ChatOptions().WithOnnxAdapter("support"));
        ChatResponse plain = await client.GetResponseAsync(question);   // the base model
        // README: end

        int[] prompt = tiny.PromptTokens([new ChatMessage(ChatRole.User, question)]);
        int room = lora.Spec.ContextLength - prompt.Length;   // no MaxOutputTokens: the answer may fill the context
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        Assert.Equal(string.Concat(Decode(oracle.Generate(prompt, room, Eos, lora.Pirate))), tuned.Text);
        Assert.Equal(string.Concat(Decode(oracle.Generate(prompt, room, Eos))), plain.Text);
        Assert.NotEqual(plain.Text, tuned.Text);
    }

    private static Task<List<string>> StreamAsync(OnnxChatClient client, IReadOnlyList<ChatMessage> messages, string? adapter) =>
        StreamAsync(client, messages, new ChatOptions { MaxOutputTokens = Tokens }.WithOnnxAdapter(adapter));

    /// <summary>The text of each token update (the final update, with usage and finish reason, left out).</summary>
    private static async Task<List<string>> StreamAsync(OnnxChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions options)
    {
        var chunks = new List<string>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
        {
            if (update.FinishReason is null)
            {
                chunks.Add(update.Text);
            }
        }

        return chunks;
    }

    private List<string> Decode(IEnumerable<int> tokens)
    {
        using TokenizerStream stream = tiny.Tokenizer.CreateStream();
        return [.. tokens.Select(stream.Decode)];
    }
}
