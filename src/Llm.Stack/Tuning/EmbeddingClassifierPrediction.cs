namespace Llm.Stack;

/// <summary>An <see cref="EmbeddingClassifier"/>'s prediction for one text: the most likely label and every label's probability.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class EmbeddingClassifierPrediction
{
    private readonly IReadOnlyList<string> _labels;
    private readonly float[] _probabilities;

    internal EmbeddingClassifierPrediction(IReadOnlyList<string> labels, float[] probabilities)
    {
        _labels = labels;
        _probabilities = probabilities;
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        Label = labels[best];
        Probability = probabilities[best];
    }

    /// <summary>Gets the most likely label (the first in <see cref="EmbeddingClassifier.Labels"/> order on a tie).</summary>
    public string Label { get; }

    /// <summary>Gets the calibrated probability of <see cref="Label"/>.</summary>
    public float Probability { get; }

    /// <summary>Gets every label's calibrated probability, in the order of <see cref="EmbeddingClassifier.Labels"/>; they sum to 1.</summary>
    public IReadOnlyList<float> Probabilities => _probabilities;

    /// <summary>Gets the calibrated probability of <paramref name="label"/>.</summary>
    /// <param name="label">A label of the classifier.</param>
    /// <returns>The probability.</returns>
    /// <exception cref="ArgumentException"><paramref name="label"/> is not one of the classifier's labels.</exception>
    public float ProbabilityOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        for (int i = 0; i < _labels.Count; i++)
        {
            if (string.Equals(_labels[i], label, StringComparison.Ordinal))
            {
                return _probabilities[i];
            }
        }

        throw new ArgumentException($"'{label}' is not a label of the classifier ({string.Join(", ", _labels)}).", nameof(label));
    }
}
