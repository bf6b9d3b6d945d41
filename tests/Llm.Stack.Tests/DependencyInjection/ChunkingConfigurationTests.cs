using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Tests.DependencyInjection;

/// <summary><c>LlmStack:Chunking</c>: the chunker it names, with its options, is the one the ingestion pipeline uses.</summary>
public class ChunkingConfigurationTests
{
    private const string Markdown = """
        # Volcanoes

        ## Iceland

        Eyjafjallajokull erupted in 2010 and its ash cloud closed the airspace of northern Europe for days. Flights
        were grounded across the continent, and millions of travellers were stranded while the ash drifted south.

        ## Italy

        Mount Vesuvius erupted in the year 79 and buried the towns of Pompeii and Herculaneum under ash and pumice.
        """;

    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();

    private static ServiceProvider Build(IConfiguration configuration, IEmbeddingGenerator<string, Embedding<float>> embedder, Action<LlmStackBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLlmStack(configuration, stack =>
        {
            stack.AddEmbeddingGenerator(_ => embedder);
            stack.AddIngestion();
            configure?.Invoke(stack);
        });
        return services.BuildServiceProvider();
    }

    private static async Task<string[]> TextsAsync(ITextChunker chunker) =>
        [.. (await chunker.ChunkAsync(new Document("doc", Markdown) { MediaType = "text/markdown" })).Select(c => c.Text)];

    [Fact]
    public async Task The_configured_chunker_with_its_options_is_the_one_ingestion_uses()
    {
        using ServiceProvider provider = Build(
            Config(
                ("LlmStack:Chunking:Chunker", "structure"),
                ("LlmStack:Chunking:MaxTokens", "24"),
                ("LlmStack:Chunking:OverlapTokens", "4"),
                ("LlmStack:Chunking:IncludeHeadingPrefix", "true")),
            new TestEmbeddingGenerator());

        ITextChunker chunker = provider.GetRequiredService<IngestionPipeline>().Chunker;

        StructureChunker structure = Assert.IsType<StructureChunker>(chunker);
        Assert.Same(structure, provider.GetRequiredService<ITextChunker>());
        Assert.Equal(24, structure.MaxTokens);
        string[] expected = await TextsAsync(new StructureChunker(new StructureChunkerOptions { MaxTokens = 24, OverlapTokens = 4, IncludeHeadingPrefix = true }));
        Assert.Equal(expected, await TextsAsync(chunker));
        Assert.NotEqual(await TextsAsync(new StructureChunker(new StructureChunkerOptions { MaxTokens = 24, IncludeHeadingPrefix = true })), expected);
    }

    [Fact]
    public void Without_a_Chunking_section_the_pipeline_keeps_its_default_chunker()
    {
        using ServiceProvider provider = Build(Config(("LlmStack:Ingestion:MaxChunkTokens", "100")), new TestEmbeddingGenerator());

        Assert.Null(provider.GetService<ITextChunker>());
        RecursiveChunker chunker = Assert.IsType<RecursiveChunker>(provider.GetRequiredService<IngestionPipeline>().Chunker);
        Assert.Equal(100, chunker.MaxTokens);
    }

    [Fact]
    public void The_configured_chunker_counts_with_the_embedders_tokenizer_up_to_its_input_limit()
    {
        Tokenizer tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        using ServiceProvider provider = Build(
            Config(("LlmStack:Chunking:Chunker", "Sentence"), ("LlmStack:Chunking:MaxTokens", "500")),
            new LimitedEmbeddingGenerator(new EmbeddingInputLimits(tokenizer, 128)));

        SentenceChunker chunker = Assert.IsType<SentenceChunker>(provider.GetRequiredService<IngestionPipeline>().Chunker);

        Assert.Equal(128, chunker.MaxTokens);
        Assert.Same(tokenizer, chunker.Tokenizer);
    }

    [Fact]
    public void An_overlap_the_embedders_input_limit_cannot_hold_fails_naming_the_key()
    {
        using ServiceProvider provider = Build(
            Config(("LlmStack:Chunking:Chunker", "Token"), ("LlmStack:Chunking:MaxTokens", "500"), ("LlmStack:Chunking:OverlapTokens", "200")),
            new LimitedEmbeddingGenerator(new EmbeddingInputLimits(TiktokenTokenizer.CreateForEncoding("o200k_base"), 128)));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ITextChunker>());

        Assert.StartsWith("LlmStack:Chunking:OverlapTokens is '200', which is not allowed: it must be less than the embedding model's input limit of 128 tokens", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void A_semantic_chunker_embeds_with_the_stacks_embedder()
    {
        using ServiceProvider provider = Build(
            Config(("LlmStack:Chunking:Chunker", "Semantic"), ("LlmStack:Chunking:BreakpointPercentile", "80"), ("LlmStack:Chunking:MaxTokens", "64")),
            new TestEmbeddingGenerator());

        SemanticChunker chunker = Assert.IsType<SemanticChunker>(provider.GetRequiredService<ITextChunker>());
        Assert.Equal(64, chunker.MaxTokens);
    }

    [Fact]
    public void A_chunker_registered_in_code_wins_before_or_after_AddLlmStack()
    {
        IConfiguration configuration = Config(("LlmStack:Chunking:Chunker", "Token"), ("LlmStack:Chunking:MaxTokens", "64"));
        var before = new TokenChunker(new TokenChunkerOptions { MaxTokens = 10 });

        var services = new ServiceCollection();
        services.AddSingleton<ITextChunker>(before);
        services.AddLlmStack(configuration);
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            Assert.Same(before, provider.GetRequiredService<ITextChunker>());
        }

        using ServiceProvider after = Build(configuration, new TestEmbeddingGenerator(), stack => stack.AddSentenceChunker(o => o.MaxTokens = 32));
        Assert.Equal(32, Assert.IsType<SentenceChunker>(after.GetRequiredService<IngestionPipeline>().Chunker).MaxTokens);
    }

    [Theory]
    [InlineData("MaxTokens", "64", null, null,
        "LlmStack:Chunking:Chunker is missing: name the chunker that LlmStack:Chunking configures, one of: Recursive, Token, Sentence, Structure, Semantic.")]
    [InlineData("Chunker", "paragraph", null, null,
        "LlmStack:Chunking:Chunker is 'paragraph', which is not one of: Recursive, Token, Sentence, Structure, Semantic.")]
    [InlineData("Chunker", "Recursive", "IncludeHeadingPrefx", "true",
        "LlmStack:Chunking:IncludeHeadingPrefx is not a known key. The keys of LlmStack:Chunking are: MaxTokens, OverlapTokens, Chunker.")]
    [InlineData("Chunker", "Structure", "IncludeHeadingPrefx", "true",
        "LlmStack:Chunking:IncludeHeadingPrefx is not a known key. Did you mean LlmStack:Chunking:IncludeHeadingPrefix?")]
    [InlineData("Chunker", "Token", "MaxTokens", "2",
        "LlmStack:Chunking:MaxTokens is '2', which is not allowed: it must be at least 4.")]
    [InlineData("Chunker", "Token", "OverlapTokens", "512",
        "LlmStack:Chunking:OverlapTokens is '512', which is not allowed: it must be less than LlmStack:Chunking:MaxTokens (512).")]
    [InlineData("Chunker", "Sentence", "MaxTokens", "many",
        "LlmStack:Chunking:MaxTokens is 'many', which is not a whole number.")]
    public void A_bad_Chunking_key_fails_inside_AddLlmStack_naming_the_full_key(string key1, string value1, string? key2, string? value2, string expected)
    {
        List<(string, string?)> pairs = [("LlmStack:Chunking:" + key1, value1)];
        if (key2 is not null)
        {
            pairs.Add(("LlmStack:Chunking:" + key2, value2));
        }

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config([.. pairs])));

        Assert.StartsWith(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_chunkers_size_cannot_be_set_beside_a_configured_chunker()
    {
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:Chunking:Chunker", "Recursive"), ("LlmStack:Ingestion:MaxChunkTokens", "300"))));

        Assert.Equal(
            "LlmStack:Ingestion:MaxChunkTokens sizes the default chunker, which LlmStack:Chunking replaces: set LlmStack:Chunking:MaxTokens instead.",
            Assert.Single(error.Failures));
    }

    private sealed class LimitedEmbeddingGenerator(EmbeddingInputLimits limits) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly TestEmbeddingGenerator _inner = new();

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            _inner.GenerateAsync(values, options, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(EmbeddingInputLimits) ? limits : _inner.GetService(serviceType, serviceKey);

        public void Dispose() => _inner.Dispose();
    }
}
