using Microsoft.ML.OnnxRuntime;

namespace Llm.Stack.Onnx;

/// <summary>
/// Maps the failures of a missing or incomplete native ONNX Runtime to one clear exception that names the NuGet
/// package the application must add.
/// </summary>
internal static class OnnxRuntimeNative
{
    /// <summary>The native package with the CPU provider.</summary>
    public const string CpuPackage = "Microsoft.ML.OnnxRuntime";

    /// <summary>The native package with the CUDA provider on Linux.</summary>
    public const string CudaLinuxPackage = "Microsoft.ML.OnnxRuntime.Gpu.Linux";

    /// <summary>The native package with the CUDA provider on Windows.</summary>
    public const string CudaWindowsPackage = "Microsoft.ML.OnnxRuntime.Gpu.Windows";

    /// <summary>ONNX Runtime's name of the CUDA provider in <see cref="OrtEnv.GetAvailableProviders"/>.</summary>
    public const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>ONNX Runtime's name of the CPU provider in <see cref="OrtEnv.GetAvailableProviders"/>.</summary>
    public const string CpuProviderName = "CPUExecutionProvider";

    /// <summary>Gets the providers of the loaded native ONNX Runtime, or throws the clear exception when none is loaded.</summary>
    /// <returns>The provider names, e.g. <c>CPUExecutionProvider</c>.</returns>
    /// <exception cref="InvalidOperationException">The native ONNX Runtime library cannot be loaded.</exception>
    public static IReadOnlyList<string> GetAvailableProviders() => Invoke(static () => OrtEnv.Instance().GetAvailableProviders());

    /// <summary>Runs <paramref name="action"/>, turning a missing native library into the clear exception.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The call into ONNX Runtime.</param>
    /// <returns>What <paramref name="action"/> returns.</returns>
    /// <exception cref="InvalidOperationException">The native ONNX Runtime library cannot be loaded.</exception>
    public static T Invoke<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (IsMissingNativeLibrary(ex))
        {
            throw MissingNativeLibrary(ex);
        }
    }

    /// <summary>Tells whether <paramref name="exception"/> means the native ONNX Runtime library could not be loaded.</summary>
    /// <param name="exception">The exception thrown by a call into ONNX Runtime.</param>
    /// <returns><see langword="true"/> for a missing library, entry point, or a failed type initializer caused by one.</returns>
    public static bool IsMissingNativeLibrary(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                return true;
            }

            if (e is not TypeInitializationException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Creates the exception for a missing native library.</summary>
    /// <param name="inner">What the runtime threw.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException MissingNativeLibrary(Exception inner)
        => new(
            "The native ONNX Runtime library (onnxruntime) could not be loaded. Llm.Stack.Onnx references only the managed "
            + $"package; add a native one to the application: '{CpuPackage}' for CPU, or '{CudaLinuxPackage}' (Linux) / "
            + $"'{CudaWindowsPackage}' (Windows) for CUDA. ({inner.GetType().Name}: {inner.Message})",
            inner);

    /// <summary>Creates the exception for a provider the loaded native ONNX Runtime does not have.</summary>
    /// <param name="provider">The provider asked for.</param>
    /// <param name="available">The providers the native library has.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException ProviderUnavailable(OnnxExecutionProvider provider, IReadOnlyCollection<string> available)
        => new(
            $"The execution provider '{provider}' is not available in the loaded native ONNX Runtime (it has: {string.Join(", ", available)}). "
            + (provider == OnnxExecutionProvider.Cuda
                ? $"For CUDA, reference '{CudaLinuxPackage}' (Linux) or '{CudaWindowsPackage}' (Windows) instead of '{CpuPackage}', with the CUDA and cuDNN libraries it needs installed."
                : $"Reference '{CpuPackage}'."));
}
