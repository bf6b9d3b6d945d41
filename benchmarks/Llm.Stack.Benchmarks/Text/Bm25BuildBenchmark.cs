using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDocument = Lucene.Net.Documents.Document;

namespace Llm.Stack.Benchmarks.Text;

/// <summary>
/// Building a BM25 index of 100k short documents on one thread (analysis included), and saving and loading it;
/// compared with Lucene.NET 4.8 indexing the same texts into a RAMDirectory (one segment at the end).
/// </summary>
[MemoryDiagnoser]
public class Bm25BuildBenchmark
{
    private Bm25Corpus _corpus = null!;
    private byte[] _saved = null!;

    [Params(100_000)]
    public int Documents { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _corpus = new Bm25Corpus(Documents, 1);
        using var stream = new MemoryStream();
        Bm25Index_Build().Save(stream);
        _saved = stream.ToArray();
        Console.WriteLine($"// Saved index: {_saved.Length:N0} bytes for {Documents:N0} documents.");
    }

    [Benchmark(Baseline = true)]
    public Bm25Index<int> Bm25Index_Build()
    {
        var index = new Bm25Index<int>();
        string[] documents = _corpus.Documents;
        for (int i = 0; i < documents.Length; i++)
        {
            index.Upsert(i, documents[i]);
        }

        return index;
    }

    [Benchmark]
    public long Bm25Index_Save()
    {
        using var stream = new MemoryStream(_saved.Length);
        _index ??= Bm25Index_Build();
        _index.Save(stream);
        return stream.Length;
    }

    [Benchmark]
    public int Bm25Index_Load() => Bm25Index<int>.Load(new MemoryStream(_saved)).Count;

    [Benchmark]
    public int LuceneNet_Build()
    {
        using var directory = new RAMDirectory();
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, new StandardAnalyzer(LuceneVersion.LUCENE_48)) { Similarity = new BM25Similarity() };
        using var writer = new IndexWriter(directory, config);
        string[] documents = _corpus.Documents;
        for (int i = 0; i < documents.Length; i++)
        {
            writer.AddDocument(new LuceneDocument { new StoredField("id", i), new TextField("text", documents[i], Field.Store.NO) });
        }

        writer.ForceMerge(1);
        return writer.MaxDoc;
    }

    private Bm25Index<int>? _index;
}
