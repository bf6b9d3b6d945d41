using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Runtime;

public sealed class OnnxRuntimeNativeTests
{
    [Fact]
    public void Missing_native_library_becomes_one_exception_naming_the_packages()
    {
        var missing = new DllNotFoundException("Unable to load shared library 'onnxruntime' or one of its dependencies.");

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => OnnxRuntimeNative.Invoke<int>(() => throw missing));

        Assert.Same(missing, error.InnerException);
        Assert.Contains("'Microsoft.ML.OnnxRuntime' for CPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_initializer_failing_on_the_native_library_is_recognised()
    {
        var failure = new TypeInitializationException("Microsoft.ML.OnnxRuntime.NativeMethods", new DllNotFoundException("onnxruntime"));

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => OnnxRuntimeNative.Invoke<int>(() => throw failure));

        Assert.Same(failure, error.InnerException);
        Assert.True(OnnxRuntimeNative.IsMissingNativeLibrary(new EntryPointNotFoundException("OrtGetApiBase")));
    }

    [Fact]
    public void Other_failures_pass_through_unchanged()
    {
        var other = new InvalidDataException("bad model");

        Assert.Same(other, Assert.Throws<InvalidDataException>(() => OnnxRuntimeNative.Invoke<int>(() => throw other)));
        Assert.False(OnnxRuntimeNative.IsMissingNativeLibrary(new TypeInitializationException("X", new InvalidOperationException())));
    }
}
