namespace Llm.Stack.Onnx;

/// <summary>
/// The calls that provider selection makes on ONNX Runtime's <c>SessionOptions</c>, as an interface so that the
/// selection can be tested without a GPU by recording them.
/// </summary>
internal interface ISessionOptionsTarget
{
    /// <summary>Sets the number of threads used to parallelise one operator.</summary>
    /// <param name="threads">The number of threads; at least 1.</param>
    void SetIntraOpNumThreads(int threads);

    /// <summary>Appends the CUDA execution provider for a device.</summary>
    /// <param name="deviceId">The CUDA device id.</param>
    void AppendCuda(int deviceId);
}
