using System.Text.Json;
using Llm.Stack.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Evaluation.Tests;

public sealed class FineTuningDatasetBuilderTests
{
    private static readonly Tokenizer Gpt4o = TiktokenTokenizer.CreateForModel("gpt-4o");

    [Fact]
    public void Builds_a_seeded_split_without_duplicates_and_with_token_counts()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { ValidationFraction = 0.25, Seed = 42 });
        for (var i = 0; i < 20; i++)
        {
            builder.Add(FineTuningExample.FromPrompt($"What is {i} + {i}?", $"{i + i}", system: "You add numbers."));
        }

        builder.Add(FineTuningExample.FromPrompt("What is 3 + 3?", "6", system: "You add numbers.")); // duplicate of example 3

        var dataset = builder.Build();
        var again = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { ValidationFraction = 0.25, Seed = 42 })
            .AddRange(Enumerable.Range(0, 20).Select(i => FineTuningExample.FromPrompt($"What is {i} + {i}?", $"{i + i}", system: "You add numbers.")))
            .Build();
        var otherSeed = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { ValidationFraction = 0.25, Seed = 7 })
            .AddRange(Enumerable.Range(0, 20).Select(i => FineTuningExample.FromPrompt($"What is {i} + {i}?", $"{i + i}", system: "You add numbers.")))
            .Build();

        Assert.Equal(1, dataset.DuplicatesRemoved);
        Assert.Equal(15, dataset.Training.Count);
        Assert.Equal(5, dataset.Validation.Count);
        Assert.Equal(dataset.Validation.Select(r => r.SourceIndex), again.Validation.Select(r => r.SourceIndex));
        Assert.NotEqual(dataset.Validation.Select(r => r.SourceIndex), otherSeed.Validation.Select(r => r.SourceIndex));
        Assert.Empty(dataset.Training.Select(r => r.SourceIndex).Intersect(dataset.Validation.Select(r => r.SourceIndex)));
        Assert.True(dataset.Training.Select(r => r.SourceIndex).SequenceEqual(dataset.Training.Select(r => r.SourceIndex).Order()));
        Assert.Equal(dataset.Training.Sum(r => r.TokenCount), dataset.TrainingTokens);
    }

    [Fact]
    public void Token_count_follows_openai_chat_counting()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o);
        var example = FineTuningExample.FromPrompt("Hello world", "Hi");

        // o200k_base: "Hello world" is 2 tokens, "user", "assistant" and "Hi" one each;
        // 3 (reply priming) + (3 + 1 + 2) + (3 + 1 + 1) = 14.
        Assert.Equal(2, Gpt4o.CountTokens("Hello world"));
        Assert.Equal(14, builder.CountTokens(example));
    }

    [Fact]
    public void Validation_fails_clearly_listing_every_problem()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { MinimumExamples = 1, MaxTokensPerExample = 50 });
        builder.Add(new FineTuningExample([new ChatMessage(ChatRole.User, "no answer")]));
        builder.Add(FineTuningExample.FromPrompt("empty answer", " "));
        builder.Add(new FineTuningExample([new ChatMessage(ChatRole.Tool, "x"), new ChatMessage(ChatRole.Assistant, "y")]));
        builder.Add(FineTuningExample.FromPrompt(string.Join(' ', Enumerable.Repeat("word", 100)), "long"));
        builder.Add(FineTuningExample.FromPrompt("fine", "ok"));

        var e = Assert.Throws<FineTuningDatasetException>(() => builder.Build());

        Assert.Contains(e.Issues, i => i.ExampleIndex == 0 && i.Problem.Contains("no assistant", StringComparison.Ordinal));
        Assert.Contains(e.Issues, i => i.ExampleIndex == 1 && i.Problem.Contains("empty content", StringComparison.Ordinal));
        Assert.Contains(e.Issues, i => i.ExampleIndex == 2 && i.Problem.Contains("role 'tool'", StringComparison.Ordinal));
        Assert.Contains(e.Issues, i => i.ExampleIndex == 3 && i.Problem.Contains("over the limit of 50", StringComparison.Ordinal));
        Assert.DoesNotContain(e.Issues, i => i.ExampleIndex == 4);
        Assert.Contains("example 3:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_examples_fail_with_the_counts()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { MinimumExamples = 3 });
        builder.Add(FineTuningExample.FromPrompt("a", "b")).Add(FineTuningExample.FromPrompt("a", "b")).Add(FineTuningExample.FromPrompt("c", "d"));

        var e = Assert.Throws<FineTuningDatasetException>(() => builder.Build());

        Assert.Equal(-1, Assert.Single(e.Issues).ExampleIndex);
        Assert.Contains("2 example(s) after removing 1 duplicate(s), fewer than the minimum of 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exports_openai_chat_jsonl_that_reads_back()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { MinimumExamples = 2, ValidationFraction = 0.5 });
        builder.Add(FineTuningExample.FromPrompt("Say \"hi\"", "hi", system: "Be terse.")).Add(FineTuningExample.FromPrompt("Grüße?", "Grüße!"));
        var dataset = builder.Build();
        var directory = Directory.CreateTempSubdirectory("llmstack-ft-").FullName;
        try
        {
            await dataset.WriteAsync(directory);
            var train = await File.ReadAllLinesAsync(Path.Combine(directory, "train.jsonl"));
            var validation = await File.ReadAllLinesAsync(Path.Combine(directory, "validation.jsonl"));

            Assert.Equal(2, train.Length + validation.Length);
            foreach (var line in train.Concat(validation))
            {
                using var json = JsonDocument.Parse(line);
                var messages = json.RootElement.GetProperty("messages");
                Assert.All(messages.EnumerateArray(), m => Assert.Equal(["role", "content"], m.EnumerateObject().Select(p => p.Name)));
            }

            var reread = await new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { MinimumExamples = 2 })
                .AddJsonlAsync(new StringReader(string.Join("\n", train.Concat(validation))));
            Assert.Equal(2, reread.Build().Training.Count + reread.Build().Validation.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        await Assert.ThrowsAsync<FormatException>(() => new FineTuningDatasetBuilder(Gpt4o).AddJsonlAsync(new StringReader("{\"prompt\": 1}")));
    }
}
