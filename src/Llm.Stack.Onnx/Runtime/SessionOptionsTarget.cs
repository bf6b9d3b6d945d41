using Microsoft.ML.OnnxRuntime;

namespace Llm.Stack.Onnx;

/// <summary>Applies the selected options to a real <see cref="SessionOptions"/>.</summary>
internal sealed class SessionOptionsTarget : ISessionOptionsTarget
{
    private readonly SessionOptions _options;

    /// <summary>Initializes a new instance of the <see cref="SessionOptionsTarget"/> class.</summary>
    /// <param name="options">The options to configure.</param>
    public SessionOptionsTarget(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public void SetIntraOpNumThreads(int threads) => _options.IntraOpNumThreads = threads;

    /// <inheritdoc />
    public void AppendCuda(int deviceId) => _options.AppendExecutionProvider_CUDA(deviceId);
}
