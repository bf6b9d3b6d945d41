using System.Diagnostics;
using System.Runtime.InteropServices;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The setup step of the HNSW benchmarks' real-embedding data set (<c>prepare-minilm &lt;corpus&gt; &lt;out&gt;</c>): splits
/// every <c>*.txt</c> file of the corpus (the Debian documentation corpus of <c>Chunking/make-corpus.py</c>) into
/// passages with the project's <see cref="RecursiveChunker"/> (at most 48 <c>cl100k_base</c> tokens, no overlap: sentences to short paragraphs, so that the setup embeds 100k passages in minutes on two cores), drops
/// duplicate and very short passages, shuffles them with a fixed seed, and embeds the first <c>count + 1,000</c> with the
/// project's all-MiniLM-L6-v2 embedder (<see cref="MiniLmEmbeddingGenerator"/>). The first <c>count</c> vectors are the
/// index; the last 1,000, passages the index does not hold, are the queries. Writes the files <see cref="HnswData"/>
/// reads (<c>vectors.f32</c>, <c>queries.f32</c>, <c>shape.txt</c>) and <c>passages.txt</c> (one passage per line,
/// index first, for inspection). The ground truth is computed by <see cref="HnswData"/> with the exact index.
/// </summary>
internal static class MiniLmPassages
{
    private const int MinimumCharacters = 120;

    public static async Task<int> PrepareAsync(string corpus, string output, int count)
    {
        var stopwatch = Stopwatch.StartNew();
        var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 48, OverlapTokens = 0 });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var passages = new List<string>();
        foreach (string file in Directory.EnumerateFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document(Path.GetFileName(file), await File.ReadAllTextAsync(file)));
            foreach (DocumentChunk chunk in chunks)
            {
                string text = string.Join(' ', chunk.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                if (text.Length >= MinimumCharacters && seen.Add(text))
                {
                    passages.Add(text);
                }
            }
        }

        int needed = count + HnswData.QueryCount;
        Console.WriteLine($"{passages.Count:N0} distinct passages of at least {MinimumCharacters} characters in {stopwatch.Elapsed.TotalSeconds:F0} s; {needed:N0} needed");
        if (passages.Count < needed)
        {
            Console.Error.WriteLine($"prepare-minilm: the corpus gives {passages.Count:N0} passages, fewer than the {needed:N0} needed.");
            return 1;
        }

        string[] chosen = [.. passages];
        new Random(42).Shuffle(chosen);
        chosen = chosen[..needed];

        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create(o => o.BatchSize = 32);
        var vectors = new float[needed * HnswData.Dimensions];
        const int Step = 1_024;
        for (int start = 0; start < needed; start += Step)
        {
            string[] batch = chosen[start..Math.Min(needed, start + Step)];
            GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(batch);
            for (int i = 0; i < embeddings.Count; i++)
            {
                embeddings[i].Vector.Span.CopyTo(vectors.AsSpan((start + i) * HnswData.Dimensions, HnswData.Dimensions));
            }

            Console.WriteLine($"embedded {start + batch.Length:N0} / {needed:N0} in {stopwatch.Elapsed.TotalSeconds:F0} s");
        }

        _ = Directory.CreateDirectory(output);
        int split = count * HnswData.Dimensions;
        await File.WriteAllBytesAsync(Path.Combine(output, "vectors.f32"), MemoryMarshal.AsBytes(vectors.AsSpan(0, split)).ToArray());
        await File.WriteAllBytesAsync(Path.Combine(output, "queries.f32"), MemoryMarshal.AsBytes(vectors.AsSpan(split)).ToArray());
        await File.WriteAllLinesAsync(Path.Combine(output, "passages.txt"), chosen);
        await File.WriteAllTextAsync(Path.Combine(output, "shape.txt"), $"{count} {HnswData.QueryCount} {HnswData.Dimensions} {HnswData.Top}\n");
        Console.WriteLine($"wrote {count:N0} vectors and {HnswData.QueryCount:N0} queries to {output} in {stopwatch.Elapsed.TotalSeconds:F0} s");
        return 0;
    }
}
