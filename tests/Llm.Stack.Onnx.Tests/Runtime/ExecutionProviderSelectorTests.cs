using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Runtime;

public sealed class ExecutionProviderSelectorTests
{
    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];
    private static readonly string[] CpuAndCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [Fact]
    public void Cpu_with_default_threads_makes_no_call()
    {
        var target = new RecordingSessionOptionsTarget();

        ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cpu, deviceId: 0, intraOpThreads: 0, CpuOnly);

        Assert.Empty(target.Calls);
    }

    [Fact]
    public void Cpu_with_threads_sets_intra_op_threads_only()
    {
        var target = new RecordingSessionOptionsTarget();

        ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cpu, deviceId: 3, intraOpThreads: 4, CpuOnly);

        Assert.Equal(["IntraOpNumThreads=4"], target.Calls);
    }

    [Theory]
    [InlineData(0, 0, new[] { "AppendExecutionProvider_CUDA(0)" })]
    [InlineData(1, 0, new[] { "AppendExecutionProvider_CUDA(1)" })]
    [InlineData(2, 6, new[] { "AppendExecutionProvider_CUDA(2)", "IntraOpNumThreads=6" })]
    public void Cuda_appends_the_provider_for_the_device(int deviceId, int threads, string[] expected)
    {
        var target = new RecordingSessionOptionsTarget();

        ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cuda, deviceId, threads, CpuAndCuda);

        Assert.Equal(expected, target.Calls);
    }

    [Fact]
    public void Cuda_missing_from_the_native_library_fails_naming_the_gpu_packages_and_makes_no_call()
    {
        var target = new RecordingSessionOptionsTarget();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cuda, deviceId: 0, intraOpThreads: 2, CpuOnly));

        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Windows", error.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", error.Message, StringComparison.Ordinal);
        Assert.Empty(target.Calls);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var target = new RecordingSessionOptionsTarget();

        Assert.Throws<ArgumentOutOfRangeException>("deviceId", () => ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cpu, -1, 0, CpuOnly));
        Assert.Throws<ArgumentOutOfRangeException>("intraOpThreads", () => ExecutionProviderSelector.Apply(target, OnnxExecutionProvider.Cpu, 0, -1, CpuOnly));
        Assert.Throws<ArgumentOutOfRangeException>("provider", () => ExecutionProviderSelector.Apply(target, (OnnxExecutionProvider)7, 0, 0, CpuOnly));
    }

    [Fact]
    public void The_cpu_native_package_of_this_test_project_has_the_cpu_provider_and_not_cuda()
    {
        IReadOnlyList<string> providers = OnnxRuntimeNative.GetAvailableProviders();

        Assert.Contains("CPUExecutionProvider", providers);
        Assert.DoesNotContain("CUDAExecutionProvider", providers);
    }
}
