using Microsoft.Extensions.Logging;

namespace Llm.Stack.Onnx;

/// <summary>
/// Where and how an ONNX Runtime session runs a model: the execution provider, the device and the threads. The options
/// of the embedding generator and of the cross-encoder share them.
/// </summary>
/// <remarks>Read once, when the model's session is created; changing them afterwards has no effect on it. Not thread-safe.</remarks>
public abstract class OnnxSessionOptions
{
    /// <summary>Initializes a new instance of the <see cref="OnnxSessionOptions"/> class with the defaults.</summary>
    private protected OnnxSessionOptions()
    {
    }

    /// <summary>Gets or sets the hardware the model runs on.</summary>
    /// <value>The default value is <see cref="OnnxExecutionProvider.Cpu"/>. CUDA needs the application to reference a GPU native package (see README).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined provider.</exception>
    public OnnxExecutionProvider ExecutionProvider
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown execution provider.");
            }

            field = value;
        }
    } = OnnxExecutionProvider.Cpu;

    /// <summary>Gets or sets the device id for <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    /// <value>Zero or more. The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int DeviceId { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets or sets the number of threads ONNX Runtime uses within one operator.</summary>
    /// <value>Zero or more; 0 lets ONNX Runtime decide (one per physical core). The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int IntraOpThreads { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets or sets the logger factory the model's component logs through.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: no logging. The model's load is logged at Information, each call's
    /// counts and duration at Debug; input text is never logged.
    /// </value>
    public ILoggerFactory? LoggerFactory { get; set; }
}
