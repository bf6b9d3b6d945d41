namespace Llm.Stack;

/// <summary>Options for <see cref="SemanticChunker"/>.</summary>
/// <remarks>Read once by the chunker's constructor. Not thread-safe while being configured.</remarks>
public sealed class SemanticChunkerOptions : TextChunkerOptions
{
    /// <summary>Gets or sets the percentile of the distances between neighbouring sentences above which a new chunk starts.</summary>
    /// <value>A percentile between 0 and 100. The default value is 95.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 0, more than 100, or not a number.</exception>
    public double BreakpointPercentile
    {
        get;
        set
        {
            if (double.IsNaN(value) || value < 0 || value > 100)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The percentile must be between 0 and 100.");
            }

            field = value;
        }
    } = 95;

    /// <summary>Gets or sets the number of neighbouring sentences on each side embedded together with a sentence, to smooth the distances.</summary>
    /// <value>The number of neighbours on each side, 0 or more. The default value is 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int BufferSize { get; set => field = OptionRange.Check(value, 0); } = 1;

    /// <summary>Gets or sets the number of sentences sent to the embedding generator per call.</summary>
    /// <value>The batch size, at least 1. The default value is 64.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int BatchSize { get; set => field = OptionRange.Check(value, 1); } = 64;
}
