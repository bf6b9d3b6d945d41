using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;
using Microsoft.SemanticKernel.Text;

namespace Llm.Stack.Benchmarks.Chunking;

/// <summary>
/// Chunking throughput of every Llm.Stack chunker against Semantic Kernel's <c>TextChunker</c> on the same corpus
/// (≥ 50 MB, see <see cref="ChunkingCorpus"/>), with the same tokenizer (cl100k_base) and the same limit (512 tokens).
/// Each operation chunks the whole corpus once; the number of chunks over the limit is printed by the setup
/// (<c>OVERLIMIT</c> lines). The semantic chunker embeds with a cheap deterministic in-benchmark embedder (FNV word
/// hashing), so its number is the chunker's own cost: with a real embedder its throughput is the embedder's. Run with <c>--inProcess --strategy Monitoring --launchCount 1 --warmupCount 0 --iterationCount 2</c>: one operation takes seconds.
/// </summary>
public class ChunkingThroughputBenchmark
{
    private const int MaxTokens = 512;
    private readonly Tokenizer _tokenizer = ChunkingTokenizers.Cl100kBase;
    private Document[] _documents = [];
    private Document[] _structured = [];
    private string[] _texts = [];
    private long _bytes;
    private ITextChunker _token = null!;
    private ITextChunker _recursive = null!;
    private ITextChunker _sentence = null!;
    private ITextChunker _structure = null!;
    private ITextChunker _semantic = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_texts, _bytes) = ChunkingCorpus.Load();
        _documents = [.. _texts.Select((t, i) => new Document($"doc{i}", t))];
        _structured = [.. _texts.Select((t, i) => new Document($"doc{i}", t) { Elements = Paragraphs(t) })];
        _token = new TokenChunker(new TokenChunkerOptions { MaxTokens = MaxTokens });
        _recursive = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = MaxTokens });
        _sentence = new SentenceChunker(new SentenceChunkerOptions { MaxTokens = MaxTokens });
        _structure = new StructureChunker(new StructureChunkerOptions { MaxTokens = MaxTokens, IncludeHeadingPrefix = true });
        _semantic = new SemanticChunker(new FnvEmbeddingGenerator(), new SemanticChunkerOptions { MaxTokens = MaxTokens });
        Console.WriteLine($"// corpus: {_texts.Length} files, {_bytes / 1e6:F1} MB");
    }

    [GlobalSetup(Target = nameof(TokenChunker))]
    public void SetupToken() => CountOverLimit(nameof(TokenChunker), () => Chunk(_token, _documents).SelectMany(c => c).Select(c => c.Text));

    [GlobalSetup(Target = nameof(RecursiveChunker))]
    public void SetupRecursive() => CountOverLimit(nameof(RecursiveChunker), () => Chunk(_recursive, _documents).SelectMany(c => c).Select(c => c.Text));

    [GlobalSetup(Target = nameof(SentenceChunker))]
    public void SetupSentence() => CountOverLimit(nameof(SentenceChunker), () => Chunk(_sentence, _documents).SelectMany(c => c).Select(c => c.Text));

    [GlobalSetup(Target = nameof(StructureChunker))]
    public void SetupStructure() => CountOverLimit(nameof(StructureChunker), () => Chunk(_structure, _structured).SelectMany(c => c).Select(c => c.Text));

    [GlobalSetup(Target = nameof(SemanticChunker))]
    public void SetupSemantic() => CountOverLimit(nameof(SemanticChunker), () => Chunk(_semantic, _documents).SelectMany(c => c).Select(c => c.Text));

    [GlobalSetup(Target = nameof(SemanticKernelTextChunker))]
    public void SetupSemanticKernel() => CountOverLimit(nameof(SemanticKernelTextChunker), () => SkChunks().SelectMany(c => c));

    [GlobalSetup(Target = nameof(SemanticKernelMarkdownChunker))]
    public void SetupSemanticKernelMarkdown() => CountOverLimit(nameof(SemanticKernelMarkdownChunker), () => SkMarkdownChunks().SelectMany(c => c));

    [Benchmark]
    public int TokenChunker() => Chunk(_token, _documents).Sum(c => c.Count);

    [Benchmark]
    public int RecursiveChunker() => Chunk(_recursive, _documents).Sum(c => c.Count);

    [Benchmark]
    public int SentenceChunker() => Chunk(_sentence, _documents).Sum(c => c.Count);

    [Benchmark]
    public int StructureChunker() => Chunk(_structure, _structured).Sum(c => c.Count);

    [Benchmark]
    public int SemanticChunker() => Chunk(_semantic, _documents).Sum(c => c.Count);

    [Benchmark(Baseline = true)]
    public int SemanticKernelTextChunker() => SkChunks().Sum(c => c.Count);

    /// <summary>SK's Markdown pair (<c>SplitMarkDownLines</c> + <c>SplitMarkdownParagraphs</c>), the baseline of the structure chunker.</summary>
    [Benchmark]
    public int SemanticKernelMarkdownChunker() => SkMarkdownChunks().Sum(c => c.Count);

    private static IEnumerable<IReadOnlyList<DocumentChunk>> Chunk(ITextChunker chunker, Document[] documents)
    {
        foreach (Document document in documents)
        {
            yield return chunker.ChunkAsync(document).AsTask().GetAwaiter().GetResult();
        }
    }

    private IEnumerable<List<string>> SkChunks()
    {
        TextChunker.TokenCounter counter = s => _tokenizer.CountTokens(s);
        foreach (string text in _texts)
        {
            List<string> lines = TextChunker.SplitPlainTextLines(text, MaxTokens, counter);
            yield return TextChunker.SplitPlainTextParagraphs(lines, MaxTokens, 0, null, counter);
        }
    }

    private IEnumerable<List<string>> SkMarkdownChunks()
    {
        TextChunker.TokenCounter counter = s => _tokenizer.CountTokens(s);
        foreach (string text in _texts)
        {
            List<string> lines = TextChunker.SplitMarkDownLines(text, MaxTokens, counter);
            yield return TextChunker.SplitMarkdownParagraphs(lines, MaxTokens, 0, null, counter);
        }
    }

    private void CountOverLimit(string name, Func<IEnumerable<string>> chunks)
    {
        Setup();
        int total = 0;
        int over = 0;
        foreach (string chunk in chunks())
        {
            total++;
            if (_tokenizer.CountTokens(chunk) > MaxTokens)
            {
                over++;
            }
        }

        Console.WriteLine($"// OVERLIMIT {name}: {over} of {total} chunks over {MaxTokens} cl100k tokens; corpus {_bytes} bytes");
    }

    private static List<DocumentElement> Paragraphs(string text)
    {
        var elements = new List<DocumentElement>();
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf("\n\n", start, StringComparison.Ordinal);
            end = end < 0 ? text.Length : end;
            if (end > start)
            {
                elements.Add(new DocumentElement(DocumentElementKind.Paragraph, start, end - start) { SectionPath = ["Debian documentation"] });
            }

            start = end + 2;
        }

        return elements;
    }
}
