using Llm.Stack.Onnx.Tests.TinyModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.Chat;

public sealed class ProviderSelectionTests
{
    private sealed class RecordingProviderConfig : IGenAiProviderConfig
    {
        public List<string> Calls { get; } = [];

        public void ClearProviders() => Calls.Add("ClearProviders()");

        public void AppendProvider(string provider) => Calls.Add($"AppendProvider({provider})");

        public void SetProviderOption(string provider, string option, string value) => Calls.Add($"SetProviderOption({provider}, {option}, {value})");

        public void Overlay(string json) => Calls.Add($"Overlay({json})");
    }

    private static List<string> CallsFor(OnnxChatClientOptions options)
    {
        var config = new RecordingProviderConfig();
        GenAiProviderSelection.Apply(config, options);
        return config.Calls;
    }

    [Fact]
    public void No_provider_keeps_the_models_configuration()
    {
        Assert.Empty(CallsFor(new OnnxChatClientOptions()));
    }

    [Fact]
    public void Cpu_clears_the_providers()
    {
        Assert.Equal(["ClearProviders()"], CallsFor(new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cpu, ProviderOptions = { ["ignored"] = "1" } }));
    }

    [Fact]
    public void Cuda_appends_the_provider_with_its_device_id_then_the_pass_through_options()
    {
        var options = new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cuda, DeviceId = 1 };
        options.ProviderOptions["enable_cuda_graph"] = "1";
        options.ProviderOptions["cudnn_conv_algo_search"] = "DEFAULT";

        Assert.Equal(
            [
                "ClearProviders()",
                "AppendProvider(cuda)",
                "SetProviderOption(cuda, device_id, 1)",
                "SetProviderOption(cuda, cudnn_conv_algo_search, DEFAULT)",
                "SetProviderOption(cuda, enable_cuda_graph, 1)",
            ],
            CallsFor(options));
    }

    [Fact]
    public void The_thread_count_is_set_through_a_config_overlay()
    {
        Assert.Equal(
            ["Overlay({\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":3}}}})", "ClearProviders()"],
            CallsFor(new OnnxChatClientOptions { IntraOpThreads = 3, ExecutionProvider = OnnxExecutionProvider.Cpu }));
    }

    [Fact]
    public void Cuda_with_only_the_cpu_native_package_fails_with_one_clear_error_naming_the_package()
    {
        string path = TinyModelFiles.Write(Path.Combine(Path.GetTempPath(), "llm-stack-tiny-cuda-" + Guid.NewGuid().ToString("N")[..8]), new TinyModelSpec());
        try
        {
            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => new OnnxChatClient(path, new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cuda }));

            Assert.Contains("'Microsoft.ML.OnnxRuntimeGenAI.Cuda'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'cuda'", error.Message, StringComparison.Ordinal);
            Assert.IsType<OnnxRuntimeGenAIException>(error.InnerException);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void A_missing_native_library_is_translated_into_an_error_naming_the_package()
    {
        var missing = new DllNotFoundException("Unable to load shared library 'onnxruntime-genai'");

        Exception cpu = GenAiProviderSelection.Translate(missing, null)!;
        Exception cuda = GenAiProviderSelection.Translate(new TypeInitializationException("X", missing), OnnxExecutionProvider.Cuda)!;

        Assert.IsType<InvalidOperationException>(cpu);
        Assert.Contains("'Microsoft.ML.OnnxRuntimeGenAI'", cpu.Message, StringComparison.Ordinal);
        Assert.Contains("'Microsoft.ML.OnnxRuntimeGenAI.Cuda'", cuda.Message, StringComparison.Ordinal);
        Assert.Null(GenAiProviderSelection.Translate(new IOException("disk"), OnnxExecutionProvider.Cuda));
    }
}
