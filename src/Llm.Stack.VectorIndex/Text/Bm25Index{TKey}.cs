using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Llm.Stack.VectorIndex;

/// <summary>An in-memory BM25 keyword index: documents are texts under keys, searched by relevance to a keyword query.</summary>
/// <typeparam name="TKey">The type of the document keys.</typeparam>
/// <remarks>
/// <para>
/// <b>Scoring.</b> The score of a document d for a query q is Lucene's BM25 (<c>BM25Similarity</c> since Lucene 8):
/// <c>score(d, q) = Σ over terms t of q: qtf(t) · idf(t) · tf(t, d) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))</c>, with
/// <c>idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))</c>, where N is <see cref="Count"/>, n(t) the number of documents
/// containing t, tf(t, d) the occurrences of t in d, |d| the number of terms of d and avgdl the average of |d| over all
/// documents. The IDF is never negative, unlike the classic Robertson–Spärck Jones IDF of rank_bm25's <c>BM25Okapi</c>.
/// The classic Okapi form multiplies each term by (k1 + 1); that constant factor does not change any ranking, and this
/// index leaves it out as Lucene does. Unlike Lucene, document lengths are exact (Lucene stores them lossily in one byte),
/// so scores equal Lucene's exactly only for short documents. A term repeated in the query counts once per occurrence
/// (qtf(t) is its number of occurrences in the query), as in Lucene's <c>match</c> query and rank_bm25.
/// </para>
/// <para>
/// <b>Storage.</b> An inverted index: for each term, a postings list of (document, term frequency); for each document,
/// its length and its distinct terms. N, n(t) and the total length are maintained incrementally, so
/// <see cref="Upsert"/> and <see cref="Remove"/> cost time proportional to the document's own terms. A removed or
/// replaced document is a tombstone, skipped by searches, until the index compacts itself (when tombstones outnumber
/// live documents); compaction keeps the relative order of documents.
/// </para>
/// <para>
/// <b>Search.</b> Postings are walked document by document with MaxScore pruning (Turtle and Flood, 1995): once the
/// top <c>top</c> are found, terms whose score bounds cannot lift a document past the k-th score no longer produce
/// candidates, so a query that mixes a very common term with rare ones costs about as much as the rare ones. The
/// result is exact (the same as scoring every posting) and selected with a bounded heap, never a full sort.
/// </para>
/// <para>
/// <b>Thread safety.</b> All members are thread-safe. Any number of <see cref="Search"/>, <see cref="Save"/> and
/// <see cref="Count"/> calls run concurrently; <see cref="Upsert"/> and <see cref="Remove"/> are exclusive (a
/// reader-writer lock), so a search sees the index either before or after each change, never in between. Text analysis
/// runs outside the lock. The <c>filter</c> passed to <see cref="Search"/> runs under the read lock: it must not
/// change this index.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var index = new Bm25Index&lt;string&gt;();
/// index.Upsert("a", "The quick brown fox jumps over the lazy dog.");
/// index.Upsert("b", "A fast brown car.");
/// IReadOnlyList&lt;KeywordMatch&lt;string&gt;&gt; matches = index.Search("brown fox", top: 10);
/// // matches[0].Key == "a": both terms match; "b" matches "brown" only.
/// </code>
/// </example>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The ReaderWriterLockSlim allocates wait handles only under contention and they are finalizable; making every index IDisposable would burden all owners for no resource that matters.")]
public sealed partial class Bm25Index<TKey>
    where TKey : notnull
{
    [ThreadStatic]
    private static TokenList? s_tokens;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Bm25Options _options;
    private readonly TextAnalyzer _analyzer;
    private readonly IEqualityComparer<TKey> _comparer;
    private Dictionary<TKey, int> _docByKey;
    private Dictionary<string, int> _termIds;
    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _termLookup;

    // Terms, by term id.
    private string[] _terms = new string[16];
    private Postings[] _postings = new Postings[16];
    private int _termCount;

    // Documents, by dense document id (insertion order). A negative length marks a tombstone.
    private TKey[] _keys = new TKey[16];
    private int[] _lengths = new int[16];
    private int[] _docTermStart = new int[16];
    private int[] _docTermCount = new int[16];
    private int _docCount;
    private int _liveCount;
    private long _totalLength;

    // Each document's distinct terms as interleaved (term id, frequency) pairs.
    private int[] _docTerms = new int[64];
    private int _docTermsLength;

    // Scratch used by writers only (under the write lock).
    private int[] _writeTermIds = new int[64];

    /// <summary>Initializes a new, empty instance of the <see cref="Bm25Index{TKey}"/> class.</summary>
    /// <param name="options">The scoring and analysis options, copied; <see langword="null"/> for the defaults.</param>
    /// <param name="comparer">The key comparer; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    public Bm25Index(Bm25Options? options = null, IEqualityComparer<TKey>? comparer = null)
    {
        _options = (options ?? new Bm25Options()).Clone();
        _analyzer = new TextAnalyzer(_options);
        _comparer = comparer ?? EqualityComparer<TKey>.Default;
        _docByKey = new Dictionary<TKey, int>(_comparer);
        _termIds = new Dictionary<string, int>(StringComparer.Ordinal);
        _termLookup = _termIds.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the number of documents in the index.</summary>
    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Gets a copy of the options the index was created (or loaded) with.</summary>
    public Bm25Options Options => _options.Clone();

    /// <summary>Adds a document, or replaces the text of the document with the same key.</summary>
    /// <param name="key">The document's key.</param>
    /// <param name="text">The document's text. A text with no indexable words is kept (it counts in N) but never matches.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="text"/> is <see langword="null"/>.</exception>
    public void Upsert(TKey key, string text)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);

        TokenList tokens = s_tokens ??= new TokenList();
        tokens.Clear();
        _analyzer.Analyze(text, tokens);

        _lock.EnterWriteLock();
        try
        {
            if (_docByKey.TryGetValue(key, out int existing))
            {
                Tombstone(existing);
            }

            int doc = AddDocument(key, tokens);
            _docByKey[key] = doc;
            MaybeCompact();
        }
        finally
        {
            _lock.ExitWriteLock();
            tokens.Clear();
            if (tokens.IsOversized)
            {
                // Do not keep megabytes per thread after one huge document.
                s_tokens = null;
            }
        }
    }

    /// <summary>Removes the document with the given key.</summary>
    /// <param name="key">The document's key.</param>
    /// <returns><see langword="true"/> if the document was found and removed; otherwise, <see langword="false"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool Remove(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _lock.EnterWriteLock();
        try
        {
            if (!_docByKey.Remove(key, out int doc))
            {
                return false;
            }

            Tombstone(doc);
            MaybeCompact();
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Returns whether a document with the given key is in the index.</summary>
    /// <param name="key">The document's key.</param>
    /// <returns><see langword="true"/> if the index holds a document under <paramref name="key"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool Contains(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _lock.EnterReadLock();
        try
        {
            return _docByKey.ContainsKey(key);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private int AddDocument(TKey key, TokenList tokens)
    {
        int count = tokens.Count;
        if (_writeTermIds.Length < count)
        {
            _writeTermIds = new int[Math.Max(count, _writeTermIds.Length * 2)];
        }

        int[] ids = _writeTermIds;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<char> token = tokens[i];
            if (!_termLookup.TryGetValue(token, out int id))
            {
                id = AddTerm(new string(token));
            }

            ids[i] = id;
        }

        Array.Sort(ids, 0, count);
        int distinct = 0;
        for (int i = 0; i < count; i++)
        {
            if (i == 0 || ids[i] != ids[i - 1])
            {
                distinct++;
            }
        }

        int doc = NewDocumentSlot(key, count, distinct);
        int offset = _docTermStart[doc];
        int run = 0;
        for (int i = 0; i < count; i++)
        {
            run++;
            if (i + 1 == count || ids[i + 1] != ids[i])
            {
                _docTerms[offset++] = ids[i];
                _docTerms[offset++] = run;
                _postings[ids[i]].Add(doc, run, count);
                run = 0;
            }
        }

        return doc;
    }

    private int AddTerm(string term)
    {
        int id = _termCount;
        if (id == _terms.Length)
        {
            Array.Resize(ref _terms, id * 2);
            Array.Resize(ref _postings, id * 2);
        }

        _terms[id] = term;
        _postings[id] = new Postings();
        _termIds.Add(term, id);
        _termCount++;
        return id;
    }

    private int NewDocumentSlot(TKey key, int length, int distinctTerms)
    {
        int doc = _docCount;
        if (doc == _keys.Length)
        {
            int size = doc * 2;
            Array.Resize(ref _keys, size);
            Array.Resize(ref _lengths, size);
            Array.Resize(ref _docTermStart, size);
            Array.Resize(ref _docTermCount, size);
        }

        int needed = _docTermsLength + (2 * distinctTerms);
        if (needed > _docTerms.Length)
        {
            Array.Resize(ref _docTerms, Math.Max(needed, _docTerms.Length * 2));
        }

        _keys[doc] = key;
        _lengths[doc] = length;
        _docTermStart[doc] = _docTermsLength;
        _docTermCount[doc] = distinctTerms;
        _docTermsLength = needed;
        _docCount++;
        _liveCount++;
        _totalLength += length;
        return doc;
    }

    private void Tombstone(int doc)
    {
        int start = _docTermStart[doc];
        int end = start + (2 * _docTermCount[doc]);
        for (int i = start; i < end; i += 2)
        {
            _postings[_docTerms[i]].DocFrequency--;
        }

        _totalLength -= _lengths[doc];
        _lengths[doc] = -1;
        _keys[doc] = default!;
        _liveCount--;
    }

    private void MaybeCompact()
    {
        int dead = _docCount - _liveCount;
        if (dead > 1024 && dead > _liveCount)
        {
            Compact();
        }
    }

    /// <summary>Rebuilds the arrays without tombstones and without terms that no live document contains.</summary>
    private void Compact()
    {
        var remap = new int[_termCount];
        Array.Fill(remap, -1);
        var terms = new List<string>();
        var keys = new TKey[_liveCount];
        var counts = new int[_liveCount];
        var pairs = new int[2 * CountLivePairs()];
        int live = 0;
        int offset = 0;
        for (int doc = 0; doc < _docCount; doc++)
        {
            if (_lengths[doc] < 0)
            {
                continue;
            }

            int start = _docTermStart[doc];
            for (int i = 0; i < _docTermCount[doc]; i++)
            {
                int term = _docTerms[start + (2 * i)];
                if (remap[term] < 0)
                {
                    remap[term] = terms.Count;
                    terms.Add(_terms[term]);
                }

                pairs[offset++] = remap[term];
                pairs[offset++] = _docTerms[start + (2 * i) + 1];
            }

            keys[live] = _keys[doc];
            counts[live] = _docTermCount[doc];
            live++;
        }

        BuildFrom([.. terms], keys, counts, pairs);
    }

    private int CountLivePairs()
    {
        int count = 0;
        for (int doc = 0; doc < _docCount; doc++)
        {
            if (_lengths[doc] >= 0)
            {
                count += _docTermCount[doc];
            }
        }

        return count;
    }

    /// <summary>
    /// Replaces the contents with the given documents, in order: <paramref name="counts"/>[d] distinct terms each, as
    /// consecutive (term index, frequency) pairs in <paramref name="pairs"/>. Postings are allocated at their exact size.
    /// </summary>
    private void BuildFrom(string[] terms, TKey[] keys, int[] counts, int[] pairs)
    {
        int termCount = terms.Length;
        int docCount = keys.Length;
        var documentFrequency = new int[termCount];
        for (int i = 0; i < pairs.Length; i += 2)
        {
            documentFrequency[pairs[i]]++;
        }

        _termIds = new Dictionary<string, int>(termCount, StringComparer.Ordinal);
        _termLookup = _termIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _terms = new string[Math.Max(16, termCount)];
        _postings = new Postings[_terms.Length];
        for (int t = 0; t < termCount; t++)
        {
            _terms[t] = terms[t];
            _postings[t] = new Postings(documentFrequency[t]);
            _termIds.Add(terms[t], t);
        }

        _termCount = termCount;
        int capacity = Math.Max(16, docCount);
        _docByKey = new Dictionary<TKey, int>(docCount, _comparer);
        _keys = new TKey[capacity];
        _lengths = new int[capacity];
        _docTermStart = new int[capacity];
        _docTermCount = new int[capacity];
        _docTerms = pairs.Length >= 64 ? pairs : [.. pairs, .. new int[64 - pairs.Length]];
        _docTermsLength = pairs.Length;
        _totalLength = 0;
        int offset = 0;
        for (int doc = 0; doc < docCount; doc++)
        {
            int length = 0;
            for (int i = 0; i < counts[doc]; i++)
            {
                length += pairs[offset + (2 * i) + 1];
            }

            for (int i = 0; i < counts[doc]; i++)
            {
                _postings[pairs[offset + (2 * i)]].Add(doc, pairs[offset + (2 * i) + 1], length);
            }

            _keys[doc] = keys[doc];
            _lengths[doc] = length;
            _docTermStart[doc] = offset;
            _docTermCount[doc] = counts[doc];
            _totalLength += length;
            if (!_docByKey.TryAdd(keys[doc], doc))
            {
                throw new InvalidDataException($"Corrupt BM25 index: the key '{keys[doc]}' appears twice.");
            }

            offset += 2 * counts[doc];
        }

        _docCount = docCount;
        _liveCount = docCount;
    }

    /// <summary>
    /// A term's postings in increasing document order, with bounds for pruning: the largest frequency and the shortest
    /// document ever added (bounds stay valid, if looser, after removals; compaction recomputes them).
    /// </summary>
    private sealed class Postings(int capacity = 2)
    {
        public int[] Docs = new int[Math.Max(capacity, 2)];
        public int[] Freqs = new int[Math.Max(capacity, 2)];
        public int Count;
        public int DocFrequency;
        public int MaxFreq;
        public int MinLength = int.MaxValue;

        public void Add(int doc, int freq, int length)
        {
            MaxFreq = Math.Max(MaxFreq, freq);
            MinLength = Math.Min(MinLength, length);
            if (Count == Docs.Length)
            {
                Array.Resize(ref Docs, Count * 2);
                Array.Resize(ref Freqs, Count * 2);
            }

            Docs[Count] = doc;
            Freqs[Count] = freq;
            Count++;
            DocFrequency++;
        }
    }
}
