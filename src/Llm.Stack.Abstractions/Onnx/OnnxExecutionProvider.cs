namespace Llm.Stack.Onnx;

/// <summary>The hardware an ONNX model runs on.</summary>
/// <remarks>
/// Llm.Stack.Onnx references only the managed ONNX Runtime; the application brings the native package that
/// provides the chosen provider: <c>Microsoft.ML.OnnxRuntime</c> for <see cref="Cpu"/>, or
/// <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> / <c>Microsoft.ML.OnnxRuntime.Gpu.Windows</c> for <see cref="Cuda"/>.
/// It lives in Llm.Stack.Abstractions so that configuration (<c>LlmStack:Chat:ExecutionProvider</c>,
/// <c>LlmStack:Embeddings:ExecutionProvider</c>) names the hardware with the same type as the ONNX options.
/// </remarks>
public enum OnnxExecutionProvider
{
    /// <summary>The CPU (ONNX Runtime's default provider).</summary>
    Cpu = 0,

    /// <summary>An NVIDIA GPU through CUDA, chosen by device id.</summary>
    Cuda = 1,
}
