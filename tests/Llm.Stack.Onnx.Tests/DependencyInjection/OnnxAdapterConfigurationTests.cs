using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.DependencyInjection;

/// <summary>
/// <c>LlmStack:Chat:Adapters:&lt;name&gt;</c> (and a named model's <c>Adapters</c>): LoRA adapter files loaded with the
/// configured local model, selected per request through the configured pipeline, and checked against plain ONNX Runtime
/// with the adapter's weights; keys that cannot work are refused by <c>AddLlmStack(configuration)</c>.
/// </summary>
[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxAdapterConfigurationTests(TinyChatModelFixture tiny, TinyLoraModelFixture lora) : IClassFixture<TinyLoraModelFixture>
{
    private const int Tokens = 16;

    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather like in Paris today?")];

    private static int[] Eos => [TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd)];

    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOnnxProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Configured_adapters_are_loaded_with_the_model_and_each_request_through_the_pipeline_runs_the_one_it_selects()
    {
        using ServiceProvider provider = Build(Config(
            ("LlmStack:Chat:Provider", "onnx"),
            ("LlmStack:Chat:ModelPath", lora.ModelPath),
            ("LlmStack:Chat:Adapters:pirate", lora.PiratePath),
            ("LlmStack:Chat:Adapters:formal", lora.FormalPath)));
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        OnnxChatClient onnx = Assert.IsType<OnnxChatClient>(chat.GetService(typeof(OnnxChatClient)));
        Assert.Equal(["formal", "pirate"], onnx.AdapterNames.Order(StringComparer.Ordinal));

        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        string pirate = Decode(oracle.Generate(prompt, Tokens, Eos, lora.Pirate));
        string formal = Decode(oracle.Generate(prompt, Tokens, Eos, lora.Formal));
        string plain = Decode(oracle.Generate(prompt, Tokens, Eos));
        Assert.NotEqual(plain, pirate);
        Assert.NotEqual(pirate, formal);

        Assert.Equal(pirate, (await chat.GetResponseAsync(Question, Options("pirate"))).Text);
        Assert.Equal(formal, (await chat.GetResponseAsync(Question, Options("formal"))).Text);
        Assert.Equal(plain, (await chat.GetResponseAsync(Question, Options(null))).Text);
    }

    [Fact]
    public async Task A_named_local_model_takes_its_own_adapters_and_a_relative_path_is_resolved()
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, lora.PiratePath);
        using ServiceProvider provider = Build(Config(
            ("LlmStack:ChatModels:support:Provider", "onnx"),
            ("LlmStack:ChatModels:support:ModelPath", lora.ModelPath),
            ("LlmStack:ChatModels:support:Adapters:support", relative)));
        IChatClient support = provider.GetRequiredKeyedService<IChatClient>("support");
        Assert.Equal(["support"], Assert.IsType<OnnxChatClient>(support.GetService(typeof(OnnxChatClient))).AdapterNames);

        int[] prompt = tiny.PromptTokens(Question);
        using var oracle = new OrtGreedyOracle(lora.ModelPath, lora.Spec);
        Assert.Equal(Decode(oracle.Generate(prompt, Tokens, Eos, lora.Pirate)), (await support.GetResponseAsync(Question, Options("support"))).Text);
    }

    [Fact]
    public void Adapter_keys_that_cannot_work_are_refused_naming_the_key()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".onnx_adapter");
        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", lora.ModelPath), ("LlmStack:Chat:Adapters:pirate", missing))));
        Assert.Contains($"LlmStack:Chat:Adapters:pirate is '{missing}', but the adapter file", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:Chat:Provider", "openai"), ("LlmStack:Chat:Endpoint", "http://127.0.0.1:9/v1"), ("LlmStack:Chat:Model", "m"),
            ("LlmStack:Chat:Adapters:pirate", lora.PiratePath))));
        Assert.Contains("LlmStack:Chat:Adapters names LoRA adapters (pirate), which only a local model takes", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", lora.ModelPath), ("LlmStack:Chat:Adapters", lora.PiratePath))));
        Assert.Contains("LlmStack:Chat:Adapters is a section of named values", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", lora.ModelPath), ("LlmStack:Chat:Adapters:pirate", " "))));
        Assert.Contains("LlmStack:Chat:Adapters:pirate is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_file_that_is_not_an_adapter_fails_when_the_model_loads_naming_it()
    {
        string garbage = lora.WriteFile("garbage-config.onnx_adapter", new byte[64]);
        using ServiceProvider provider = Build(Config(
            ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", lora.ModelPath), ("LlmStack:Chat:Adapters:broken", garbage)));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains(garbage, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'broken'", ex.Message, StringComparison.Ordinal);
    }

    private static ChatOptions Options(string? adapter) => new ChatOptions { MaxOutputTokens = Tokens }.WithOnnxAdapter(adapter);

    private string Decode(IEnumerable<int> tokens)
    {
        using TokenizerStream stream = tiny.Tokenizer.CreateStream();
        return string.Concat(tokens.Select(stream.Decode));
    }
}
