namespace Llm.Stack.Evaluation;

/// <summary>
/// Accumulates sacreBLEU's sufficient statistics (hypothesis length, closest reference length, clipped matches and
/// totals per order) segment by segment. Not thread-safe: one instance per call.
/// </summary>
/// <remarks>
/// N-grams are interned per segment into dense integer ids: a unigram's id is its token's id, and an n-gram's id is
/// the id of the pair (id of its first n-1 tokens, id of its last token), so every n-gram of any order costs one
/// dictionary lookup and no n-gram string or tuple is allocated. Only reference n-grams are interned; a hypothesis
/// n-gram that is not found cannot match. The dictionaries are cleared and reused between segments.
/// </remarks>
internal sealed class BleuStatistics
{
    private readonly BleuOptions _options;
    private readonly int _maxOrder;
    private readonly Dictionary<string, int> _vocabulary = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _pairs = [];
    private readonly List<int> _orderOfId = [];
    private readonly Dictionary<int, int> _referenceMax = [];
    private readonly Dictionary<int, int> _oneReference = [];
    private readonly Dictionary<int, int> _hypothesisCounts = [];
    private readonly List<string> _hypothesisTokens = [];
    private readonly List<string> _tokens = [];
    private readonly List<int> _ids = [];
    private readonly List<int> _ngramIds = [];

    public BleuStatistics(BleuOptions options)
    {
        _options = options;
        _maxOrder = options.MaxNgramOrder;
        Correct = new int[_maxOrder];
        Total = new int[_maxOrder];
    }

    public int[] Correct { get; }

    public int[] Total { get; }

    public int HypothesisLength { get; private set; }

    public int ReferenceLength { get; private set; }

    /// <summary>Adds one segment; returns <see langword="false"/> (adding nothing) when every reference is <see langword="null"/>.</summary>
    public bool AddSegment(string hypothesis, ReadOnlySpan<string?> references)
    {
        _vocabulary.Clear();
        _pairs.Clear();
        _orderOfId.Clear();
        _referenceMax.Clear();
        _hypothesisCounts.Clear();

        _hypothesisTokens.Clear();
        BleuTokenizers.Tokenize(_options.Tokenizer, Preprocess(hypothesis), _hypothesisTokens);
        var hypLength = _hypothesisTokens.Count;

        // sacreBLEU's _get_closest_ref_len: the first smallest difference, the shorter reference on a tie.
        var closestDiff = -1;
        var closestLength = -1;
        foreach (var reference in references)
        {
            if (reference is null)
            {
                continue;
            }

            _tokens.Clear();
            BleuTokenizers.Tokenize(_options.Tokenizer, Preprocess(reference), _tokens);
            var length = _tokens.Count;
            var diff = Math.Abs(hypLength - length);
            if (closestDiff == -1 || diff < closestDiff)
            {
                closestDiff = diff;
                closestLength = length;
            }
            else if (diff == closestDiff && length < closestLength)
            {
                closestLength = length;
            }

            ToIds(_tokens, intern: true);
            Ngrams(intern: true);
            _oneReference.Clear();
            foreach (var id in _ngramIds)
            {
                _oneReference[id] = _oneReference.GetValueOrDefault(id) + 1;
            }

            foreach (var (id, count) in _oneReference)
            {
                if (count > _referenceMax.GetValueOrDefault(id))
                {
                    _referenceMax[id] = count;
                }
            }
        }

        if (closestLength < 0)
        {
            return false;
        }

        for (var n = 1; n <= _maxOrder; n++)
        {
            Total[n - 1] += Math.Max(0, hypLength - n + 1);
        }

        ToIds(_hypothesisTokens, intern: false);
        Ngrams(intern: false);
        foreach (var id in _ngramIds)
        {
            if (id >= 0)
            {
                _hypothesisCounts[id] = _hypothesisCounts.GetValueOrDefault(id) + 1;
            }
        }

        foreach (var (id, count) in _hypothesisCounts)
        {
            Correct[_orderOfId[id] - 1] += Math.Min(count, _referenceMax.GetValueOrDefault(id));
        }

        HypothesisLength += hypLength;
        ReferenceLength += closestLength;
        return true;
    }

    public BleuScore Compute(bool effectiveOrder) =>
        BleuScorer.Compute(Correct, Total, HypothesisLength, ReferenceLength, _options.Smoothing, _options.SmoothingValue, effectiveOrder);

    private string Preprocess(string text)
    {
        if (_options.Lowercase)
        {
            text = text.ToLowerInvariant();
        }

        var trimmed = PythonText.TrimEnd(text);
        return trimmed.Length == text.Length ? text : trimmed.ToString();
    }

    private void ToIds(List<string> tokens, bool intern)
    {
        _ids.Clear();
        foreach (var token in tokens)
        {
            if (_vocabulary.TryGetValue(token, out var id))
            {
                _ids.Add(id);
            }
            else if (intern)
            {
                id = _orderOfId.Count;
                _orderOfId.Add(1);
                _vocabulary.Add(token, id);
                _ids.Add(id);
            }
            else
            {
                _ids.Add(-1);
            }
        }
    }

    private void Ngrams(bool intern)
    {
        _ngramIds.Clear();
        for (var start = 0; start < _ids.Count; start++)
        {
            var id = _ids[start];
            _ngramIds.Add(id);
            for (var order = 2; order <= _maxOrder && start + order <= _ids.Count; order++)
            {
                var next = _ids[start + order - 1];
                if (id >= 0 && next >= 0)
                {
                    var key = ((long)id << 32) | (uint)next;
                    if (!_pairs.TryGetValue(key, out var pairId))
                    {
                        if (intern)
                        {
                            pairId = _orderOfId.Count;
                            _orderOfId.Add(order);
                            _pairs.Add(key, pairId);
                        }
                        else
                        {
                            pairId = -1;
                        }
                    }

                    id = pairId;
                }
                else
                {
                    id = -1;
                }

                _ngramIds.Add(id);
            }
        }
    }
}
