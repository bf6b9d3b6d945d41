using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>Per-call ingestion options merge over the configured defaults; the document size limit is configurable.</summary>
public sealed class IngestionOptionsMergeTests
{
    [Fact]
    public void WithDefaults_takes_what_the_call_set_and_keeps_the_rest()
    {
        var transform = new TextNormalizationTransform();
        var defaults = new IngestionOptions { EmbeddingBatchSize = 7, MaxDocumentBytes = 1000, RemoveMissingDocuments = false, CheckpointInterval = 9 };
        defaults.Transforms.Add(transform);
        var call = new IngestionOptions { EmbeddingBatchSize = 64, MaxDegreeOfParallelism = 3 };

        IngestionOptions merged = call.WithDefaults(defaults);

        // Set by the call, even to the value the default already had.
        Assert.Equal((64, 3), (merged.EmbeddingBatchSize, merged.MaxDegreeOfParallelism));
        // Not set by the call: configured.
        Assert.Equal((1000L, false, 9), (merged.MaxDocumentBytes, merged.RemoveMissingDocuments, merged.CheckpointInterval));
        Assert.Equal(2, merged.Transforms.Count);
        Assert.Same(transform, merged.Transforms[1]);
        // Neither input changed.
        Assert.Equal((7, 2), (defaults.EmbeddingBatchSize, defaults.MaxDegreeOfParallelism));
        Assert.Equal(64L * 1024 * 1024, call.MaxDocumentBytes);

        // A changed transform list replaces the configured one.
        var redaction = new IngestionOptions();
        redaction.Transforms.Clear();
        Assert.Empty(redaction.WithDefaults(defaults).Transforms);

        // Merging twice keeps both layers: what the call set, over what the defaults set, over the built-in defaults.
        IngestionOptions again = new IngestionOptions { CheckpointInterval = 5 }.WithDefaults(merged);
        Assert.Equal((64, 1000L, 5), (again.EmbeddingBatchSize, again.MaxDocumentBytes, again.CheckpointInterval));
        Assert.Throws<ArgumentNullException>(() => call.WithDefaults(null!));
    }

    [Fact]
    public async Task Configured_defaults_apply_to_a_call_that_sets_other_options()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:Ingestion:MaxDocumentBytes"] = "2000",
            ["LlmStack:Ingestion:EmbeddingBatchSize"] = "2",
            ["LlmStack:Ingestion:MaxChunkTokens"] = "16",
        }).Build();
        var generator = new HashEmbeddingGenerator();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration, stack => stack.AddIngestion().AddEmbeddingGenerator(_ => generator));
        using ServiceProvider provider = services.BuildServiceProvider();
        IngestionPipeline pipeline = provider.GetRequiredService<IngestionPipeline>();
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        var progress = new List<IngestionProgress>();

        // The call sets only its progress sink: the configured limit and batch size still hold.
        List<IngestionResult> results = await RunItemsAsync(pipeline, collection, new IngestionOptions { Progress = new SynchronousProgress(progress.Add) },
            Text("small.txt", string.Join("\n\n", Enumerable.Range(0, 12).Select(i => $"Paragraph {i} about apples and pears, line {i}."))),
            Text("large.txt", new string('x', 3000)));

        Assert.Equal(2, progress.Count);
        Assert.Equal(IngestionStatus.Added, results.Single(r => r.DocumentId == "small.txt").Status);
        IngestionResult large = results.Single(r => r.DocumentId == "large.txt");
        Assert.Equal(IngestionStatus.Failed, large.Status);
        string message = Assert.IsType<InvalidDataException>(large.Error).Message;
        Assert.Contains("'large.txt' is 3000 bytes, larger than the limit of 2000 bytes", message, StringComparison.Ordinal);
        Assert.Contains("LlmStack:Ingestion:MaxDocumentBytes", message, StringComparison.Ordinal);
        Assert.Equal(2, generator.MaxBatch);

        // A call that sets the limit wins over the configured one.
        results = await RunItemsAsync(pipeline, collection, new IngestionOptions { MaxDocumentBytes = 4000, RemoveMissingDocuments = false }, Text("large.txt", new string('x', 3000)));
        Assert.Equal(IngestionStatus.Added, Assert.Single(results).Status);
    }

    [Fact]
    public void A_code_configuration_runs_after_the_configured_values()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:Ingestion:MaxDocumentBytes"] = "2000",
            ["LlmStack:Ingestion:CheckpointInterval"] = "16",
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration, stack => stack.AddIngestion(o => o.CheckpointInterval = 32));
        using ServiceProvider provider = services.BuildServiceProvider();

        IngestionOptions options = provider.GetRequiredService<IOptions<IngestionOptions>>().Value;

        Assert.Equal((2000L, 32), (options.MaxDocumentBytes, options.CheckpointInterval));
    }

    [Theory]
    [InlineData("0", "LlmStack:Ingestion:MaxDocumentBytes is '0', which is not allowed: it is out of range for this setting.")]
    [InlineData("lots", "LlmStack:Ingestion:MaxDocumentBytes is 'lots', which is not a whole number.")]
    public void An_invalid_size_limit_fails_inside_AddLlmStack_naming_the_key(string value, string expected)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LlmStack:Ingestion:MaxDocumentBytes"] = value })
            .Build();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration));

        Assert.Equal(expected, Assert.Single(error.Failures));
    }
}
