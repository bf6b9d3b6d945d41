namespace Llm.Stack;

/// <summary>
/// What training an <see cref="EmbeddingClassifier"/> measured, kept inside the classifier file: the k-fold
/// cross-validation of the same training on the same examples (every example predicted by a model that did not see it).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record EmbeddingClassifierReport
{
    /// <summary>Gets the number of labelled examples trained on.</summary>
    public required int Examples { get; init; }

    /// <summary>Gets the number of cross-validation folds.</summary>
    public required int Folds { get; init; }

    /// <summary>Gets the share of examples whose out-of-fold prediction is their label.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Gets the unweighted mean of the classes' F1 over the out-of-fold predictions.</summary>
    public required double MacroF1 { get; init; }

    /// <summary>Gets the mean negative log-likelihood of the labels under the out-of-fold probabilities before calibration.</summary>
    public required double LogLossBeforeCalibration { get; init; }

    /// <summary>Gets the mean negative log-likelihood of the labels under the calibrated out-of-fold probabilities.</summary>
    public required double LogLoss { get; init; }

    /// <summary>
    /// Gets the expected calibration error of the calibrated out-of-fold probabilities: the mean gap between the top
    /// probability and the accuracy, over ten equal-width bins weighted by their examples.
    /// </summary>
    public required double CalibrationError { get; init; }

    /// <summary>Gets the temperature the logits are divided by (fitted on the out-of-fold predictions), already folded into the weights.</summary>
    public required double Temperature { get; init; }

    /// <summary>Gets each class's out-of-fold precision, recall and F1, in the order of <see cref="EmbeddingClassifier.Labels"/>.</summary>
    public required IReadOnlyList<EmbeddingClassScores> Classes { get; init; }

    /// <summary>Gets the options the classifier was trained with.</summary>
    public required EmbeddingClassifierTrainerOptions Options { get; init; }

    /// <summary>Gets the training time, cross-validation included.</summary>
    public required TimeSpan Duration { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"{Folds}-fold: accuracy {Accuracy:F3}, macro-F1 {MacroF1:F3}, log-loss {LogLoss:F3} (uncalibrated {LogLossBeforeCalibration:F3}), calibration error {CalibrationError:F3} ({Examples} examples)");
}
