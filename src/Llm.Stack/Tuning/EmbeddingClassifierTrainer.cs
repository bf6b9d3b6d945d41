using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Trains an <see cref="EmbeddingClassifier"/> from labelled texts: multinomial logistic regression on frozen embeddings
/// (the embedder is not changed), so that 100–500 examples are enough.
/// </summary>
/// <remarks>
/// <para>
/// The embedding dimensions are standardised over the examples; the weights minimise the cross-entropy, each example
/// weighted by its class's inverse frequency when <see cref="EmbeddingClassifierTrainerOptions.BalanceClasses"/> is set,
/// plus an L2 penalty (<see cref="EmbeddingClassifierTrainerOptions.Regularization"/>), by L-BFGS from zero. A stratified
/// k-fold cross-validation predicts every example with a model that did not see it: those predictions give the report
/// (<see cref="EmbeddingClassifierReport"/>: accuracy, macro-F1, per-class scores, log-loss) and calibrate the
/// probabilities by temperature scaling (the temperature that minimises their log-loss). The final model is fitted on all
/// examples, and the standardisation and the temperature are folded into its weights.
/// </para>
/// <para>Runs on one thread and is deterministic for a seed. Instances hold only their options and are thread-safe.</para>
/// </remarks>
public sealed class EmbeddingClassifierTrainer
{
    private const int EmbeddingBatch = 64;
    private readonly EmbeddingClassifierTrainerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="EmbeddingClassifierTrainer"/> class.</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults. The values are copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public EmbeddingClassifierTrainer(EmbeddingClassifierTrainerOptions? options = null)
    {
        _options = options?.Clone() ?? new EmbeddingClassifierTrainerOptions();
        _options.Validate();
    }

    /// <summary>Embeds the texts with <paramref name="embedder"/> and trains on them.</summary>
    /// <param name="embedder">The embedder; the classifier records its model id and works only with its embeddings.</param>
    /// <param name="examples">The labelled texts: at least two classes, each with at least two texts.</param>
    /// <param name="cancellationToken">A token to cancel embedding and training.</param>
    /// <returns>The classifier, with its cross-validation report.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A text or label is empty, there are too few classes or examples, or the embeddings are not usable.</exception>
    public async Task<EmbeddingClassifier> TrainAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        IReadOnlyList<ClassificationExample> examples,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(examples);
        for (int i = 0; i < examples.Count; i++)
        {
            ClassificationExample example = examples[i] ?? throw new ArgumentException($"Example {i} is null.", nameof(examples));
            if (string.IsNullOrWhiteSpace(example.Text) || string.IsNullOrWhiteSpace(example.Label))
            {
                throw new ArgumentException($"Example {i} needs a non-empty text and label.", nameof(examples));
            }
        }

        var embeddings = new List<ReadOnlyMemory<float>>(examples.Count);
        for (int start = 0; start < examples.Count; start += EmbeddingBatch)
        {
            string[] texts = examples.Skip(start).Take(EmbeddingBatch).Select(e => e.Text).ToArray();
            GeneratedEmbeddings<Embedding<float>> batch = await embedder.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
            embeddings.AddRange(batch.Select(e => e.Vector));
        }

        return Train(TunedModelFile.EmbedderModelId(embedder), embeddings, examples.Select(e => e.Label).ToArray(), cancellationToken);
    }

    /// <summary>Trains on embeddings that are already computed.</summary>
    /// <param name="embedderModelId">The model id of the embedder that produced <paramref name="embeddings"/>, recorded in the classifier.</param>
    /// <param name="embeddings">One embedding per example, all of the same dimensions.</param>
    /// <param name="labels">Each example's label, in the same order.</param>
    /// <param name="cancellationToken">A token to cancel training.</param>
    /// <returns>The classifier, with its cross-validation report.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The counts differ, a label is empty, there are fewer than two classes or a class has fewer than two examples, there
    /// are fewer examples than folds, the dimensions disagree, or a value is not finite.
    /// </exception>
    public EmbeddingClassifier Train(
        string embedderModelId,
        IReadOnlyList<ReadOnlyMemory<float>> embeddings,
        IReadOnlyList<string> labels,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(embedderModelId);
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        if (embeddings.Count != labels.Count)
        {
            throw new ArgumentException($"There are {embeddings.Count} embeddings and {labels.Count} labels; each example needs one of each.", nameof(labels));
        }

        if (embeddings.Count < _options.Folds)
        {
            throw new ArgumentException($"Training with {_options.Folds} folds needs at least {_options.Folds} examples; {embeddings.Count} were given.", nameof(embeddings));
        }

        var stopwatch = Stopwatch.StartNew();
        string[] classes = labels.Select((l, i) => string.IsNullOrWhiteSpace(l) ? throw new ArgumentException($"Label {i} is empty.", nameof(labels)) : l)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < 2)
        {
            throw new ArgumentException($"A classifier needs at least two classes; every example is labelled '{classes[0]}'.", nameof(labels));
        }

        int n = embeddings.Count;
        int k = classes.Length;
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        int[] y = labels.Select(l => classIndex[l]).ToArray();
        int[] counts = new int[k];
        foreach (int c in y)
        {
            counts[c]++;
        }

        for (int c = 0; c < k; c++)
        {
            if (counts[c] < 2)
            {
                throw new ArgumentException($"The class '{classes[c]}' has {counts[c]} example; every class needs at least two.", nameof(labels));
            }
        }

        int d = embeddings[0].Length;
        double[] x = Standardize(embeddings, d, out double[] mean, out double[] deviation);
        double[] classWeight = counts.Select(count => _options.BalanceClasses ? (double)n / (k * count) : 1.0).ToArray();

        // Cross-validation: out-of-fold logits for every example, from models that did not see it.
        int[] fold = StratifiedFolds(y, k, _options.Folds, _options.Seed);
        double[] outOfFold = new double[n * k];
        for (int f = 0; f < _options.Folds; f++)
        {
            int[] train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            double[] parameters = new SoftmaxRegression(x, d, k, train, y, classWeight, _options.Regularization).Fit(_options.MaxIterations, cancellationToken);
            for (int i = 0; i < n; i++)
            {
                if (fold[i] == f)
                {
                    SoftmaxRegression.Logits(parameters, x.AsSpan(i * d, d), k, outOfFold.AsSpan(i * k, k));
                }
            }
        }

        double temperature = FitTemperature(outOfFold, y, k);
        EmbeddingClassifierReport report = Report(outOfFold, y, classes, temperature, stopwatch);

        double[] final = new SoftmaxRegression(x, d, k, Enumerable.Range(0, n).ToArray(), y, classWeight, _options.Regularization)
            .Fit(_options.MaxIterations, cancellationToken);

        // Fold the standardisation and the temperature into raw-embedding weights:
        // logit_c = Σ (W_cj / σ_j) e_j + (b_c − Σ W_cj μ_j / σ_j), all divided by T.
        float[] weights = new float[k * d];
        float[] biases = new float[k];
        for (int c = 0; c < k; c++)
        {
            double bias = final[(k * d) + c];
            for (int j = 0; j < d; j++)
            {
                double w = final[(c * d) + j] / deviation[j];
                weights[(c * d) + j] = (float)(w / temperature);
                bias -= w * mean[j];
            }

            biases[c] = (float)(bias / temperature);
        }

        return new EmbeddingClassifier(embedderModelId, d, classes, weights, biases, report with { Duration = stopwatch.Elapsed });
    }

    private static double[] Standardize(IReadOnlyList<ReadOnlyMemory<float>> embeddings, int d, out double[] mean, out double[] deviation)
    {
        int n = embeddings.Count;
        double[] x = new double[checked(n * d)];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> e = embeddings[i].Span;
            if (e.Length != d)
            {
                throw new ArgumentException($"Embedding {i} has {e.Length} dimensions; the first has {d}.", nameof(embeddings));
            }

            if (!float.IsFinite(TensorPrimitives.Sum(e)))
            {
                throw new ArgumentException($"Embedding {i} holds a value that is not a finite number.", nameof(embeddings));
            }

            for (int j = 0; j < d; j++)
            {
                x[(i * d) + j] = e[j];
            }
        }

        mean = new double[d];
        deviation = new double[d];
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Add(mean, x.AsSpan(i * d, d), mean);
        }

        TensorPrimitives.Divide(mean, n, mean);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double centred = x[(i * d) + j] - mean[j];
                deviation[j] += centred * centred;
            }
        }

        for (int j = 0; j < d; j++)
        {
            // A constant dimension carries no information; a unit deviation leaves it at zero instead of dividing by zero.
            double sd = Math.Sqrt(deviation[j] / n);
            deviation[j] = sd > 1e-8 ? sd : 1.0;
        }

        for (int i = 0; i < n; i++)
        {
            Span<double> row = x.AsSpan(i * d, d);
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Divide(row, deviation, row);
        }

        return x;
    }

    /// <summary>Assigns folds class by class after a seeded shuffle, so that each fold holds about the same share of every class.</summary>
    private static int[] StratifiedFolds(int[] y, int k, int folds, int seed)
    {
        var random = new Random(seed);
        int[] fold = new int[y.Length];
        int position = 0;
        for (int c = 0; c < k; c++)
        {
            int[] members = Enumerable.Range(0, y.Length).Where(i => y[i] == c).ToArray();
            random.Shuffle(members);
            foreach (int i in members)
            {
                fold[i] = position++ % folds;
            }
        }

        return fold;
    }

    /// <summary>The temperature that minimises the mean log-loss of the logits (golden-section search on its logarithm).</summary>
    private static double FitTemperature(double[] logits, int[] y, int k)
    {
        // Bounded, so that separable cross-validation folds (whose log-loss keeps falling as the temperature falls) cannot
        // sharpen the probabilities without limit.
        double low = Math.Log(0.1);
        double high = Math.Log(20);
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double a = high - (ratio * (high - low));
        double b = low + (ratio * (high - low));
        double fa = LogLoss(logits, y, k, Math.Exp(a));
        double fb = LogLoss(logits, y, k, Math.Exp(b));
        for (int i = 0; i < 60; i++)
        {
            if (fa <= fb)
            {
                high = b;
                b = a;
                fb = fa;
                a = high - (ratio * (high - low));
                fa = LogLoss(logits, y, k, Math.Exp(a));
            }
            else
            {
                low = a;
                a = b;
                fa = fb;
                b = low + (ratio * (high - low));
                fb = LogLoss(logits, y, k, Math.Exp(b));
            }
        }

        return Math.Exp((low + high) / 2);
    }

    private static double LogLoss(double[] logits, int[] y, int k, double temperature)
    {
        Span<double> p = stackalloc double[k];
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            TensorPrimitives.Divide(logits.AsSpan(i * k, k), temperature, p);
            double trueLogit = p[y[i]];
            total += SoftmaxRegression.Softmax(p) - trueLogit;
        }

        return total / y.Length;
    }

    private EmbeddingClassifierReport Report(double[] logits, int[] y, string[] classes, double temperature, Stopwatch stopwatch)
    {
        int n = y.Length;
        int k = classes.Length;
        int[] predicted = new int[n];
        int[] truePositives = new int[k];
        int[] predictedCounts = new int[k];
        int[] support = new int[k];
        const int Bins = 10;
        double[] binConfidence = new double[Bins];
        int[] binCorrect = new int[Bins];
        int[] binCount = new int[Bins];
        Span<double> p = stackalloc double[k];
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Divide(logits.AsSpan(i * k, k), temperature, p);
            SoftmaxRegression.Softmax(p);
            predicted[i] = TensorPrimitives.IndexOfMax<double>(p);
            support[y[i]]++;
            predictedCounts[predicted[i]]++;
            bool hit = predicted[i] == y[i];
            if (hit)
            {
                truePositives[y[i]]++;
                correct++;
            }

            double confidence = p[predicted[i]];
            int bin = Math.Min(Bins - 1, (int)(confidence * Bins));
            binConfidence[bin] += confidence;
            binCorrect[bin] += hit ? 1 : 0;
            binCount[bin]++;
        }

        var scores = new EmbeddingClassScores[k];
        for (int c = 0; c < k; c++)
        {
            double precision = predictedCounts[c] == 0 ? 0 : (double)truePositives[c] / predictedCounts[c];
            double recall = (double)truePositives[c] / support[c];
            scores[c] = new EmbeddingClassScores
            {
                Label = classes[c],
                Support = support[c],
                Precision = precision,
                Recall = recall,
                F1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            };
        }

        double calibrationError = 0;
        for (int b = 0; b < Bins; b++)
        {
            if (binCount[b] > 0)
            {
                calibrationError += Math.Abs((binConfidence[b] / binCount[b]) - ((double)binCorrect[b] / binCount[b])) * binCount[b] / n;
            }
        }

        return new EmbeddingClassifierReport
        {
            Examples = n,
            Folds = _options.Folds,
            Accuracy = (double)correct / n,
            MacroF1 = scores.Average(s => s.F1),
            LogLossBeforeCalibration = LogLoss(logits, y, k, 1.0),
            LogLoss = LogLoss(logits, y, k, temperature),
            CalibrationError = calibrationError,
            Temperature = temperature,
            Classes = scores,
            Options = _options.Clone(),
            Duration = stopwatch.Elapsed,
        };
    }
}
