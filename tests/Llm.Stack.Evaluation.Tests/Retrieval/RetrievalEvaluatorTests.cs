using Llm.Stack;
using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class RetrievalEvaluatorTests
{
    [Fact]
    public async Task Evaluates_a_retriever_over_a_labelled_query_set()
    {
        // q1 retrieves doc B then A (relevant A): hit 1, RR 1/2, P@3 1/3, R 1, AP 1/2, nDCG 1/log2(3).
        // q2 retrieves X, Y (relevant Z): all zero.
        var retriever = new FixedRetriever(new Dictionary<string, string[]>
        {
            ["q1"] = ["B", "A", "B"],
            ["q2"] = ["X", "Y"],
        });
        var evaluator = new RetrievalEvaluator(k: 3);

        var report = await evaluator.EvaluateAsync(retriever, [new RetrievalQuery("q1", ["A"]), new RetrievalQuery("q2", ["Z"])]);

        Assert.Equal(3, report.K);
        Assert.Equal(["B", "A", "B"], report.Queries[0].RetrievedIds);
        Assert.Equal(0.5, report.Mean.HitRate);
        Assert.Equal(0.25, report.Mean.ReciprocalRank);
        Assert.Equal(1.0 / 6, report.Mean.Precision, 12);
        Assert.Equal(0.5, report.Mean.Recall);
        Assert.Equal(0.25, report.Mean.AveragePrecision);
        Assert.Equal(1 / Math.Log2(3) / 2, report.Mean.Ndcg, 12);
        Assert.All(retriever.Tops, top => Assert.Equal(3, top));
    }

    [Fact]
    public async Task Chunk_id_matching_distinguishes_chunks_of_one_document()
    {
        var retriever = new FixedRetriever(new Dictionary<string, string[]> { ["q"] = ["A", "A"] });

        var report = await new RetrievalEvaluator(2, RetrievalMatch.ChunkId).EvaluateAsync(retriever, [new RetrievalQuery("q", ["A#1"])]);

        // FixedRetriever gives the n-th chunk of a document ordinal n: ids A#0, A#1.
        Assert.Equal(0.5, report.Mean.ReciprocalRank);
    }

    private sealed class FixedRetriever(Dictionary<string, string[]> results) : IRetriever
    {
        public List<int> Tops { get; } = [];

        public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
        {
            Tops.Add(options?.Top ?? -1);
            var ordinal = 0;
            IReadOnlyList<RetrievedChunk> chunks = [.. results[query].Select((doc, i) => new RetrievedChunk(new DocumentChunk(doc, ordinal++, "text " + doc), 1.0 / (i + 1)))];
            return Task.FromResult(chunks);
        }
    }
}
