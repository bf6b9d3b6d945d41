using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// The guardrails' content classifier (<see cref="IContentClassifier"/>) backed by an <see cref="EmbeddingClassifier"/>
/// trained on the application's own labelled records: one embedding and one dot product per label for each text.
/// </summary>
/// <remarks>
/// <para>
/// The classifier's labels that name a <see cref="ContentCategory"/> in its snake-case form (<c>hate</c>,
/// <c>harassment</c>, <c>violence</c>, <c>self_harm</c>, <c>sexual_minors</c>, <c>weapons</c>, <c>drugs</c>,
/// <c>malware</c>; case-insensitive) are harmful; every other label (such as <c>safe</c>) is acceptable. A text is harmful
/// when the calibrated probabilities of the harmful labels together reach <see cref="Threshold"/>; it is then flagged
/// under each harmful label that reaches the threshold alone, or else under the most probable harmful label. The
/// <see cref="GuardrailStage"/> does not change the decision.
/// </para>
/// <para>Thread-safe when the embedder is.</para>
/// </remarks>
public sealed class EmbeddingContentClassifier : IContentClassifier
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly ContentCategory?[] _categories;

    /// <summary>Initializes a new instance of the <see cref="EmbeddingContentClassifier"/> class.</summary>
    /// <param name="embedder">The embedder the classifier was trained for.</param>
    /// <param name="classifier">The classifier.</param>
    /// <param name="threshold">The probability of harm from which a text is flagged, in (0, 1]. The default is 0.5.</param>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> or <paramref name="classifier"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No label of the classifier names a <see cref="ContentCategory"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is outside (0, 1].</exception>
    /// <exception cref="InvalidOperationException">The classifier was trained for another embedder.</exception>
    public EmbeddingContentClassifier(IEmbeddingGenerator<string, Embedding<float>> embedder, EmbeddingClassifier classifier, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(classifier);
        if (!(threshold > 0f && threshold <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a probability in (0, 1].");
        }

        classifier.EnsureEmbedder(embedder);
        _categories = classifier.Labels.Select(label => ContentClassification.Parse(label)).ToArray();
        if (_categories.All(c => c is null))
        {
            throw new ArgumentException(
                $"No label of the classifier ({string.Join(", ", classifier.Labels)}) names a content category; harmful labels are hate, harassment, violence, self_harm, sexual_minors, weapons, drugs and malware.",
                nameof(classifier));
        }

        _embedder = embedder;
        Classifier = classifier;
        Threshold = threshold;
    }

    /// <summary>Gets the classifier.</summary>
    public EmbeddingClassifier Classifier { get; }

    /// <summary>Gets the probability of harm (the harmful labels' probabilities together) from which a text is flagged.</summary>
    public float Threshold { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public async ValueTask<ContentClassification> ClassifyAsync(string text, GuardrailStage stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return ContentClassification.None;
        }

        EmbeddingClassifierPrediction prediction = await Classifier.ClassifyAsync(_embedder, text, cancellationToken).ConfigureAwait(false);
        // The text is harmful when the harmful labels together reach the threshold; it is flagged under each harmful
        // label that reaches it alone, or else under the most probable one.
        float harmful = 0f;
        int likeliest = -1;
        for (int i = 0; i < _categories.Length; i++)
        {
            if (_categories[i] is not null)
            {
                harmful += prediction.Probabilities[i];
                if (likeliest < 0 || prediction.Probabilities[i] > prediction.Probabilities[likeliest])
                {
                    likeliest = i;
                }
            }
        }

        if (harmful < Threshold)
        {
            return ContentClassification.None;
        }

        List<ContentCategory> found = [];
        for (int i = 0; i < _categories.Length; i++)
        {
            if (_categories[i] is ContentCategory category && prediction.Probabilities[i] >= Threshold)
            {
                found.Add(category);
            }
        }

        if (found.Count == 0)
        {
            found.Add(_categories[likeliest]!.Value);
        }

        return new ContentClassification(found);
    }
}
