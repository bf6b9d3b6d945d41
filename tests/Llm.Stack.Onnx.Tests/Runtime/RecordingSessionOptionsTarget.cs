using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Runtime;

/// <summary>Records the calls provider selection makes, in order.</summary>
internal sealed class RecordingSessionOptionsTarget : ISessionOptionsTarget
{
    public List<string> Calls { get; } = [];

    public void SetIntraOpNumThreads(int threads) => Calls.Add($"IntraOpNumThreads={threads}");

    public void AppendCuda(int deviceId) => Calls.Add($"AppendExecutionProvider_CUDA({deviceId})");
}
