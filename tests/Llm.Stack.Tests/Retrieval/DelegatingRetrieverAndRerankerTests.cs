using Llm.Stack.Tests.Rag;

namespace Llm.Stack.Tests.Retrieval;

public sealed class DelegatingRetrieverAndRerankerTests
{
    [Fact]
    public async Task A_delegating_retriever_passes_calls_through_and_can_act_on_the_results()
    {
        var inner = new FixedRetriever(Corpus.Rivers());
        var middleware = new MinimumScoreRetriever(inner, 0.7);
        var options = new RetrievalOptions { Top = 3 };

        IReadOnlyList<RetrievedChunk> results = await middleware.RetrieveAsync("rivers", options);

        Assert.Equal(["rivers.md#0", "rivers.md#1"], results.Select(r => r.Chunk.Id));
        Assert.Same(options, inner.Options.Single());
        Assert.Equal(["rivers"], inner.Queries);
    }

    [Fact]
    public void GetService_finds_each_layer_through_a_chain()
    {
        var inner = new FixedRetriever(Corpus.Rivers());
        var middle = new MinimumScoreRetriever(inner, 0.1);
        var outer = new MinimumScoreRetriever(middle, 0.2);

        Assert.Same(outer, outer.GetService(typeof(MinimumScoreRetriever)));
        Assert.Same(outer, outer.GetService(typeof(IRetriever)));
        Assert.Same(inner, outer.GetService(typeof(FixedRetriever)));
        Assert.Null(outer.GetService(typeof(string)));
        Assert.Null(outer.GetService(typeof(MinimumScoreRetriever), "key"));
        Assert.Throws<ArgumentNullException>(() => outer.GetService(null!));
    }

    [Fact]
    public async Task A_delegating_reranker_passes_calls_through_and_forwards_GetService()
    {
        var inner = new ReversingReranker();
        var middleware = new CountingReranker(inner);
        IReadOnlyList<RetrievedChunk> candidates = Corpus.Rivers();

        IReadOnlyList<RetrievedChunk> results = await middleware.RerankAsync("q", candidates, 2);

        Assert.Equal(["lakes.md#0", "rivers.md#1"], results.Select(r => r.Chunk.Id));
        Assert.Equal(1, middleware.Calls);
        Assert.Same(inner, middleware.GetService(typeof(ReversingReranker)));
        Assert.Same(middleware, middleware.GetService(typeof(IReranker)));
    }

    [Fact]
    public void A_null_inner_layer_is_refused_by_name()
    {
        Assert.Equal("innerRetriever", Assert.Throws<ArgumentNullException>(() => new MinimumScoreRetriever(null!, 0)).ParamName);
        Assert.Equal("innerReranker", Assert.Throws<ArgumentNullException>(() => new CountingReranker(null!)).ParamName);
    }

    private sealed class MinimumScoreRetriever(IRetriever inner, double minimum) : DelegatingRetriever(inner)
    {
        public override async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
            (await base.RetrieveAsync(query, options, cancellationToken)).Where(r => r.Score >= minimum).ToList();
    }

    private sealed class CountingReranker(IReranker inner) : DelegatingReranker(inner)
    {
        public int Calls { get; private set; }

        public override Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return base.RerankAsync(query, candidates, top, cancellationToken);
        }
    }

    private sealed class ReversingReranker : IReranker
    {
        public Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<RetrievedChunk>>(candidates.Reverse().Take(top ?? candidates.Count).ToList());
    }
}
