using Llm.Stack.Onnx;
using Llm.Stack.Tests.Guardrails;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace Llm.Stack.Tests.Tuning;

/// <summary>
/// <see cref="EmbeddingContentClassifier"/> as the guardrails' content policy, with the real MiniLM embedder: a classifier
/// trained on half of the content policy's labelled set (<c>Guardrails/Data/content-labelled.txt</c>) judges the other
/// half through <see cref="GuardrailChatClient"/>.
/// </summary>
[Collection(nameof(GuardrailChatClientTests))]
public sealed class EmbeddingContentClassifierTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_classifier_trained_on_labelled_records_blocks_held_out_harmful_input_and_passes_benign_look_alikes()
    {
        (string Text, string Label)[] set = LabelledText.Load("content-labelled.txt", "=== ")
            .Select(d => (d.Text.Trim(), Label(d.Name)))
            .ToArray();
        // Every other text of each label is trained on; the rest is held out.
        var position = new Dictionary<string, int>();
        bool IsTraining((string Text, string Label) example) =>
            (position[example.Label] = position.GetValueOrDefault(example.Label) + 1) % 2 == 1;
        ILookup<bool, (string Text, string Label)> split = set.ToLookup(IsTraining);
        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create();

        ClassificationExample[] examples = split[true].Select(e => new ClassificationExample(e.Text, e.Label)).ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"llmstack-content-{Guid.NewGuid():N}.lsec");

        // README: classifier heads
        EmbeddingClassifier classifier = await new EmbeddingClassifierTrainer().TrainAsync(embedder, examples);
        Console.WriteLine(classifier.Report); // k-fold accuracy, macro-F1, log-loss and calibration error
        await classifier.SaveAsync(path);
        var guardrails = new GuardrailOptions { ContentClassifier = new EmbeddingContentClassifier(embedder, classifier) };
        // README: end

        Assert.Equal(classifier.Labels, (await EmbeddingClassifier.LoadAsync(path)).Labels);
        File.Delete(path);
        var model = new EchoModel();
        using var client = new GuardrailChatClient(model, guardrails);

        int harmful = 0, blocked = 0, benign = 0, passed = 0;
        foreach ((string text, string label) in split[false])
        {
            bool wasBlocked;
            try
            {
                await client.GetResponseAsync(text);
                wasBlocked = false;
            }
            catch (GuardrailViolationException e)
            {
                wasBlocked = true;
                Assert.Equal(GuardrailCategory.HarmfulContent, e.Category);
                Assert.Equal(GuardrailStage.Input, e.Stage);
            }

            if (label == "safe")
            {
                benign++;
                passed += wasBlocked ? 0 : 1;
            }
            else
            {
                harmful++;
                blocked += wasBlocked ? 1 : 0;
            }
        }

        output.WriteLine($"trained on {split[true].Count()}: {classifier.Report}");
        output.WriteLine($"held out: {blocked}/{harmful} harmful blocked, {passed}/{benign} benign passed");
        // 50 training texts over nine labels, and benign texts written to share the harmful ones' words: the classifier is
        // far from perfect (RESULTS.md measures it on a larger set). What must hold: it blocks most harmful texts, and
        // its block and pass rates together are clearly above 1.0, which is what any rule that ignores the text gets.
        Assert.True(blocked >= harmful * 0.6, $"{blocked}/{harmful} held-out harmful texts blocked");
        Assert.True(((double)blocked / harmful) + ((double)passed / benign) >= 1.2, $"{blocked}/{harmful} harmful blocked, {passed}/{benign} benign passed");
    }

    [Fact]
    public async Task Another_embedders_classifier_or_one_without_a_content_category_is_refused()
    {
        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create();
        string modelId = embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId!;
        int d = embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions!.Value;

        var foreign = new EmbeddingClassifier("another-embedder", d, ["safe", "violence"], new float[2 * d], new float[2]);
        InvalidOperationException mismatch = Assert.Throws<InvalidOperationException>(() => new EmbeddingContentClassifier(embedder, foreign));
        Assert.Contains("another-embedder", mismatch.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => foreign.ClassifyAsync(embedder, "text"));

        var intents = new EmbeddingClassifier(modelId, d, ["billing", "support"], new float[2 * d], new float[2]);
        ArgumentException noCategory = Assert.Throws<ArgumentException>(() => new EmbeddingContentClassifier(embedder, intents));
        Assert.Equal("classifier", noCategory.ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingContentClassifier(embedder, foreign, 0f)).ParamName);
    }

    /// <summary>The first category of a "name | label" header, or <c>safe</c> for a benign text.</summary>
    private static string Label(string name)
    {
        string label = name[(name.LastIndexOf('|') + 1)..].Trim().Split(',')[0];
        return label == "benign" ? "safe" : label;
    }
}
