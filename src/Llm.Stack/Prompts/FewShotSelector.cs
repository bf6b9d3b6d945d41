using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Chooses the few-shot examples most useful for the current input: by embedding similarity with maximal
/// marginal relevance (relevant but not redundant) when an embedding generator is given, otherwise by word
/// n-gram overlap (unigrams and bigrams); the chosen examples are then cut to a token budget.
/// </summary>
/// <remarks>
/// The examples' embeddings are computed once, on first use. Thread-safe when the embedding generator is.
/// </remarks>
public sealed class FewShotSelector
{
    private readonly FewShotExample[] _examples;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly Tokenizer _tokenizer;
    private readonly HashSet<string>[] _grams;
    private readonly Lazy<Task<ReadOnlyMemory<float>[]>>? _embeddings;

    /// <summary>Initializes a new instance of the <see cref="FewShotSelector"/> class.</summary>
    /// <param name="examples">The pool of examples.</param>
    /// <param name="embeddingGenerator">Embeds inputs for similarity; <see langword="null"/> to select by n-gram overlap.</param>
    /// <param name="tokenizer">Counts tokens for the budget; <see langword="null"/> for <c>cl100k_base</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="examples"/> or one of them is <see langword="null"/>.</exception>
    public FewShotSelector(IReadOnlyList<FewShotExample> examples, IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null, Tokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        _examples = examples.ToArray();
        foreach (FewShotExample e in _examples)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(examples));
        }

        _embeddingGenerator = embeddingGenerator;
        _tokenizer = tokenizer ?? PromptBudget.DefaultTokenizer;
        _grams = _examples.Select(e => Grams(e.Input)).ToArray();
        if (embeddingGenerator is not null)
        {
            _embeddings = new Lazy<Task<ReadOnlyMemory<float>[]>>(async () =>
            {
                GeneratedEmbeddings<Embedding<float>> generated = await embeddingGenerator.GenerateAsync(_examples.Select(e => e.Input)).ConfigureAwait(false);
                return generated.Select(g => g.Vector).ToArray();
            });
        }
    }

    /// <summary>Gets the trade-off between relevance (1) and diversity (0) of embedding selection.</summary>
    /// <value>The default value is 0.7.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1].</exception>
    public double Lambda
    {
        get;
        init
        {
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Lambda must lie in [0, 1].");
            }

            field = value;
        }
    } = 0.7;

    /// <summary>Selects up to <paramref name="count"/> examples for <paramref name="input"/>, best first, within <paramref name="maxTokens"/>.</summary>
    /// <param name="input">The current input.</param>
    /// <param name="count">The most examples to return.</param>
    /// <param name="maxTokens">The most tokens the examples may take together (input, output and 8 tokens of message overhead each); <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The selected examples, most useful first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="maxTokens"/> is negative.</exception>
    public async Task<IReadOnlyList<FewShotExample>> SelectAsync(string input, int count, int? maxTokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (maxTokens is int m)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(m, nameof(maxTokens));
        }

        if (count == 0 || _examples.Length == 0)
        {
            return [];
        }

        IReadOnlyList<int> order;
        if (_embeddings is not null)
        {
            ReadOnlyMemory<float>[] vectors = await _embeddings.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            Embedding<float> query = await _embeddingGenerator!.GenerateAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false);
            order = MaximalMarginalRelevance.Select(query.Vector.Span, vectors, _examples.Length, Lambda);
        }
        else
        {
            HashSet<string> grams = Grams(input);
            order = Enumerable.Range(0, _examples.Length)
                .Select(i => (Index: i, Score: Overlap(grams, _grams[i])))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Index)
                .Select(x => x.Index).ToList();
        }

        var result = new List<FewShotExample>(Math.Min(count, order.Count));
        int used = 0;
        foreach (int i in order)
        {
            if (result.Count == count)
            {
                break;
            }

            int cost = _tokenizer.CountTokens(_examples[i].Input) + _tokenizer.CountTokens(_examples[i].Output) + 8;
            if (maxTokens is int budget && used + cost > budget)
            {
                continue; // a shorter, less similar example may still fit
            }

            used += cost;
            result.Add(_examples[i]);
        }

        return result;
    }

    private static HashSet<string> Grams(string text)
    {
        List<string> words = TextSegmentation.ContentWords(text);
        var grams = new HashSet<string>(words, StringComparer.Ordinal);
        for (int i = 1; i < words.Count; i++)
        {
            grams.Add(words[i - 1] + " " + words[i]);
        }

        return grams;
    }

    private static double Overlap(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }

        int shared = 0;
        foreach (string g in a)
        {
            if (b.Contains(g))
            {
                shared++;
            }
        }

        return shared / (double)(a.Count + b.Count - shared); // Jaccard
    }
}
