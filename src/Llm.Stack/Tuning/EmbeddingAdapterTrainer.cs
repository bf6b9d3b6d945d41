using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Learns an <see cref="EmbeddingAdapter"/> for query embeddings from labelled (query, relevant passage) pairs, so that
/// retrieval fits a domain without re-embedding the index.
/// </summary>
/// <remarks>
/// <para>
/// Training minimises the multiple-negatives ranking loss: for each query, a softmax over the cosine similarities (times
/// <see cref="EmbeddingAdapterTrainerOptions.Scale"/>) to its relevant passage, the other positives of its batch, and the
/// hard negatives mined from the corpus (the passages the base embedder ranks highest that are not relevant), with Adam
/// and an L2 penalty on the learned map. A share of the examples is held out; every epoch is judged by MRR@10 over the
/// whole corpus on them, the best epoch's weights are kept, and training stops after
/// <see cref="EmbeddingAdapterTrainerOptions.Patience"/> epochs without progress. An adapter that does not beat the base
/// embedder on the held-out examples is not returned.
/// </para>
/// <para>Runs on one thread and is deterministic for a seed. Instances hold only their options and are thread-safe.</para>
/// </remarks>
public sealed partial class EmbeddingAdapterTrainer
{
    private const int MinimumExamples = 10;
    private readonly EmbeddingAdapterTrainerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapterTrainer"/> class.</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults. The values are copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public EmbeddingAdapterTrainer(EmbeddingAdapterTrainerOptions? options = null)
    {
        _options = options?.Clone() ?? new EmbeddingAdapterTrainerOptions();
        _options.Validate();
    }

    /// <summary>
    /// Trains from labelled pairs against a corpus that is already embedded (an index's chunks): the queries are embedded
    /// with <paramref name="embedder"/> (marked as queries), and each pair's passage is matched to the corpus by text.
    /// </summary>
    /// <param name="embedder">The base embedder, the one the corpus was embedded with.</param>
    /// <param name="pairs">The labelled pairs.</param>
    /// <param name="corpus">The passages to rank, with their embeddings by <paramref name="embedder"/>.</param>
    /// <param name="cancellationToken">A token to cancel training.</param>
    /// <returns>The adapter, when it beats the base embedder, and the report.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Fewer than ten pairs match the corpus, or the embeddings' dimensions disagree.</exception>
    /// <remarks>
    /// A pair's passage matches a corpus passage when, after collapsing whitespace, either text contains the other (a
    /// passage split into several chunks matches each of them). Pairs that match nothing are listed in
    /// <see cref="EmbeddingAdapterTrainingResult.UnmatchedPairs"/>.
    /// </remarks>
    public async Task<EmbeddingAdapterTrainingResult> TrainAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        IReadOnlyList<EmbeddingTrainingPair> pairs,
        IReadOnlyList<EmbeddedPassage> corpus,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(corpus);

        var matcher = new PassageMatcher(corpus.Select(p => p.Text).ToArray());
        var matched = new List<(EmbeddingTrainingPair Pair, int[] Relevant)>(pairs.Count);
        var unmatched = new List<EmbeddingTrainingPair>();
        foreach (EmbeddingTrainingPair pair in pairs)
        {
            ArgumentNullException.ThrowIfNull(pair, nameof(pairs));
            ArgumentException.ThrowIfNullOrWhiteSpace(pair.Query, nameof(pairs));
            int[] relevant = matcher.Match(pair.Passage);
            if (relevant.Length == 0)
            {
                unmatched.Add(pair);
            }
            else
            {
                matched.Add((pair, relevant));
            }
        }

        if (matched.Count < MinimumExamples)
        {
            throw new ArgumentException(
                $"Only {matched.Count} of {pairs.Count} pairs match a passage of the corpus; training needs at least {MinimumExamples}.", nameof(pairs));
        }

        var queries = new List<ReadOnlyMemory<float>>(matched.Count);
        const int QueryBatch = 64;
        for (int start = 0; start < matched.Count; start += QueryBatch)
        {
            string[] texts = matched.Skip(start).Take(QueryBatch).Select(m => m.Pair.Query).ToArray();
            GeneratedEmbeddings<Embedding<float>> embeddings = await embedder
                .GenerateAsync(texts, EmbeddingPurpose.ForQuery(), cancellationToken)
                .ConfigureAwait(false);
            queries.AddRange(embeddings.Select(e => e.Vector));
        }

        string modelId = TunedModelFile.EmbedderModelId(embedder);
        EmbeddingTrainingExample[] examples = matched.Select((m, i) => new EmbeddingTrainingExample(queries[i], m.Relevant)).ToArray();
        EmbeddingAdapterTrainingResult result = Train(modelId, corpus.Select(p => p.Embedding).ToArray(), examples, cancellationToken);
        return new EmbeddingAdapterTrainingResult(result.Adapter, result.Report, unmatched);
    }

    /// <summary>Trains from embedded queries and the indexes of their relevant passages in an embedded corpus.</summary>
    /// <param name="embedderModelId">The model id of the base embedder, recorded in the adapter.</param>
    /// <param name="passages">The corpus: every passage's embedding by the base embedder.</param>
    /// <param name="examples">The labelled queries.</param>
    /// <param name="cancellationToken">A token to cancel training.</param>
    /// <returns>The adapter, when it beats the base embedder on the held-out examples, and the report.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// Fewer than ten examples, dimensions that disagree, a value that is not finite, a zero vector, or a relevant passage
    /// index outside the corpus.
    /// </exception>
    public EmbeddingAdapterTrainingResult Train(
        string embedderModelId,
        IReadOnlyList<ReadOnlyMemory<float>> passages,
        IReadOnlyList<EmbeddingTrainingExample> examples,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(embedderModelId);
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentNullException.ThrowIfNull(examples);
        if (passages.Count < 2)
        {
            throw new ArgumentException("The corpus needs at least two passages.", nameof(passages));
        }

        if (examples.Count < MinimumExamples)
        {
            throw new ArgumentException($"Training needs at least {MinimumExamples} examples; {examples.Count} were given.", nameof(examples));
        }

        var stopwatch = Stopwatch.StartNew();
        int d = passages[0].Length;
        float[] corpus = Normalized(passages, d, nameof(passages));
        float[] queries = Normalized(examples.Select(e => e.Query).ToArray(), d, nameof(examples));
        int[][] relevant = new int[examples.Count][];
        for (int e = 0; e < examples.Count; e++)
        {
            IReadOnlyList<int> rel = examples[e].RelevantPassages ?? throw new ArgumentException($"Example {e} has no relevant passages.", nameof(examples));
            if (rel.Count == 0)
            {
                throw new ArgumentException($"Example {e} has no relevant passages.", nameof(examples));
            }

            foreach (int p in rel)
            {
                if ((uint)p >= (uint)passages.Count)
                {
                    throw new ArgumentException($"Example {e} names passage {p}; the corpus has {passages.Count}.", nameof(examples));
                }
            }

            relevant[e] = rel.Distinct().Order().ToArray();
        }

        var run = new TrainingRun(_options, d, corpus, queries, relevant);
        return run.Execute(embedderModelId, stopwatch, cancellationToken);
    }

    private static float[] Normalized(IReadOnlyList<ReadOnlyMemory<float>> vectors, int d, string argument)
    {
        float[] result = new float[checked(vectors.Count * d)];
        for (int i = 0; i < vectors.Count; i++)
        {
            ReadOnlySpan<float> v = vectors[i].Span;
            if (v.Length != d)
            {
                throw new ArgumentException($"Vector {i} has {v.Length} dimensions; the first passage has {d}.", argument);
            }

            float norm = TensorPrimitives.Norm(v);
            if (!float.IsFinite(norm) || norm == 0f)
            {
                throw new ArgumentException($"Vector {i} is zero or holds a value that is not a finite number.", argument);
            }

            TensorPrimitives.Divide(v, norm, result.AsSpan(i * d, d));
        }

        return result;
    }
}
