using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx;

/// <summary>Applies <see cref="OnnxChatClientOptions"/> to a GenAI <c>Config</c> and turns native failures into clear errors.</summary>
internal static class GenAiProviderSelection
{
    internal const string CpuPackage = "Microsoft.ML.OnnxRuntimeGenAI";
    internal const string CudaPackage = "Microsoft.ML.OnnxRuntimeGenAI.Cuda";

    /// <summary>Makes the calls on <paramref name="config"/> that select the provider of <paramref name="options"/>.</summary>
    /// <remarks>
    /// No provider set: the model's <c>genai_config.json</c> decides (no call). CPU: all providers cleared (GenAI runs
    /// on the CPU when none is appended). CUDA: cleared, appended, then <c>device_id</c> and every pass-through option
    /// set on it.
    /// </remarks>
    internal static void Apply(IGenAiProviderConfig config, OnnxChatClientOptions options)
    {
        if (options.IntraOpThreads is > 0 and int threads)
        {
            config.Overlay($"{{\"model\":{{\"decoder\":{{\"session_options\":{{\"intra_op_num_threads\":{threads.ToString(CultureInfo.InvariantCulture)}}}}}}}}}");
        }

        if (options.ExecutionProvider is not { } hardware)
        {
            return;
        }

        config.ClearProviders();
        if (hardware == OnnxExecutionProvider.Cpu)
        {
            return;
        }

        string provider = GenAiName(hardware);
        config.AppendProvider(provider);
        config.SetProviderOption(provider, "device_id", options.DeviceId.ToString(CultureInfo.InvariantCulture));

        foreach (KeyValuePair<string, string> option in options.ProviderOptions.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            config.SetProviderOption(provider, option.Key, option.Value);
        }
    }

    /// <summary>The name GenAI's <c>Config.AppendProvider</c> takes for <paramref name="provider"/>.</summary>
    internal static string GenAiName(OnnxExecutionProvider provider) => provider switch
    {
        OnnxExecutionProvider.Cuda => "cuda",
        _ => "cpu",
    };

    /// <summary>The NuGet package whose native library provides <paramref name="provider"/>.</summary>
    internal static string PackageFor(OnnxExecutionProvider? provider) => provider == OnnxExecutionProvider.Cuda ? CudaPackage : CpuPackage;

    /// <summary>Translates a failure to load the native library or a provider into one clear exception; null when <paramref name="exception"/> is something else.</summary>
    internal static Exception? Translate(Exception exception, OnnxExecutionProvider? provider)
    {
        Exception root = exception is TypeInitializationException { InnerException: { } inner } ? inner : exception;
        if (root is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new InvalidOperationException(
                $"The ONNX Runtime GenAI native library could not be loaded. Add the NuGet package '{PackageFor(provider)}' (version 0.20.0, the same as Microsoft.ML.OnnxRuntimeGenAI.Managed) to the application: Llm.Stack.Onnx references only the managed package so that the application chooses the CPU or CUDA build.",
                exception);
        }

        if (root is OnnxRuntimeGenAIException && provider is { } hardware && hardware != OnnxExecutionProvider.Cpu
            && (root.Message.Contains("not available", StringComparison.OrdinalIgnoreCase)
                || root.Message.Contains("Failed to load library", StringComparison.OrdinalIgnoreCase)
                || root.Message.Contains("provider", StringComparison.OrdinalIgnoreCase)))
        {
            return new InvalidOperationException(
                $"The '{GenAiName(hardware)}' execution provider is not available in the ONNX Runtime GenAI native library of this application. Add the NuGet package '{PackageFor(provider)}' instead of the CPU package '{CpuPackage}' (and the provider's own runtime: CUDA 12 and cuDNN 9 for 'cuda'). Native error: {root.Message}",
                exception);
        }

        return null;
    }

    /// <summary>Adapts a GenAI <see cref="Config"/>.</summary>
    internal sealed class ConfigAdapter(Config config) : IGenAiProviderConfig
    {
        public void ClearProviders() => config.ClearProviders();

        public void AppendProvider(string provider) => config.AppendProvider(provider);

        public void SetProviderOption(string provider, string option, string value) => config.SetProviderOption(provider, option, value);

        public void Overlay(string json) => config.Overlay(json);
    }

    /// <summary>Gets a value indicating whether <paramref name="exception"/> is a native-library failure.</summary>
    internal static bool IsNativeLoadFailure(Exception exception) =>
        exception is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or MarshalDirectiveException
        || exception is TypeInitializationException { InnerException: DllNotFoundException or EntryPointNotFoundException };
}
