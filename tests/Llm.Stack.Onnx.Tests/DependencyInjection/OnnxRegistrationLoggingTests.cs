using Llm.Stack.Onnx.Tests.Embeddings;
using Llm.Stack.Onnx.Tests.Telemetry;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Onnx.Tests.DependencyInjection;

/// <summary>
/// The ONNX clients that DI creates log through the application's <see cref="ILoggerFactory"/>, and configuration names
/// the execution provider with the same <see cref="OnnxExecutionProvider"/> as the options.
/// </summary>
[Collection(MiniLmTestGroup.Name)]
public sealed class OnnxRegistrationLoggingTests(MiniLmFixture fixture) : IDisposable
{
    private readonly string _tinyModel = TinyModelFiles.Write(Path.Combine(Path.GetTempPath(), "llm-stack-tiny-di-" + Guid.NewGuid().ToString("N")[..8]), new TinyModelSpec());

    public void Dispose() => Directory.Delete(_tinyModel, recursive: true);

    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void The_registered_embedders_and_chat_client_log_through_the_applications_logger_factory()
    {
        var logs = new ListLoggerFactory();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        var stack = new LlmStackBuilder(services);
        stack.AddOnnxEmbeddingGenerator(fixture.Folder);
        stack.AddKeyedOnnxChatClient("local", _tinyModel, o => o.ModelId = "tiny");
        using ServiceProvider provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        _ = provider.GetRequiredKeyedService<IChatClient>("local");

        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Information && m.Text.StartsWith("Loaded the ONNX embedding model", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Information && m.Text.StartsWith("Loaded the ONNX GenAI chat model 'tiny'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_built_in_embedder_logs_through_the_applications_logger_factory_unless_its_options_name_another()
    {
        var application = new ListLoggerFactory();
        var own = new ListLoggerFactory();
        foreach (Action<OnnxEmbeddingGeneratorOptions>? configure in new Action<OnnxEmbeddingGeneratorOptions>?[] { null, o => o.LoggerFactory = own })
        {
            var services = new ServiceCollection();
            services.AddSingleton<ILoggerFactory>(application);
            new LlmStackBuilder(services).AddMiniLmEmbeddingGenerator(configure);
            using ServiceProvider provider = services.BuildServiceProvider();
            _ = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        }

        Assert.Single(application.Messages, m => m.Text.Contains(MiniLmEmbeddingGenerator.ModelId, StringComparison.Ordinal));
        Assert.Single(own.Messages, m => m.Text.Contains(MiniLmEmbeddingGenerator.ModelId, StringComparison.Ordinal));
    }

    [Fact]
    public void The_onnx_provider_takes_the_execution_provider_from_configuration_and_logs()
    {
        var logs = new ListLoggerFactory();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddLlmStack(Config(
                ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", _tinyModel), ("LlmStack:Chat:ExecutionProvider", "cpu"),
                ("LlmStack:Embeddings:Provider", "minilm"), ("LlmStack:Embeddings:ExecutionProvider", "Cpu")))
            .AddOnnxProvider()
            .AddMiniLmProvider();
        using ServiceProvider provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IChatClient>();
        _ = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        Assert.Contains(logs.Messages, m => m.Text.StartsWith("Loaded the ONNX GenAI chat model", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Text.StartsWith($"Loaded the ONNX embedding model '{MiniLmEmbeddingGenerator.ModelId}' on Cpu", StringComparison.Ordinal));
    }

    [Fact]
    public void Cuda_from_configuration_reaches_the_chat_client_which_names_the_package_to_add()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config(
                ("LlmStack:Chat:Provider", "onnx"), ("LlmStack:Chat:ModelPath", _tinyModel), ("LlmStack:Chat:ExecutionProvider", "Cuda"), ("LlmStack:Chat:DeviceId", "0")))
            .AddOnnxProvider();
        using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());

        Assert.Contains("'Microsoft.ML.OnnxRuntimeGenAI.Cuda'", error.Message, StringComparison.Ordinal);
    }
}
