namespace Llm.Stack.Onnx;

/// <summary>
/// Chooses the execution provider and threading of an ONNX Runtime session from options, checking first that the
/// loaded native library has the provider, so that a missing CUDA build fails with a message naming the package
/// instead of ONNX Runtime's own error at session creation.
/// </summary>
internal static class ExecutionProviderSelector
{
    /// <summary>Applies the options to <paramref name="target"/>.</summary>
    /// <param name="target">The session options to configure.</param>
    /// <param name="provider">The provider asked for.</param>
    /// <param name="deviceId">The device id (for CUDA).</param>
    /// <param name="intraOpThreads">The intra-op thread count; 0 leaves ONNX Runtime's default.</param>
    /// <param name="availableProviders">The providers of the loaded native library (<c>OrtEnv.GetAvailableProviders()</c>).</param>
    /// <exception cref="InvalidOperationException">The provider is not in <paramref name="availableProviders"/>.</exception>
    public static void Apply(ISessionOptionsTarget target, OnnxExecutionProvider provider, int deviceId, int intraOpThreads, IReadOnlyCollection<string> availableProviders)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(availableProviders);
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);

        switch (provider)
        {
            case OnnxExecutionProvider.Cpu:
                // The CPU provider is always registered last by ONNX Runtime itself; nothing to append.
                break;
            case OnnxExecutionProvider.Cuda:
                if (!availableProviders.Contains(OnnxRuntimeNative.CudaProviderName, StringComparer.Ordinal))
                {
                    throw OnnxRuntimeNative.ProviderUnavailable(provider, availableProviders);
                }

                target.AppendCuda(deviceId);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown execution provider.");
        }

        if (intraOpThreads > 0)
        {
            target.SetIntraOpNumThreads(intraOpThreads);
        }
    }
}
