using System.Text.Json;

namespace Llm.Stack.Cli.Tests;

/// <summary><c>train-classifier</c> and <c>classify</c> with the real MiniLM embedder.</summary>
public class ClassifierCliTests
{
    private static readonly (string Label, string[] Texts)[] Intents =
    [
        ("shipping",
        [
            "Where is my parcel?", "My order has not arrived yet", "The package was delivered to the wrong address",
            "How long does delivery take to Canada?", "Can I track my shipment?", "The courier left the box outside in the rain",
            "Do you ship to Norway?", "My delivery is three days late", "Which carrier do you use for orders?",
            "The tracking number does not work", "Can I change the delivery address of my order?", "Is express shipping available?",
        ]),
        ("billing",
        [
            "I was charged twice for the same order", "How do I update my credit card?", "Can I get a refund for last month?",
            "Why is there an extra fee on my invoice?", "Where can I download my invoices?", "My payment was declined",
            "Do you accept PayPal?", "I want to cancel my subscription and stop payments", "The price on my bill is higher than advertised",
            "Please send me a receipt for my purchase", "How do I change my billing address?", "I see an unknown charge on my bank statement",
        ]),
        ("account",
        [
            "I forgot my password", "How do I reset my login?", "My account is locked after too many attempts",
            "I cannot sign in with Google", "How do I change the email on my account?", "Two-factor authentication codes are not arriving",
            "Please delete my account", "How do I change my username?", "The app logs me out every few minutes",
            "I never received the verification email", "Can two people share one account?", "How do I enable two-step verification?",
        ]),
    ];

    private static string Labelled(IEnumerable<(string Label, string Text)> items) =>
        string.Join('\n', items.Select(i => JsonSerializer.Serialize(new { text = i.Text, label = i.Label })));

    private static string AllIntents() => Labelled(Intents.SelectMany(i => i.Texts.Select(t => (i.Label, t))));

    [Fact]
    public async Task Trains_prints_the_k_fold_report_saves_the_classifier_and_classify_labels_new_texts_with_it()
    {
        using var cli = new CliRunner();
        cli.Write("labelled.jsonl", AllIntents());

        CliResult train = await cli.RunAsync("train-classifier", "labelled.jsonl", "--out", "intents.lsec");

        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("5-fold cross-validation on 36 texts", train.Output, StringComparison.Ordinal);
        foreach ((string label, _) in Intents)
        {
            // One row per label: its 12 texts, then precision, recall and F1.
            Assert.Matches($@"[│|] {label} +[│|] +12 [│|] +[01]\.\d{{3}} [│|] +[01]\.\d{{3}} [│|] +[01]\.\d{{3}} [│|]", train.Output);
        }

        Assert.Matches(@"accuracy (0\.[89]\d\d|1\.000), macro-F1 (0\.[89]\d\d|1\.000); log-loss \d\.\d{3} after calibration", train.Output);
        string saved = Path.Combine(cli.WorkingDirectory, "intents.lsec");
        EmbeddingClassifier classifier = await EmbeddingClassifier.LoadAsync(saved);
        Assert.Equal(["account", "billing", "shipping"], classifier.Labels);
        Assert.Equal(36, classifier.Report!.Examples);

        (string Text, string Label)[] unseen =
        [
            ("my parcel got lost in transit", "shipping"),
            ("I need my money back for a double charge", "billing"),
            ("I can't log in to my profile anymore", "account"),
        ];
        CliResult classify = await cli.RunAsync(["classify", "intents.lsec", .. unseen.Select(u => u.Text)]);

        Assert.True(classify.ExitCode == 0, classify.ToString());
        foreach ((string text, string label) in unseen)
        {
            string row = Assert.Single(classify.Output.Split('\n'), line => line.Contains(text, StringComparison.Ordinal));
            Assert.Matches($@"[│|] {label} +[│|] +[01]\.\d{{3}} [│|]", row);
        }

        cli.Write("held-out.jsonl", Labelled(unseen.Select(u => (u.Label, u.Text))) + "\n" + JsonSerializer.Serialize(new { text = "Is there a fee for express delivery to Oslo?" }));
        CliResult scored = await cli.RunAsync("classify", "intents.lsec", "--in", "held-out.jsonl");
        Assert.True(scored.ExitCode == 0, scored.ToString());
        Assert.Contains("On the 3 labelled texts: accuracy 1.000, macro-F1 1.000.", scored.Output, StringComparison.Ordinal);
        Assert.Contains("Is there a fee for express delivery to Oslo?", scored.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Equal_seeds_give_equal_classifier_files()
    {
        using var cli = new CliRunner();
        cli.Write("labelled.jsonl", AllIntents());

        Assert.Equal(0, (await cli.RunAsync("train-classifier", "labelled.jsonl", "--out", "a.lsec", "--folds", "3")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("train-classifier", "labelled.jsonl", "--out", "b.lsec", "--folds", "3")).ExitCode);
        EmbeddingClassifier a = await EmbeddingClassifier.LoadAsync(Path.Combine(cli.WorkingDirectory, "a.lsec"));
        EmbeddingClassifier b = await EmbeddingClassifier.LoadAsync(Path.Combine(cli.WorkingDirectory, "b.lsec"));
        Assert.Equal(3, a.Report!.Folds);
        Assert.Equal(a.Report.Accuracy, b.Report!.Accuracy);
        Assert.Equal(a.Report.LogLoss, b.Report.LogLoss);
        float[] probe = Enumerable.Range(0, a.Dimensions).Select(i => MathF.Sin(i)).ToArray();
        Assert.Equal(a.Predict(probe).Probabilities, b.Predict(probe).Probabilities);
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("{\"text\": \"Where is my parcel?\", \"label\": \"shipping\"}\n{\"text\": 3}", "Line 2 of")]
    [InlineData("{\"text\": \"Where is my parcel?\", \"label\": \"shipping\"}\n{\"text\": \"My payment was declined\"}", "Line 2 of")]
    [InlineData("{\"text\": \"Where is my parcel?\", \"label\": \"shipping\"}\n{\"text\": \"Is my box late?\", \"label\": \"shipping\"}\n{\"text\": \"Track it\", \"label\": \"shipping\"}\n{\"text\": \"Ship it\", \"label\": \"shipping\"}\n{\"text\": \"Send it\", \"label\": \"shipping\"}", "at least two classes")]
    [InlineData("{\"text\": \"Where is my parcel?\", \"label\": \"shipping\"}\n{\"text\": \"Is my box late?\", \"label\": \"shipping\"}\n{\"text\": \"Track it\", \"label\": \"shipping\"}\n{\"text\": \"Ship it\", \"label\": \"shipping\"}\n{\"text\": \"My payment was declined\", \"label\": \"billing\"}", "every class needs at least two")]
    [InlineData("\n\n", "holds no texts")]
    public async Task Bad_labelled_files_are_refused_in_one_line_with_exit_code_1(string content, string expected)
    {
        using var cli = new CliRunner();
        if (content != "missing")
        {
            cli.Write("labelled.jsonl", content);
        }

        CliResult result = await cli.RunAsync("train-classifier", "labelled.jsonl", "--out", "x.lsec");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cli.WorkingDirectory, "x.lsec")));
    }

    [Fact]
    public async Task Bad_options_and_unusable_classifier_files_are_refused_in_one_line_with_exit_code_1()
    {
        using var cli = new CliRunner();
        cli.Write("labelled.jsonl", AllIntents());
        cli.Write("damaged.lsec", "LSECLASS and then garbage");
        string other = Path.Combine(cli.WorkingDirectory, "other.lsec");
        float[][] vectors = [.. Enumerable.Range(0, 10).Select(i => Enumerable.Range(0, 384).Select(j => MathF.Cos((i * 384) + j)).ToArray())];
        EmbeddingClassifier foreign = new EmbeddingClassifierTrainer().Train(
            "text-embedding-3-small", [.. vectors.Select(v => (ReadOnlyMemory<float>)v)], [.. Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "a" : "b")]);
        await foreign.SaveAsync(other);

        (string[] Args, string Expected)[] cases =
        [
            (["train-classifier", "labelled.jsonl", "--out", "x.lsec", "--folds", "1"], "--folds"),
            (["train-classifier", "labelled.jsonl", "--out", "x.lsec", "--regularization", "0"], "--regularization"),
            (["classify", "missing.lsec", "hello"], "does not exist"),
            (["classify", "damaged.lsec", "hello"], "cannot be used as a classifier"),
            (["classify", "other.lsec", "hello"], "'text-embedding-3-small'"),
            (["classify", "other.lsec"], "Nothing to classify"),
            (["classify", "other.lsec", " "], "is empty"),
        ];
        foreach ((string[] args, string expected) in cases)
        {
            CliResult result = await cli.RunAsync(args);
            Assert.True(result.ExitCode == 1, string.Join(' ', args) + "\n" + result);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
            Assert.Single(result.Error.TrimEnd().Split('\n'));
        }
    }
}
