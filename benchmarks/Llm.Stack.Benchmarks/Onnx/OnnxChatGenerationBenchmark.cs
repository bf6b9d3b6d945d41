using BenchmarkDotNet.Attributes;
using Llm.Stack.Onnx;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Benchmarks.Onnx;

/// <summary>
/// <see cref="OnnxChatClient"/> streaming against a raw ONNX Runtime GenAI generator loop (GeneratorParams →
/// Generator → AppendTokens → GenerateNextToken / GetNextTokens / TokenizerStream.Decode) on the same tiny model
/// object, the same prompt tokens and one intra-op thread. <c>Tokens = 1</c> is the time to first token;
/// the per-token overhead is ((client − raw) at 100 tokens − (client − raw) at 1 token) / 99.
/// </summary>
[MemoryDiagnoser]
public class OnnxChatGenerationBenchmark : IDisposable
{
    private string _directory = null!;
    private OnnxChatClient _client = null!;
    private Model _model = null!;
    private Tokenizer _tokenizer = null!;
    private int[] _promptTokens = null!;
    private ChatOptions _options = null!;
    private readonly ChatMessage[] _messages = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "What is the weather like in Paris today?")];

    [Params(1, 100)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "llm-stack-bench-tiny-" + Guid.NewGuid().ToString("N")[..8]);
        TinyModelFiles.Write(_directory, new TinyModelSpec { ContextLength = 256 });
        _client = new OnnxChatClient(_directory, new OnnxChatClientOptions { IntraOpThreads = 1 });
        _model = (Model)_client.GetService(typeof(Model))!;
        _tokenizer = (Tokenizer)_client.GetService(typeof(Tokenizer))!;
        using Sequences sequences = _tokenizer.Encode(_client.FormatPrompt(_messages, null));
        _promptTokens = sequences[0].ToArray();
        _options = new ChatOptions { MaxOutputTokens = Tokens };
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _client?.Dispose();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public int RawGeneratorLoop()
    {
        using var generatorParams = new GeneratorParams(_model);
        generatorParams.SetSearchOption("max_length", _promptTokens.Length + Tokens);
        using var generator = new Generator(_model, generatorParams);
        generator.AppendTokens(_promptTokens);
        using TokenizerStream stream = _tokenizer.CreateStream();
        int chars = 0;
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
            chars += stream.Decode(generator.GetNextTokens()[0]).Length;
        }

        return chars;
    }

    /// <summary>The per-request work the client does before its generator loop: chat template and tokenisation.</summary>
    [Benchmark]
    public int TemplateAndEncode()
    {
        using Sequences sequences = _tokenizer.Encode(_client.FormatPrompt(_messages, null));
        return sequences[0].Length;
    }

    [Benchmark]
    public async Task<int> OnnxChatClientStreaming()
    {
        int chars = 0;
        await foreach (ChatResponseUpdate update in _client.GetStreamingResponseAsync(_messages, _options))
        {
            chars += update.Text.Length;
        }

        return chars;
    }
}
