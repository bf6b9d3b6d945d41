using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Tests.Rag;

public sealed class AddRagTests
{
    [Fact]
    public async Task AddRag_resolves_a_pipeline_over_the_registered_retriever_with_the_configured_defaults()
    {
        var services = new ServiceCollection();
        var retriever = new FixedRetriever(Corpus.Rivers());
        services.AddLlmStack(stack => stack
            .AddRetriever(_ => retriever)
            .AddRag(o => o.Top = 1));
        using ServiceProvider provider = services.BuildServiceProvider();

        RagPipeline pipeline = provider.GetRequiredService<RagPipeline>();
        RagAnswer answer = await pipeline.AskAsync("Danube?");

        Assert.True(pipeline.IsExtractive);
        Assert.Equal(1, retriever.Options.Single()!.Top);
        Assert.Single(answer.Sources);
        Assert.Same(pipeline, provider.GetRequiredService<RagPipeline>());
    }

    [Fact]
    public void AddRag_with_a_chat_client_generates_and_without_a_retriever_fails_clearly()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack =>
        {
            stack.AddChatClient(new ScriptedChatClient(["ok"]));
            stack.AddRag();
        });
        using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<RagPipeline>());
        Assert.Contains("IRetriever", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_cross_encoder_reranks_when_no_reranker_is_registered()
    {
        var services = new ServiceCollection();
        RetrievedChunk[] chunks = Corpus.Rivers();
        var crossEncoder = new ShortestFirstCrossEncoder();
        services.AddSingleton<ICrossEncoder>(crossEncoder);
        services.AddLlmStack(stack => stack
            .AddRetriever(_ => new FixedRetriever(chunks))
            .AddRag(o => o.Top = 1));
        using ServiceProvider provider = services.BuildServiceProvider();

        RagAnswer answer = await provider.GetRequiredService<RagPipeline>().AskAsync("Danube?");

        Assert.Equal(1, crossEncoder.Calls);
        RetrievedChunk shortest = chunks.OrderBy(c => c.Chunk.Text.Length).First();
        Assert.Equal(shortest.Chunk.Id, answer.Sources.Single().Chunk.Id);
    }

    private sealed class ShortestFirstCrossEncoder : ICrossEncoder
    {
        public int Calls { get; private set; }

        public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Task.FromResult<IReadOnlyList<float>>(passages.Select(p => -(float)p.Length).ToList());
        }
    }
}
