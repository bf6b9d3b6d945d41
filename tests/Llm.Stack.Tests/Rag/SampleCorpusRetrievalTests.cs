using Xunit.Abstractions;

namespace Llm.Stack.Tests.Rag;

/// <summary>
/// Retrieval quality on the committed sample corpus with its 26 hand-labelled questions. A question is a hit at
/// rank r when the r-th chunk comes from the labelled document and contains the labelled answer span.
/// The thresholds sit a little below the values measured when they were set (see each test), so that a
/// regression in chunking, embedding, BM25 or fusion fails the build.
/// </summary>
public sealed class SampleCorpusRetrievalTests(SampleCorpusFixture corpus, ITestOutputHelper output) : IClassFixture<SampleCorpusFixture>
{
    [Fact]
    public void The_corpus_and_questions_are_loaded()
    {
        Assert.Equal(6, corpus.Chunks.Select(c => c.DocumentId).Distinct().Count());
        Assert.True(corpus.Questions.Count >= 20);
        foreach (SampleCorpusFixture.LabelledQuestion q in corpus.Questions)
        {
            Assert.True(corpus.Chunks.Any(q.IsAnsweredBy), $"{q.Id}: no chunk holds '{q.Answer}'");
        }
    }

    [Fact]
    public async Task MiniLM_vector_retrieval_reaches_the_measured_hit_rate_and_MRR()
    {
        (double hitAt3, double mrr) = await EvaluateAsync(corpus.Vector, "vector (MiniLM)");
        Assert.True(hitAt3 >= VectorHitAt3, $"hit@3 {hitAt3:F3} < {VectorHitAt3}");
        Assert.True(mrr >= VectorMrr, $"MRR {mrr:F3} < {VectorMrr}");
    }

    [Fact]
    public async Task Bm25_retrieval_reaches_the_measured_hit_rate_and_MRR()
    {
        (double hitAt3, double mrr) = await EvaluateAsync(corpus.Keyword, "BM25");
        Assert.True(hitAt3 >= KeywordHitAt3, $"hit@3 {hitAt3:F3} < {KeywordHitAt3}");
        Assert.True(mrr >= KeywordMrr, $"MRR {mrr:F3} < {KeywordMrr}");
    }

    [Fact]
    public async Task Hybrid_retrieval_reaches_the_measured_hit_rate_and_MRR()
    {
        (double hitAt3, double mrr) = await EvaluateAsync(corpus.Hybrid, "hybrid (RRF of MiniLM and BM25)");
        Assert.True(hitAt3 >= HybridHitAt3, $"hit@3 {hitAt3:F3} < {HybridHitAt3}");
        Assert.True(mrr >= HybridMrr, $"MRR {mrr:F3} < {HybridMrr}");
    }

    [Fact]
    public async Task The_extractive_pipeline_answers_from_the_right_document_with_citations()
    {
        var pipeline = new RagPipeline(corpus.Hybrid);
        int correct = 0;
        foreach (SampleCorpusFixture.LabelledQuestion q in corpus.Questions)
        {
            RagAnswer answer = await pipeline.AskAsync(q.Question);
            Assert.True(answer.IsExtractive);
            Assert.NotEmpty(answer.Citations);
            if (answer.Citations.Any(c => c.DocumentId == q.Document && answer.Text.Contains(c.Quote.Replace('\n', ' '), StringComparison.Ordinal)))
            {
                correct++;
            }
        }

        output.WriteLine($"extractive answers citing the labelled document: {correct}/{corpus.Questions.Count}");
        Assert.True(correct >= ExtractiveCorrect, $"{correct} < {ExtractiveCorrect}");
    }

    private async Task<(double HitAt3, double Mrr)> EvaluateAsync(IRetriever retriever, string name)
    {
        int hits = 0;
        double reciprocal = 0;
        foreach (SampleCorpusFixture.LabelledQuestion q in corpus.Questions)
        {
            IReadOnlyList<RetrievedChunk> results = await retriever.RetrieveAsync(q.Question, new RetrievalOptions { Top = 10 });
            int rank = results.Select((r, i) => (r, i)).FirstOrDefault(x => q.IsAnsweredBy(x.r.Chunk), (null!, -1)).Item2 + 1;
            if (rank is > 0 and <= 3)
            {
                hits++;
            }

            if (rank > 0)
            {
                reciprocal += 1.0 / rank;
            }

            output.WriteLine($"{q.Id} rank {rank}: {q.Question}");
        }

        double hitAt3 = hits / (double)corpus.Questions.Count;
        double mrr = reciprocal / corpus.Questions.Count;
        output.WriteLine($"{name}: hit@3 = {hitAt3:F3}, MRR@10 = {mrr:F3}");
        return (hitAt3, mrr);
    }

    // Thresholds, measured on 2026-11-29 (deterministic: same corpus, chunker, model): each allows one question
    // fewer at rank <= 3 than measured, and MRR about 0.04 below it.
    // vector (MiniLM, 128-token recursive chunks): hit@3 0.885 (23/26), MRR@10 0.760
    private const double VectorHitAt3 = 0.84;
    private const double VectorMrr = 0.72;

    // BM25 (k1 1.2, b 0.75): hit@3 0.769 (20/26), MRR@10 0.624
    private const double KeywordHitAt3 = 0.73;
    private const double KeywordMrr = 0.58;

    // hybrid RRF (k 60, equal weights) of the two: hit@3 0.846 (22/26), MRR@10 0.734
    private const double HybridHitAt3 = 0.80;
    private const double HybridMrr = 0.69;

    // extractive answers over hybrid retrieval citing the labelled document: 25/26
    private const int ExtractiveCorrect = 24;
}
