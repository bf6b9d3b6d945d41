using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using Llm.Stack.Evaluation;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Tuning;

/// <summary>
/// Measures an embedding adapter on a real labelled set (<c>measure-adapter PAIRS.jsonl [TRAIN] [RANK] [SEED]</c>): the
/// pairs are split into a training pool of TRAIN pairs (the trainer holds out its own validation share of it) and a test
/// split of the rest, never seen in training; every query is ranked against every passage of the set with the base
/// all-MiniLM-L6-v2 embedder and with the adapted one, and hit@1, hit@3 and MRR@10 are reported with 95% bootstrap
/// intervals, with the paired difference. Passage embeddings are cached beside the pairs file.
/// </summary>
internal static class AdapterMeasurement
{
    private const int BootstrapSamples = 2000;
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string pairsPath, int trainCount, EmbeddingAdapterTrainerOptions options)
    {
        var pairs = new List<EmbeddingTrainingPair>();
        foreach (string line in await File.ReadAllLinesAsync(pairsPath))
        {
            if (line.Length > 0)
            {
                pairs.Add(JsonSerializer.Deserialize<EmbeddingTrainingPair>(line, WebJson)!);
            }
        }

        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create(o => o.BatchSize = 32);
        string modelId = embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? "minilm";
        float[][] passages = await EmbedCachedAsync(embedder, pairs.Select(p => p.Passage).ToArray(), pairsPath + ".passages.f32", null);
        float[][] queries = await EmbedCachedAsync(embedder, pairs.Select(p => p.Query).ToArray(), pairsPath + ".queries.f32", EmbeddingPurpose.ForQuery());

        int rank = options.Rank;
        int seed = options.Seed;
        int[] order = Enumerable.Range(0, pairs.Count).ToArray();
        new Random(seed).Shuffle(order);
        int[] train = order[..trainCount];
        int[] test = order[trainCount..];

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        EmbeddingAdapterTrainingResult result = new EmbeddingAdapterTrainer(options)
            .Train(modelId, passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), train.Select(i => new EmbeddingTrainingExample(queries[i], [i])).ToArray());
        TimeSpan elapsed = stopwatch.Elapsed;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        EmbeddingAdapterReport report = result.Report;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"set {Path.GetFileName(pairsPath)}: {pairs.Count} pairs, corpus {passages.Length} passages; training pool {train.Length} (trained on {report.TrainingExamples}, validated on {report.ValidationExamples}), test {test.Length}; rank {rank}, seed {seed}, learning rate {options.LearningRate}, weight decay {options.WeightDecay}, scale {options.Scale}, hard negatives {options.HardNegatives}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training: {elapsed.TotalSeconds:F1} s, {report.Epochs} epochs (best {report.BestEpoch}), {allocated / 1048576.0:F0} MB allocated, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB"));
        Console.WriteLine($"validation: base {report.BaseValidation}; adapted {report.AdaptedValidation}");
        if (result.Adapter is not EmbeddingAdapter adapter)
        {
            Console.WriteLine("the adapter did not beat the base embedder on the validation split: none produced");
            return 0;
        }

        float[][] adapted = queries.Select(q =>
        {
            float[] v = new float[q.Length];
            adapter.Apply(q, v);
            return v;
        }).ToArray();
        double[][] baseRows = test.Select(i => Measures(Rank(queries[i], passages, i))).ToArray();
        double[][] adaptedRows = test.Select(i => Measures(Rank(adapted[i], passages, i))).ToArray();
        double[][] both = baseRows.Zip(adaptedRows, (b, a) => b.Concat(a).Concat(a.Zip(b, (x, y) => x - y)).ToArray()).ToArray();
        (double[] low, _, double[] high, double[] mean) = Bootstrap.Resample(both, BootstrapSamples, 0.95, seed);

        Console.WriteLine();
        Console.WriteLine("| test split | hit@1 | hit@3 | MRR@10 |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        string[] labels = ["base all-MiniLM-L6-v2", "adapted", "difference"];
        for (int row = 0; row < 3; row++)
        {
            string cells = string.Join(" | ", Enumerable.Range(0, 3).Select(m =>
            {
                int k = (row * 3) + m;
                return string.Create(CultureInfo.InvariantCulture, $"{mean[k]:F3} [{low[k]:F3}, {high[k]:F3}]");
            }));
            Console.WriteLine($"| {labels[row]} | {cells} |");
        }

        return 0;
    }

    private static double[] Measures(int rank) => [rank == 1 ? 1 : 0, rank <= 3 ? 1 : 0, rank <= 10 ? 1.0 / rank : 0];

    /// <summary>The rank of passage <paramref name="relevant"/> among all passages for <paramref name="query"/> (1 is first).</summary>
    private static int Rank(float[] query, float[][] passages, int relevant)
    {
        float target = TensorPrimitives.Dot(query, passages[relevant]);
        int rank = 1;
        for (int j = 0; j < passages.Length; j++)
        {
            if (j != relevant && TensorPrimitives.Dot(query, passages[j]) > target)
            {
                rank++;
            }
        }

        return rank;
    }

    internal static async Task<float[][]> EmbedCachedAsync(OnnxEmbeddingGenerator embedder, string[] texts, string cache, EmbeddingGenerationOptions? options)
    {
        const int Dimensions = 384;
        if (File.Exists(cache) && new FileInfo(cache).Length == (long)texts.Length * Dimensions * sizeof(float))
        {
            byte[] bytes = await File.ReadAllBytesAsync(cache);
            float[] all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            return Enumerable.Range(0, texts.Length).Select(i => all.AsSpan(i * Dimensions, Dimensions).ToArray()).ToArray();
        }

        var result = new List<float[]>(texts.Length);
        for (int start = 0; start < texts.Length; start += 256)
        {
            GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(texts.Skip(start).Take(256), options);
            result.AddRange(embeddings.Select(e => e.Vector.ToArray()));
        }

        await File.WriteAllBytesAsync(cache, result.SelectMany(v => System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray()).ToArray());
        return [.. result];
    }
}
