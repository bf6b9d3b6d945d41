namespace Llm.Stack.Tests.Tuning;

/// <summary>
/// <see cref="EmbeddingClassifierTrainer"/> and <see cref="EmbeddingClassifier"/> on synthetic embeddings whose truth is
/// known: Gaussian classes around random centres, where the Bayes-optimal rule is linear, so logistic regression should
/// approach it; class weights, calibration, determinism, the file and bad input.
/// </summary>
public sealed class EmbeddingClassifierTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmstack-classifier-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Learns_separable_classes_and_its_cross_validation_predicts_held_out_accuracy()
    {
        var data = new GaussianClasses(dimensions: 32, classes: 4, separation: 0.9, seed: 3);
        (float[][] train, string[] trainLabels) = data.Sample([60, 60, 60, 60], seed: 1);
        (float[][] test, string[] testLabels) = data.Sample([500, 500, 500, 500], seed: 2);

        EmbeddingClassifier classifier = new EmbeddingClassifierTrainer().Train("m", Memories(train), trainLabels);

        Assert.Equal(["c0", "c1", "c2", "c3"], classifier.Labels);
        double accuracy = Accuracy(classifier, test, testLabels);
        double bayes = data.BayesAccuracy(test, testLabels);
        Assert.True(accuracy >= bayes - 0.06, $"held-out accuracy {accuracy:F3}, Bayes-optimal {bayes:F3}");
        EmbeddingClassifierReport report = classifier.Report!;
        Assert.Equal(240, report.Examples);
        Assert.Equal(5, report.Folds);
        Assert.InRange(report.Accuracy, accuracy - 0.08, accuracy + 0.08);
        Assert.InRange(report.MacroF1, report.Accuracy - 0.05, report.Accuracy + 0.05);
        Assert.Equal(60, report.Classes[2].Support);
        EmbeddingClassifierPrediction prediction = classifier.Predict(test[0]);
        Assert.Equal(1.0, prediction.Probabilities.Sum(), 4);
        Assert.Equal(prediction.Probabilities.Max(), prediction.Probability);
        Assert.Equal(prediction.Probability, prediction.ProbabilityOf(prediction.Label));
    }

    [Fact]
    public void Calibrated_probabilities_match_the_held_out_accuracy_better_than_the_uncalibrated_ones()
    {
        // Heavily overlapping classes and a weak penalty: an uncalibrated model is overconfident.
        var data = new GaussianClasses(dimensions: 48, classes: 3, separation: 0.35, seed: 5);
        (float[][] train, string[] trainLabels) = data.Sample([100, 100, 100], seed: 1);
        (float[][] test, string[] testLabels) = data.Sample([1000, 1000, 1000], seed: 2);

        EmbeddingClassifier classifier = new EmbeddingClassifierTrainer(new EmbeddingClassifierTrainerOptions { Regularization = 0.0005 })
            .Train("m", Memories(train), trainLabels);

        EmbeddingClassifierReport report = classifier.Report!;
        Assert.True(report.Temperature > 1.2, $"temperature {report.Temperature:F2}: the unpenalised model should be overconfident");
        Assert.True(report.LogLoss < report.LogLossBeforeCalibration);
        double confidence = test.Average(v => classifier.Predict(v).Probability);
        double accuracy = Accuracy(classifier, test, testLabels);
        Assert.True(Math.Abs(confidence - accuracy) < 0.06, $"mean confidence {confidence:F3}, held-out accuracy {accuracy:F3}");
    }

    [Fact]
    public void Balanced_class_weights_raise_the_recall_of_a_rare_class()
    {
        var data = new GaussianClasses(dimensions: 16, classes: 2, separation: 0.35, seed: 7);
        (float[][] train, string[] trainLabels) = data.Sample([270, 30], seed: 1);
        (float[][] test, string[] testLabels) = data.Sample([1000, 1000], seed: 2);

        EmbeddingClassifier balanced = new EmbeddingClassifierTrainer().Train("m", Memories(train), trainLabels);
        EmbeddingClassifier plain = new EmbeddingClassifierTrainer(new EmbeddingClassifierTrainerOptions { BalanceClasses = false }).Train("m", Memories(train), trainLabels);

        double RareRecall(EmbeddingClassifier c) =>
            test.Where((_, i) => testLabels[i] == "c1").Average(v => c.Predict(v).Label == "c1" ? 1.0 : 0.0);
        Assert.True(RareRecall(balanced) > RareRecall(plain) + 0.1, $"rare-class recall balanced {RareRecall(balanced):F3}, plain {RareRecall(plain):F3}");
    }

    [Fact]
    public void Equal_seeds_give_equal_classifiers_and_the_labels_order_does_not_depend_on_the_input_order()
    {
        var data = new GaussianClasses(dimensions: 24, classes: 3, separation: 0.6, seed: 11);
        (float[][] train, string[] labels) = data.Sample([40, 40, 40], seed: 1);
        var options = new EmbeddingClassifierTrainerOptions { Seed = 9 };

        EmbeddingClassifier a = new EmbeddingClassifierTrainer(options).Train("m", Memories(train), labels);
        EmbeddingClassifier b = new EmbeddingClassifierTrainer(options).Train("m", Memories(train), labels);
        EmbeddingClassifier reversed = new EmbeddingClassifierTrainer(options).Train("m", Memories(train.Reverse().ToArray()), labels.Reverse().ToArray());

        Assert.Equal(a.Report!.Accuracy, b.Report!.Accuracy);
        Assert.Equal(a.Report.Temperature, b.Report.Temperature);
        Assert.Equal(a.Predict(train[3]).Probabilities, b.Predict(train[3]).Probabilities);
        Assert.Equal(a.Labels, reversed.Labels);
        Assert.Equal(a.Predict(train[3]).Label, reversed.Predict(train[3]).Label);
    }

    [Fact]
    public async Task Saves_and_loads_and_rejects_a_damaged_truncated_or_foreign_file_naming_it()
    {
        var data = new GaussianClasses(dimensions: 8, classes: 3, separation: 1, seed: 2);
        (float[][] train, string[] labels) = data.Sample([20, 20, 20], seed: 1);
        EmbeddingClassifier classifier = new EmbeddingClassifierTrainer().Train("all-MiniLM-L6-v2", Memories(train), labels);
        string path = Path.Combine(_folder, "intent.lsec");

        await classifier.SaveAsync(path);
        EmbeddingClassifier loaded = await EmbeddingClassifier.LoadAsync(path);

        Assert.False(File.Exists(path + ".tmp"));
        Assert.Equal("all-MiniLM-L6-v2", loaded.EmbedderModelId);
        Assert.Equal(8, loaded.Dimensions);
        Assert.Equal(classifier.Labels, loaded.Labels);
        Assert.Equal(classifier.Report!.MacroF1, loaded.Report!.MacroF1);
        Assert.Equal(classifier.Report.Classes, loaded.Report.Classes);
        Assert.Equal(classifier.Predict(train[7]).Probabilities, loaded.Predict(train[7]).Probabilities);

        byte[] bytes = await File.ReadAllBytesAsync(path);
        byte[] flipped = (byte[])bytes.Clone();
        flipped[^30] ^= 0x10;
        await File.WriteAllBytesAsync(path, flipped);
        InvalidDataException damaged = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingClassifier.LoadAsync(path));
        Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
        Assert.Contains(path, damaged.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => EmbeddingClassifier.Load(path)).Message, StringComparison.Ordinal);

        var adapter = new EmbeddingAdapter("m", 4, 0, new float[16]);
        await adapter.SaveAsync(path);
        InvalidDataException foreign = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingClassifier.LoadAsync(path));
        Assert.Contains("not an Llm.Stack embedding classifier", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_names_the_argument_and_the_problem()
    {
        var trainer = new EmbeddingClassifierTrainer();
        float[][] six = Enumerable.Range(0, 6).Select(i => new[] { i, 1f, -i }).ToArray();

        ArgumentException one = Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(six), ["a", "a", "a", "a", "a", "a"]));
        Assert.Equal("labels", one.ParamName);
        Assert.Contains("two classes", one.Message, StringComparison.Ordinal);
        ArgumentException single = Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(six), ["a", "a", "a", "a", "a", "b"]));
        Assert.Contains("'b' has 1 example", single.Message, StringComparison.Ordinal);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(six), ["a", "b"])).ParamName);
        Assert.Equal("embeddings", Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(six[..4]), ["a", "b", "a", "b"])).ParamName);
        float[][] ragged = [.. six[..5], new float[2]];
        Assert.Contains("Embedding 5 has 2 dimensions", Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(ragged), ["a", "b", "a", "b", "a", "b"])).Message, StringComparison.Ordinal);
        float[][] nan = [.. six[..5], [float.NaN, 0, 0]];
        Assert.Equal("embeddings", Assert.Throws<ArgumentException>(() => trainer.Train("m", Memories(nan), ["a", "b", "a", "b", "a", "b"])).ParamName);
        Assert.Equal("Folds", Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingClassifierTrainer(new EmbeddingClassifierTrainerOptions { Folds = 1 })).ParamName);
        Assert.Equal("Regularization", Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingClassifierTrainer(new EmbeddingClassifierTrainerOptions { Regularization = 0 })).ParamName);

        EmbeddingClassifier classifier = trainer.Train("m", Memories(six), ["a", "b", "a", "b", "a", "b"]);
        Assert.Equal("embedding", Assert.Throws<ArgumentException>(() => classifier.Predict(new float[4])).ParamName);
        Assert.Equal("label", Assert.Throws<ArgumentException>(() => classifier.Predict(six[0]).ProbabilityOf("c")).ParamName);
    }

    private static ReadOnlyMemory<float>[] Memories(float[][] vectors) => vectors.Select(v => (ReadOnlyMemory<float>)v).ToArray();

    private static double Accuracy(EmbeddingClassifier classifier, float[][] vectors, string[] labels) =>
        vectors.Select((v, i) => classifier.Predict(v).Label == labels[i] ? 1.0 : 0.0).Average();

    /// <summary>Classes <c>c0…</c> drawn from unit-variance Gaussians around random centres.</summary>
    private sealed class GaussianClasses
    {
        private readonly float[][] _centres;

        public GaussianClasses(int dimensions, int classes, double separation, int seed)
        {
            var random = new Random(seed);
            _centres = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, dimensions).Select(_ => (float)(Gaussian(random) * separation)).ToArray()).ToArray();
        }

        public (float[][] Vectors, string[] Labels) Sample(int[] counts, int seed)
        {
            var random = new Random(seed);
            var vectors = new List<float[]>();
            var labels = new List<string>();
            for (int c = 0; c < counts.Length; c++)
            {
                for (int i = 0; i < counts[c]; i++)
                {
                    vectors.Add(_centres[c].Select(m => m + (float)Gaussian(random)).ToArray());
                    labels.Add("c" + c);
                }
            }

            return ([.. vectors], [.. labels]);
        }

        /// <summary>The accuracy of the Bayes-optimal rule for equal priors: the nearest centre.</summary>
        public double BayesAccuracy(float[][] vectors, string[] labels) => vectors.Select((v, i) =>
        {
            int nearest = Enumerable.Range(0, _centres.Length).MinBy(c => v.Zip(_centres[c], (a, b) => (a - b) * (a - b)).Sum());
            return "c" + nearest == labels[i] ? 1.0 : 0.0;
        }).Average();

        private static double Gaussian(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
