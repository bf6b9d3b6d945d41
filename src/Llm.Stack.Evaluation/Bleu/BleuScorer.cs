namespace Llm.Stack.Evaluation;

/// <summary>
/// Computes BLEU exactly as sacreBLEU does: the same tokenizers, n-gram clipping against any number of references,
/// closest reference length (the shorter on a tie), brevity penalty, smoothing methods and effective order.
/// </summary>
/// <remarks>
/// <para>
/// The entry points mirror sacreBLEU's <c>BLEU(...).corpus_score(sys, refs)</c> and <c>sentence_score(hyp, refs)</c>.
/// With the default options, <see cref="CorpusScore"/> gives sacreBLEU's default signature
/// <c>case:mixed|eff:no|tok:13a|smooth:exp</c> and <see cref="SentenceScore"/> gives <c>sacrebleu.sentence_bleu</c>
/// (the same, with effective order on).
/// </para>
/// <para>Instances are immutable and safe to use concurrently from several threads.</para>
/// </remarks>
public sealed class BleuScorer
{
    private readonly BleuOptions _options;

    /// <summary>Initializes a new instance of the <see cref="BleuScorer"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for sacreBLEU's defaults. The scorer keeps a copy.</param>
    public BleuScorer(BleuOptions? options = null)
    {
        _options = options?.Clone() ?? new BleuOptions();
    }

    /// <summary>
    /// Computes corpus-level BLEU, as sacreBLEU's <c>corpus_score(hypotheses, references)</c>: the n-gram
    /// statistics of every segment are summed, then turned into one score.
    /// </summary>
    /// <param name="hypotheses">The system outputs, one per segment.</param>
    /// <param name="referenceStreams">
    /// The reference streams: each stream holds one reference per segment, in the order of
    /// <paramref name="hypotheses"/> (sacreBLEU's <c>refs</c>, for example <c>[refs_1, refs_2]</c> for two
    /// references per segment). A <see langword="null"/> entry means that stream has no reference for that
    /// segment, which allows a variable number of references; an empty string is a reference with no tokens.
    /// </param>
    /// <returns>The corpus score.</returns>
    /// <exception cref="ArgumentNullException">An argument, a hypothesis or a stream is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// There is no hypothesis or no stream, a stream's length differs from the number of hypotheses, or a segment has
    /// no reference in any stream.
    /// </exception>
    public BleuScore CorpusScore(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(referenceStreams);
        if (hypotheses.Count == 0)
        {
            throw new ArgumentException("At least one hypothesis is required.", nameof(hypotheses));
        }

        if (referenceStreams.Count == 0)
        {
            throw new ArgumentException("At least one reference stream is required.", nameof(referenceStreams));
        }

        for (var s = 0; s < referenceStreams.Count; s++)
        {
            var stream = referenceStreams[s] ?? throw new ArgumentNullException(nameof(referenceStreams), $"Reference stream {s} is null.");
            if (stream.Count != hypotheses.Count)
            {
                throw new ArgumentException(
                    $"Reference stream {s} has {stream.Count} segments but there are {hypotheses.Count} hypotheses; each stream holds one reference per hypothesis.",
                    nameof(referenceStreams));
            }
        }

        var effective = _options.EffectiveOrder ?? false;
        var counter = new BleuStatistics(_options);
        var references = new string?[referenceStreams.Count];
        for (var i = 0; i < hypotheses.Count; i++)
        {
            var hypothesis = hypotheses[i] ?? throw new ArgumentNullException(nameof(hypotheses), $"Hypothesis {i} is null.");
            for (var s = 0; s < references.Length; s++)
            {
                references[s] = referenceStreams[s][i];
            }

            if (!counter.AddSegment(hypothesis, references))
            {
                throw new ArgumentException($"Segment {i} has no reference in any stream.", nameof(referenceStreams));
            }
        }

        return counter.Compute(effective);
    }

    /// <summary>
    /// Computes sentence-level BLEU of one hypothesis against one or more references, as sacreBLEU's
    /// <c>sentence_score(hypothesis, references)</c>.
    /// </summary>
    /// <param name="hypothesis">The system output.</param>
    /// <param name="references">The references of this one segment; <see langword="null"/> entries are skipped.</param>
    /// <returns>The sentence score. Unless <see cref="BleuOptions.EffectiveOrder"/> is set to <see langword="false"/>, effective order is on.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hypothesis"/> or <paramref name="references"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="references"/> holds no reference.</exception>
    public BleuScore SentenceScore(string hypothesis, IReadOnlyList<string> references)
    {
        ArgumentNullException.ThrowIfNull(hypothesis);
        ArgumentNullException.ThrowIfNull(references);
        var counter = new BleuStatistics(_options);
        var refs = new string?[references.Count];
        for (var i = 0; i < refs.Length; i++)
        {
            refs[i] = references[i];
        }

        if (!counter.AddSegment(hypothesis, refs))
        {
            throw new ArgumentException("At least one reference is required.", nameof(references));
        }

        return counter.Compute(_options.EffectiveOrder ?? true);
    }

    /// <summary>Computes BLEU from sufficient statistics, as sacreBLEU's <c>BLEU.compute_bleu</c>.</summary>
    internal static BleuScore Compute(
        int[] correct, int[] total, int hypothesisLength, int referenceLength, BleuSmoothing smoothing, double? smoothingValue, bool effectiveOrder)
    {
        var maxOrder = correct.Length;
        var value = smoothingValue ?? smoothing switch
        {
            BleuSmoothing.Floor => 0.1,
            BleuSmoothing.AddK => 1.0,
            _ => 0.0,
        };

        var bp = 1.0;
        if (hypothesisLength < referenceLength)
        {
            bp = hypothesisLength > 0 ? Math.Exp(1 - ((double)referenceLength / hypothesisLength)) : 0.0;
        }

        var precisions = new double[maxOrder];
        if (Array.TrueForAll(correct, c => c == 0))
        {
            return new BleuScore(0.0, correct, total, precisions, bp, hypothesisLength, referenceLength);
        }

        var smoothMteval = 1.0;
        var effOrder = maxOrder;
        for (var n = 1; n <= maxOrder; n++)
        {
            double c = correct[n - 1];
            double t = total[n - 1];
            if (smoothing == BleuSmoothing.AddK && n > 1)
            {
                c += value;
                t += value;
            }

            if (t == 0)
            {
                break;
            }

            if (effectiveOrder)
            {
                effOrder = n;
            }

            if (c == 0)
            {
                if (smoothing == BleuSmoothing.Exponential)
                {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * t);
                }
                else if (smoothing == BleuSmoothing.Floor)
                {
                    precisions[n - 1] = 100.0 * value / t;
                }
            }
            else
            {
                precisions[n - 1] = 100.0 * c / t;
            }
        }

        var sum = 0.0;
        for (var i = 0; i < effOrder; i++)
        {
            sum += precisions[i] == 0.0 ? -9999999999 : Math.Log(precisions[i]);
        }

        var score = bp * Math.Exp(sum / effOrder);
        return new BleuScore(score, correct, total, precisions, bp, hypothesisLength, referenceLength);
    }
}
