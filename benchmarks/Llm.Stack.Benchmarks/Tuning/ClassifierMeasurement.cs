using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using Llm.Stack.Onnx;

namespace Llm.Stack.Benchmarks.Tuning;

/// <summary>
/// Measures <see cref="EmbeddingClassifier"/> on a real labelled set (<c>measure-classifier SET.jsonl [TRAIN] [SEED]
/// [REGULARIZATION]</c>, lines <c>{"text", "label"}</c>): the set is shuffled with the seed, the first TRAIN texts are
/// the training pool and the rest the test split, never seen in training. Both the classifier and a k-nearest-neighbours
/// baseline on the same all-MiniLM-L6-v2 embeddings (cosine similarity, majority vote, k chosen by leave-one-out on the
/// training pool) are scored by accuracy and macro-F1 on the test split, with 95% bootstrap intervals over test texts
/// (paired for the difference). Text embeddings are cached beside the set.
/// </summary>
internal static class ClassifierMeasurement
{
    private const int BootstrapSamples = 2000;
    private static readonly int[] s_neighbourCounts = [1, 3, 5, 9, 15, 25];
    private static readonly JsonSerializerOptions s_webJson = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string setPath, int trainCount, EmbeddingClassifierTrainerOptions options)
    {
        ClassificationExample[] set = (await File.ReadAllLinesAsync(setPath))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<ClassificationExample>(line, s_webJson)!)
            .ToArray();
        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create(o => o.BatchSize = 32);
        float[][] vectors = await AdapterMeasurement.EmbedCachedAsync(embedder, set.Select(e => e.Text).ToArray(), setPath + ".texts.f32", null);

        int[] order = Enumerable.Range(0, set.Length).ToArray();
        new Random(options.Seed).Shuffle(order);
        int[] train = order[..trainCount];
        int[] test = order[trainCount..];
        string[] labels = set.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        int[] truth = set.Select(e => labelIndex[e.Label]).ToArray();

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        EmbeddingClassifier classifier = new EmbeddingClassifierTrainer(options).Train(
            "all-MiniLM-L6-v2", train.Select(i => (ReadOnlyMemory<float>)vectors[i]).ToArray(), train.Select(i => set[i].Label).ToArray());
        TimeSpan elapsed = stopwatch.Elapsed;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (!classifier.Labels.SequenceEqual(labels))
        {
            Console.WriteLine("the training pool lacks a label of the set; use a larger pool");
            return 1;
        }

        int k = ChooseNeighbours(vectors, truth, train, labels.Length);
        int[] logistic = test.Select(i => labelIndex[classifier.Predict(vectors[i]).Label]).ToArray();
        int[] neighbours = test.Select(i => Vote(vectors[i], vectors, truth, train, k, labels.Length, exclude: -1)).ToArray();
        int[] expected = test.Select(i => truth[i]).ToArray();
        double confidence = test.Average(i => classifier.Predict(vectors[i]).Probability);

        EmbeddingClassifierReport report = classifier.Report!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"set {Path.GetFileName(setPath)}: {set.Length} texts, {labels.Length} labels; training pool {train.Length}, test {test.Length}; seed {options.Seed}, regularization {options.Regularization}, folds {options.Folds}, balanced {options.BalanceClasses}"));
        Console.WriteLine("training pool per label: " + string.Join(", ", labels.Select((l, c) => $"{l} {train.Count(i => truth[i] == c)}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training: {elapsed.TotalSeconds:F2} s ({options.Folds} cross-validation fits and the final fit), {allocated / 1048576.0:F1} MB allocated, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB"));
        Console.WriteLine($"k-fold report on the training pool: {report}; temperature {report.Temperature.ToString("F2", CultureInfo.InvariantCulture)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test: mean top probability {confidence:F3} against accuracy {Accuracy(logistic, expected):F3}; k-NN k = {k} (leave-one-out on the pool)"));

        (double[] low, double[] high, double[] mean) = Bootstrap(logistic, neighbours, expected, labels.Length, options.Seed);
        Console.WriteLine();
        Console.WriteLine("| test split | accuracy | macro-F1 |");
        Console.WriteLine("| --- | ---: | ---: |");
        string[] rows = ["logistic regression (EmbeddingClassifier)", $"k-NN (k = {k})", "difference"];
        for (int row = 0; row < 3; row++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rows[row]} | {mean[row * 2]:F3} [{low[row * 2]:F3}, {high[row * 2]:F3}] | {mean[(row * 2) + 1]:F3} [{low[(row * 2) + 1]:F3}, {high[(row * 2) + 1]:F3}] |"));
        }

        return 0;
    }

    private static int ChooseNeighbours(float[][] vectors, int[] truth, int[] train, int classes)
    {
        int best = s_neighbourCounts[0];
        double bestAccuracy = -1;
        foreach (int k in s_neighbourCounts)
        {
            double accuracy = train.Average(i => Vote(vectors[i], vectors, truth, train, k, classes, exclude: i) == truth[i] ? 1.0 : 0.0);
            if (accuracy > bestAccuracy)
            {
                (best, bestAccuracy) = (k, accuracy);
            }
        }

        return best;
    }

    /// <summary>The majority label of the <paramref name="k"/> most similar training texts; a tie goes to the higher summed similarity.</summary>
    private static int Vote(float[] query, float[][] vectors, int[] truth, int[] train, int k, int classes, int exclude)
    {
        var nearest = train.Where(j => j != exclude)
            .Select(j => (Similarity: TensorPrimitives.CosineSimilarity(query, vectors[j]), Label: truth[j]))
            .OrderByDescending(p => p.Similarity)
            .Take(k)
            .ToArray();
        int[] votes = new int[classes];
        double[] weight = new double[classes];
        foreach ((float similarity, int label) in nearest)
        {
            votes[label]++;
            weight[label] += similarity;
        }

        return Enumerable.Range(0, classes).MaxBy(c => (votes[c], weight[c]));
    }

    private static double Accuracy(int[] predicted, int[] expected) => predicted.Zip(expected, (p, e) => p == e ? 1.0 : 0.0).Average();

    private static double MacroF1(int[] predicted, int[] expected, int classes, int[] sample)
    {
        int[] truePositives = new int[classes];
        int[] predictedCount = new int[classes];
        int[] support = new int[classes];
        foreach (int i in sample)
        {
            support[expected[i]]++;
            predictedCount[predicted[i]]++;
            truePositives[expected[i]] += predicted[i] == expected[i] ? 1 : 0;
        }

        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++)
        {
            if (support[c] == 0)
            {
                continue;
            }

            present++;
            double precision = predictedCount[c] == 0 ? 0 : (double)truePositives[c] / predictedCount[c];
            double recall = (double)truePositives[c] / support[c];
            sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }

        return sum / present;
    }

    /// <summary>Accuracy and macro-F1 of both methods and their difference, with 95% percentile intervals over resampled test texts.</summary>
    private static (double[] Low, double[] High, double[] Mean) Bootstrap(int[] a, int[] b, int[] expected, int classes, int seed)
    {
        double[] Measure(int[] sample)
        {
            double accuracyA = sample.Average(i => a[i] == expected[i] ? 1.0 : 0.0);
            double accuracyB = sample.Average(i => b[i] == expected[i] ? 1.0 : 0.0);
            double f1A = MacroF1(a, expected, classes, sample);
            double f1B = MacroF1(b, expected, classes, sample);
            return [accuracyA, f1A, accuracyB, f1B, accuracyA - accuracyB, f1A - f1B];
        }

        int n = expected.Length;
        double[] mean = Measure(Enumerable.Range(0, n).ToArray());
        var random = new Random(seed);
        double[][] samples = new double[BootstrapSamples][];
        int[] sample = new int[n];
        for (int s = 0; s < BootstrapSamples; s++)
        {
            for (int i = 0; i < n; i++)
            {
                sample[i] = random.Next(n);
            }

            samples[s] = Measure(sample);
        }

        double[] low = new double[mean.Length];
        double[] high = new double[mean.Length];
        for (int m = 0; m < mean.Length; m++)
        {
            double[] sorted = samples.Select(v => v[m]).Order().ToArray();
            low[m] = sorted[(int)(0.025 * BootstrapSamples)];
            high[m] = sorted[(int)(0.975 * BootstrapSamples) - 1];
        }

        return (low, high, mean);
    }
}
