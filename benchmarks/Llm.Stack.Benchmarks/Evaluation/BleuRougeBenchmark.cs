using BenchmarkDotNet.Attributes;
using Llm.Stack.Evaluation;

namespace Llm.Stack.Benchmarks.Evaluation;

/// <summary>
/// BLEU and ROUGE throughput on 10,000 synthetic segment pairs (hypotheses are references with about a third of the
/// words replaced, dropped or inserted; 15-35 words with punctuation). Divide the mean by 10,000 for the per-segment cost.
/// </summary>
[MemoryDiagnoser]
public class BleuRougeBenchmark
{
    private const int Segments = 10_000;
    private string[] _hypotheses = [];
    private string[] _references = [];
    private BleuScorer _bleu = null!;
    private RougeScorer _rouge = null!;
    private RougeScorer _rougeStemmed = null!;
    private RougeScorer _rougeLsum = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1234);
        string[] vocabulary =
        [
            "the", "a", "model", "answer", "question", "document", "retrieval", "evaluation", "running", "jumps", "quickly",
            "generation", "of", "in", "to", "and", "is", "was", "were", "dog", "man", "bit", "surprising", "translations",
            "summaries", "metrics", "scores", "reference", "hypothesis", "tokens", "language", "large", "small", "fast",
        ];
        _hypotheses = new string[Segments];
        _references = new string[Segments];
        for (var i = 0; i < Segments; i++)
        {
            var words = Enumerable.Range(0, random.Next(15, 36)).Select(_ => vocabulary[random.Next(vocabulary.Length)]).ToList();
            _references[i] = string.Join(' ', words) + ".";
            var hyp = new List<string>();
            foreach (var w in words)
            {
                var roll = random.NextDouble();
                if (roll < 0.1)
                {
                    continue;
                }

                hyp.Add(roll < 0.25 ? vocabulary[random.Next(vocabulary.Length)] : w);
                if (roll > 0.92)
                {
                    hyp.Add(vocabulary[random.Next(vocabulary.Length)] + ",");
                }
            }

            _hypotheses[i] = string.Join(' ', hyp) + ".";
        }

        _bleu = new BleuScorer();
        _rouge = new RougeScorer(["rouge1", "rouge2", "rougeL"]);
        _rougeStemmed = new RougeScorer(["rouge1", "rouge2", "rougeL"], useStemmer: true);
        _rougeLsum = new RougeScorer(["rougeLsum"]);
    }

    /// <summary>sacreBLEU default corpus BLEU (13a, exp smoothing) over all 10k segments.</summary>
    [Benchmark(Baseline = true)]
    public double BleuCorpus10k() => _bleu.CorpusScore(_hypotheses, [_references]).Score;

    /// <summary>Sentence BLEU of each of the 10k segments.</summary>
    [Benchmark]
    public double BleuSentence10k()
    {
        var sum = 0.0;
        for (var i = 0; i < Segments; i++)
        {
            sum += _bleu.SentenceScore(_hypotheses[i], [_references[i]]).Score;
        }

        return sum;
    }

    /// <summary>ROUGE-1, ROUGE-2 and ROUGE-L of each of the 10k segments.</summary>
    [Benchmark]
    public double Rouge12L10k()
    {
        var sum = 0.0;
        for (var i = 0; i < Segments; i++)
        {
            sum += _rouge.Score(_references[i], _hypotheses[i])["rougeL"].FMeasure;
        }

        return sum;
    }

    /// <summary>ROUGE-1, ROUGE-2 and ROUGE-L with the Porter stemmer (stems cached) of each of the 10k segments.</summary>
    [Benchmark]
    public double Rouge12LStemmed10k()
    {
        var sum = 0.0;
        for (var i = 0; i < Segments; i++)
        {
            sum += _rougeStemmed.Score(_references[i], _hypotheses[i])["rougeL"].FMeasure;
        }

        return sum;
    }

    /// <summary>ROUGE-Lsum (summary-level union LCS) of each of the 10k segments.</summary>
    [Benchmark]
    public double RougeLsum10k()
    {
        var sum = 0.0;
        for (var i = 0; i < Segments; i++)
        {
            sum += _rougeLsum.Score(_references[i], _hypotheses[i])["rougeLsum"].FMeasure;
        }

        return sum;
    }
}
