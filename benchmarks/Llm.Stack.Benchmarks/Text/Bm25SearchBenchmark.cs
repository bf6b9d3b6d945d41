using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDocument = Lucene.Net.Documents.Document;

namespace Llm.Stack.Benchmarks.Text;

/// <summary>
/// Top-10 BM25 keyword search over 100k short documents, one query per call on one thread (each invocation runs the
/// same 64 queries; times are per query). Compared in the same run with Lucene.NET 4.8 (BM25Similarity, in-memory
/// RAMDirectory, a BooleanQuery of TermQuery clauses built directly, so Lucene pays no query analysis) and with the
/// rank_bm25 approach (score every document from its own term dictionary, then a full sort).
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet classes cannot be sealed; the Lucene objects are disposed in [GlobalCleanup].")]
public class Bm25SearchBenchmark
{
    private const int QueryCount = 64;
    private Bm25Corpus _corpus = null!;
    private Bm25Index<int> _index = null!;
    private string[] _queries = null!;
    private IndexSearcher _lucene = null!;
    private DirectoryReader _luceneReader = null!;
    private RAMDirectory _luceneDirectory = null!;
    private NaiveBm25 _naive = null!;

    [Params(100_000)]
    public int Documents { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _corpus = new Bm25Corpus(Documents, QueryCount);
        _queries = [.. _corpus.Queries.Select(q => string.Join(' ', q))];
        _index = new Bm25Index<int>();
        for (int i = 0; i < _corpus.Documents.Length; i++)
        {
            _index.Upsert(i, _corpus.Documents[i]);
        }

        _luceneDirectory = new RAMDirectory();
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, new StandardAnalyzer(LuceneVersion.LUCENE_48)) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(_luceneDirectory, config))
        {
            for (int i = 0; i < _corpus.Documents.Length; i++)
            {
                writer.AddDocument(new LuceneDocument { new StoredField("id", i), new TextField("text", _corpus.Documents[i], Field.Store.NO) });
            }

            writer.ForceMerge(1);
        }

        _luceneReader = DirectoryReader.Open(_luceneDirectory);
        _lucene = new IndexSearcher(_luceneReader) { Similarity = new BM25Similarity() };
        _naive = new NaiveBm25(_corpus.Documents);

        // Sanity: the engines agree on the best document of most queries (Lucene stores lengths lossily, so near-ties may differ).
        int agree = 0;
        for (int q = 0; q < QueryCount; q++)
        {
            int ours = _index.Search(_queries[q], 1) is [var m] ? m.Key : -1;
            TopDocs top = _lucene.Search(LuceneQuery(_corpus.Queries[q]), 1);
            int theirs = top.ScoreDocs.Length > 0 ? _lucene.Doc(top.ScoreDocs[0].Doc).GetField("id").GetInt32Value() ?? -2 : -1;
            agree += ours == theirs ? 1 : 0;
        }

        Console.WriteLine($"// Top-1 agreement with Lucene.NET: {agree}/{QueryCount}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _luceneReader?.Dispose();
        _luceneDirectory?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = QueryCount)]
    public int Bm25Index_Top10()
    {
        int found = 0;
        foreach (string query in _queries)
        {
            found += _index.Search(query, 10).Count;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = QueryCount)]
    public int Bm25Index_Top10_HalfFiltered()
    {
        int found = 0;
        foreach (string query in _queries)
        {
            found += _index.Search(query, 10, static key => (key & 1) == 0).Count;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = QueryCount)]
    public int LuceneNet_Top10()
    {
        int found = 0;
        foreach (string[] terms in _corpus.Queries)
        {
            found += _lucene.Search(LuceneQuery(terms), 10).ScoreDocs.Length;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = QueryCount)]
    public int RankBm25Style_Top10()
    {
        int found = 0;
        foreach (string[] terms in _corpus.Queries)
        {
            found += _naive.Search(terms, 10).Length;
        }

        return found;
    }

    private static BooleanQuery LuceneQuery(string[] terms)
    {
        var query = new BooleanQuery();
        foreach (string term in terms)
        {
            query.Add(new TermQuery(new Term("text", term)), Occur.SHOULD);
        }

        return query;
    }
}
