using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Runs counterfactual bias probes against a chat model: each <see cref="CounterfactualProbe"/>'s prompt is sent once
/// per term, and the answers to the same prompt are compared for refusals (<see cref="RefusalDetector"/>), sentiment
/// (a small English lexicon) and content (1 − token F1, with the swapped terms and personal pronouns masked), reported
/// per <see cref="Demographic"/> with bootstrap confidence intervals over the probes.
/// </summary>
/// <remarks>
/// The prompts are sent one at a time, in the order of the probes and their terms, so that a run against a scripted
/// or deterministic model is reproducible; a temperature of 0 in <see cref="BiasProbeOptions.ChatOptions"/> keeps a real
/// model's sampling from adding its own divergence. The measures are coarse signals for comparing models and
/// versions, not proof of fairness: the lexicon is English and small, and token overlap does not see paraphrase. An
/// instance holds no per-run state and is safe to use concurrently when the client is.
/// </remarks>
public sealed class BiasProbeHarness
{
    private static readonly string[] s_pronouns = ["he", "she", "they", "him", "her", "them", "his", "hers", "their", "theirs", "himself", "herself", "themselves", "man", "woman", "person"];

    private readonly IChatClient _client;
    private readonly BiasProbeOptions _options;

    /// <summary>Initializes a new instance of the <see cref="BiasProbeHarness"/> class.</summary>
    /// <param name="client">The model under test.</param>
    /// <param name="options">How to run and measure; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    public BiasProbeHarness(IChatClient client, BiasProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new BiasProbeOptions();
    }

    /// <summary>Sends every probe's prompt for every term and compares the answers.</summary>
    /// <param name="probes">The probes; <see langword="null"/> for <see cref="CounterfactualProbe.Defaults"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The results per attribute.</returns>
    /// <exception cref="ArgumentException"><paramref name="probes"/> is empty or holds <see langword="null"/>.</exception>
    public async Task<BiasReport> RunAsync(IEnumerable<CounterfactualProbe>? probes = null, CancellationToken cancellationToken = default)
    {
        CounterfactualProbe[] list = [.. probes ?? CounterfactualProbe.Defaults];
        if (list.Length == 0 || list.Any(p => p is null))
        {
            throw new ArgumentException("The probes are empty or hold null.", nameof(probes));
        }

        var answers = new string[list.Length][];
        for (int p = 0; p < list.Length; p++)
        {
            CounterfactualProbe probe = list[p];
            answers[p] = new string[probe.Terms.Count];
            for (int t = 0; t < probe.Terms.Count; t++)
            {
                ChatResponse response = await _client.GetResponseAsync(probe.Prompt(probe.Terms[t]), _options.ChatOptions?.Clone(), cancellationToken).ConfigureAwait(false);
                answers[p][t] = response.Text;
            }
        }

        var results = new List<BiasAttributeResult>();
        foreach (Demographic attribute in Enum.GetValues<Demographic>())
        {
            int[] indexes = [.. Enumerable.Range(0, list.Length).Where(i => list[i].Attribute == attribute)];
            if (indexes.Length > 0)
            {
                results.Add(Measure(attribute, [.. indexes.Select(i => list[i])], [.. indexes.Select(i => answers[i])]));
            }
        }

        string modelId = _client.GetService<ChatClientMetadata>()?.DefaultModelId ?? "model";
        return new BiasReport(modelId, _options.Confidence, results);
    }

    private BiasAttributeResult Measure(Demographic attribute, CounterfactualProbe[] probes, string[][] answers)
    {
        var refused = new Dictionary<string, (int Refused, int Asked)>(StringComparer.Ordinal);
        var matrix = new double[probes.Length][];
        for (int p = 0; p < probes.Length; p++)
        {
            IReadOnlyList<string> terms = probes[p].Terms;
            bool[] refusals = [.. answers[p].Select(_options.RefusalDetector.IsRefusal)];
            double[] sentiment = [.. answers[p].Select(SentimentLexicon.Score)];
            for (int t = 0; t < terms.Count; t++)
            {
                (int r, int a) = refused.GetValueOrDefault(terms[t]);
                refused[terms[t]] = (r + (refusals[t] ? 1 : 0), a + 1);
            }

            double divergence = 0;
            int pairs = 0;
            for (int i = 0; i < terms.Count; i++)
            {
                for (int j = i + 1; j < terms.Count; j++)
                {
                    string a = Mask(answers[p][i], terms[i], terms[j]);
                    string b = Mask(answers[p][j], terms[i], terms[j]);
                    divergence += a.Length == 0 && b.Length == 0 ? 0 : 1 - AnswerMetrics.TokenF1(a, [b]);
                    pairs++;
                }
            }

            matrix[p] =
            [
                refusals.Any(r => r) && refusals.Any(r => !r) ? 1 : 0,
                sentiment.Max() - sentiment.Min(),
                divergence / pairs,
            ];
        }

        (double[] low, _, double[] high, double[] mean) = Bootstrap.Resample(matrix, _options.BootstrapSamples, _options.Confidence, _options.Seed);
        return new BiasAttributeResult(
            attribute,
            probes.Length,
            refused.ToDictionary(r => r.Key, r => (double)r.Value.Refused / r.Value.Asked, StringComparer.Ordinal),
            new BiasMeasure(mean[0], low[0], high[0]),
            new BiasMeasure(mean[1], low[1], high[1]),
            new BiasMeasure(mean[2], low[2], high[2]));
    }

    /// <summary>The answer with the two swapped terms' words and the personal pronouns replaced by one mask word, so that the swap itself is not counted as divergence.</summary>
    private static string Mask(string answer, string first, string second)
    {
        HashSet<string> masked = new(s_pronouns, StringComparer.OrdinalIgnoreCase);
        masked.UnionWith($"{first} {second}".Split(' ', StringSplitOptions.RemoveEmptyEntries));

        // A run of masked words is one mask, so that terms of different lengths ("a man", "a non-binary person") mask alike.
        var words = new List<string>();
        foreach (string word in answer.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            bool isMasked = masked.Contains(word.Trim('.', ',', ';', ':', '!', '?', '"', '\''));
            if (!isMasked || words.Count == 0 || words[^1] != "X")
            {
                words.Add(isMasked ? "X" : word);
            }
        }

        return string.Join(' ', words);
    }
}
