namespace Llm.Stack.VectorIndex;

/// <content>Search: MaxScore document-at-a-time pruning, the exhaustive reference path, and bounded top-k selection.</content>
public sealed partial class Bm25Index<TKey>
{
    /// <summary>Finds the documents most relevant to a keyword query.</summary>
    /// <param name="query">The query text, analyzed like the documents.</param>
    /// <param name="top">The maximum number of matches to return.</param>
    /// <param name="filter">
    /// An optional predicate over keys: the result is the top <paramref name="top"/> among the matching documents it
    /// accepts (a pre-filter, not a post-filter that could return fewer). It is called at most once per matching document,
    /// and only for documents that score high enough to enter the current top, so an expensive filter costs little.
    /// It runs under the index's read lock and must not change this index.
    /// </param>
    /// <returns>
    /// At most <paramref name="top"/> documents that contain at least one query term and pass the filter, by descending
    /// score; equal scores in the order the documents were last upserted. Empty when no document matches, including
    /// when every query word is a stop word.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is zero or negative.</exception>
    public IReadOnlyList<KeywordMatch<TKey>> Search(string query, int top, Func<TKey, bool>? filter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);

        TokenList tokens = s_tokens ??= new TokenList();
        tokens.Clear();
        _analyzer.Analyze(query, tokens);
        if (tokens.Count == 0)
        {
            return [];
        }

        _lock.EnterReadLock();
        try
        {
            return SearchMaxScore(tokens, top, filter);
        }
        finally
        {
            _lock.ExitReadLock();
            tokens.Clear();
            if (tokens.IsOversized)
            {
                s_tokens = null;
            }
        }
    }

    /// <summary>
    /// The same search as <see cref="Search"/>, by exhaustive term-at-a-time accumulation over every posting of every query
    /// term (no pruning): the reference that the pruned search is tested against.
    /// </summary>
    internal KeywordMatch<TKey>[] SearchExhaustive(string query, int top, Func<TKey, bool>? filter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        var tokens = new TokenList();
        _analyzer.Analyze(query, tokens);
        var scratch = new SearchScratch();
        _lock.EnterReadLock();
        try
        {
            return SearchCore(tokens, top, filter, scratch);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private KeywordMatch<TKey>[] SearchCore(TokenList tokens, int top, Func<TKey, bool>? filter, SearchScratch scratch)
    {
        if (_liveCount == 0)
        {
            return [];
        }

        QueryTerms query = PrepareQuery(tokens);
        scratch.EnsureCapacity(_docCount);
        double[] scores = scratch.Scores;
        int[] touched = scratch.Touched;
        int touchedCount = 0;
        int[] lengths = _lengths;
        for (int j = 0; j < query.Count; j++)
        {
            Postings postings = query.Postings[j];
            double weight = query.Weights[j];
            int[] docs = postings.Docs;
            int[] freqs = postings.Freqs;
            for (int p = 0; p < postings.Count; p++)
            {
                int doc = docs[p];
                int length = lengths[doc];
                if (length < 0)
                {
                    continue;
                }

                double current = scores[doc];
                if (current == 0)
                {
                    touched[touchedCount++] = doc;
                }

                double tf = freqs[p];
                scores[doc] = current + (weight * tf / (tf + query.C0 + (query.C1 * length)));
            }
        }

        return SelectTop(scores, touched, touchedCount, top, filter);
    }

    private KeywordMatch<TKey>[] SelectTop(double[] scores, int[] touched, int touchedCount, int top, Func<TKey, bool>? filter)
    {
        // Bounded min-heap of the best candidates: the root is the worst kept one.
        int capacity = Math.Min(top, touchedCount);
        var heapDocs = new int[capacity];
        var heapScores = new double[capacity];
        int size = 0;
        for (int i = 0; i < touchedCount; i++)
        {
            int doc = touched[i];
            double score = scores[doc];
            if (score <= 0)
            {
                continue;
            }

            // The filter runs only for a candidate that would enter the current top, at most once per document: the
            // result is the top among accepted documents, with far fewer calls than filtering every candidate.
            bool full = size == capacity;
            if (full && !BoundedHeap.Better(score, doc, heapScores[0], heapDocs[0]))
            {
                continue;
            }

            if (filter is not null && !filter(_keys[doc]))
            {
                continue;
            }

            if (!full)
            {
                heapDocs[size] = doc;
                heapScores[size] = score;
                BoundedHeap.SiftUp(heapScores, heapDocs, size);
                size++;
            }
            else
            {
                heapDocs[0] = doc;
                heapScores[0] = score;
                BoundedHeap.SiftDown(heapScores, heapDocs, size);
            }
        }

        return DrainHeap(heapDocs, heapScores, size);
    }

    private KeywordMatch<TKey>[] DrainHeap(int[] heapDocs, double[] heapScores, int size)
    {
        var result = new KeywordMatch<TKey>[size];
        for (int i = size - 1; i >= 0; i--)
        {
            result[i] = new KeywordMatch<TKey>(_keys[heapDocs[0]], heapScores[0]);
            heapDocs[0] = heapDocs[i];
            heapScores[0] = heapScores[i];
            BoundedHeap.SiftDown(heapScores, heapDocs, i);
        }

        return result;
    }

    /// <summary>
    /// Document-at-a-time search with MaxScore pruning (Turtle and Flood, 1995): query terms are ordered by the
    /// highest score they can add; once the current top is full, the low-scoring terms whose bounds add up to no more than
    /// the k-th score are "non-essential": they no longer produce candidates, and are only looked up (by galloping
    /// search in their doc-ordered postings) for documents found through the other terms, and only while the document
    /// can still enter the top. A common term therefore costs little once rarer terms have filled the top.
    /// </summary>
    private KeywordMatch<TKey>[] SearchMaxScore(TokenList tokens, int top, Func<TKey, bool>? filter)
    {
        if (_liveCount == 0)
        {
            return [];
        }

        QueryTerms query = PrepareQuery(tokens);
        int m = query.Count;
        if (m == 0)
        {
            return [];
        }

        Postings[] postings = query.Postings;
        double[] weights = query.Weights;
        double c0 = query.C0;
        double c1 = query.C1;
        int[] lengths = _lengths;

        // Order by upper bound, ascending; prefix[k] = sum of the bounds of order[0..k], inflated slightly so that rounding
        // can never prune a document that would have entered the top.
        var order = new int[m];
        var bounds = new double[m];
        for (int j = 0; j < m; j++)
        {
            order[j] = j;
            Postings p = postings[j];
            double maxTf = p.MaxFreq;
            bounds[j] = weights[j] * maxTf / (maxTf + c0 + (c1 * p.MinLength)) * (1 + 1e-9);
        }

        Array.Sort(bounds, order);
        var prefix = new double[m];
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running += bounds[k];
            prefix[k] = running;
        }

        var cursors = new int[m];
        var contributions = new double[m];
        int capacity = Math.Min(top, _liveCount);
        var heapDocs = new int[capacity];
        var heapScores = new double[capacity];
        int size = 0;
        double threshold = 0;
        int firstEssential = 0;

        while (true)
        {
            // The next candidate: the smallest current document among the essential terms.
            int doc = int.MaxValue;
            for (int k = firstEssential; k < m; k++)
            {
                int j = order[k];
                if (cursors[j] < postings[j].Count)
                {
                    doc = Math.Min(doc, postings[j].Docs[cursors[j]]);
                }
            }

            if (doc == int.MaxValue)
            {
                break;
            }

            int length = lengths[doc];
            double partial = 0;
            Array.Clear(contributions);
            for (int k = firstEssential; k < m; k++)
            {
                int j = order[k];
                Postings p = postings[j];
                if (cursors[j] < p.Count && p.Docs[cursors[j]] == doc)
                {
                    if (length >= 0)
                    {
                        double tf = p.Freqs[cursors[j]];
                        double c = weights[j] * tf / (tf + c0 + (c1 * length));
                        contributions[j] = c;
                        partial += c;
                    }

                    cursors[j]++;
                }
            }

            if (length < 0)
            {
                continue;
            }

            // Non-essential terms, highest bound first, while the document can still beat the k-th score.
            bool pruned = false;
            for (int k = firstEssential - 1; k >= 0; k--)
            {
                if (partial + prefix[k] <= threshold)
                {
                    pruned = true;
                    break;
                }

                int j = order[k];
                Postings p = postings[j];
                int at = Advance(p.Docs, cursors[j], p.Count, doc);
                cursors[j] = at;
                if (at < p.Count && p.Docs[at] == doc)
                {
                    double tf = p.Freqs[at];
                    double c = weights[j] * tf / (tf + c0 + (c1 * length));
                    contributions[j] = c;
                    partial += c;
                }
            }

            if (pruned)
            {
                continue;
            }

            // The exact score, summed in query-term (text) order so that it is bit-identical whatever the path.
            double score = 0;
            for (int j = 0; j < m; j++)
            {
                score += contributions[j];
            }

            // Documents arrive in increasing id order, so a tie never displaces an earlier document.
            bool full = size == capacity;
            if (full && !(score > heapScores[0]))
            {
                continue;
            }

            if (filter is not null && !filter(_keys[doc]))
            {
                continue;
            }

            if (!full)
            {
                heapDocs[size] = doc;
                heapScores[size] = score;
                BoundedHeap.SiftUp(heapScores, heapDocs, size);
                size++;
            }
            else
            {
                heapDocs[0] = doc;
                heapScores[0] = score;
                BoundedHeap.SiftDown(heapScores, heapDocs, size);
            }

            if (size == capacity)
            {
                threshold = heapScores[0];
                while (firstEssential < m && prefix[firstEssential] <= threshold)
                {
                    firstEssential++;
                }
            }
        }

        return DrainHeap(heapDocs, heapScores, size);
    }

    /// <summary>The first index in <c>docs[from..count)</c> whose document is at least <paramref name="doc"/> (galloping search).</summary>
    private static int Advance(int[] docs, int from, int count, int doc)
    {
        if (from >= count || docs[from] >= doc)
        {
            return from;
        }

        int step = 1;
        int low = from;
        while (low + step < count && docs[low + step] < doc)
        {
            low += step;
            step <<= 1;
        }

        int high = Math.Min(low + step, count);
        int found = Array.BinarySearch(docs, low + 1, high - low - 1, doc);
        return found >= 0 ? found : ~found;
    }

    /// <summary>The distinct query terms present in the index, in text order, with their weights qtf · idf.</summary>
    private QueryTerms PrepareQuery(TokenList tokens)
    {
        Span<int> termIds = tokens.Count <= 128 ? stackalloc int[tokens.Count] : new int[tokens.Count];
        int known = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            if (_termLookup.TryGetValue(tokens[i], out int id) && _postings[id].DocFrequency > 0)
            {
                termIds[known++] = id;
            }
        }

        // Sorted by term text, so that repeated terms are adjacent and scores are summed in the same order whatever
        // the history of the index (an index built afresh with the same contents gives bit-identical scores).
        termIds = termIds[..known];
        string[] terms = _terms;
        termIds.Sort((x, y) => string.CompareOrdinal(terms[x], terms[y]));

        double n = _liveCount;
        double k1 = _options.K1;
        double b = _options.B;
        double avgdl = (double)_totalLength / _liveCount;
        var query = new QueryTerms(known)
        {
            // denominator = tf + k1 · (1 − b + b · dl / avgdl) = tf + c0 + c1 · dl.
            C0 = k1 * (1 - b),
            C1 = avgdl > 0 ? k1 * b / avgdl : 0,
        };

        int t = 0;
        while (t < termIds.Length)
        {
            int id = termIds[t];
            int qtf = 1;
            while (t + qtf < termIds.Length && termIds[t + qtf] == id)
            {
                qtf++;
            }

            t += qtf;
            Postings postings = _postings[id];
            double df = postings.DocFrequency;
            query.Postings[query.Count] = postings;
            query.Weights[query.Count] = qtf * Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
            query.Count++;
        }

        return query;
    }

    private sealed class QueryTerms(int capacity)
    {
        public Postings[] Postings { get; } = new Postings[capacity];

        public double[] Weights { get; } = new double[capacity];

        public int Count { get; set; }

        public double C0 { get; init; }

        public double C1 { get; init; }
    }

    private sealed class SearchScratch
    {
        public double[] Scores = new double[1024];
        public int[] Touched = new int[1024];
        public int TouchedCount;

        public void EnsureCapacity(int documents)
        {
            if (Scores.Length < documents)
            {
                int size = Math.Max(documents, Scores.Length * 2);
                Scores = new double[size];
                Touched = new int[size];
            }
        }

        public void Reset()
        {
            double[] scores = Scores;
            int[] touched = Touched;
            for (int i = 0; i < TouchedCount; i++)
            {
                scores[touched[i]] = 0;
            }

            TouchedCount = 0;
        }
    }
}
