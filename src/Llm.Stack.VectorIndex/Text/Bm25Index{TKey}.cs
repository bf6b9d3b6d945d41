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
public sealed class Bm25Index<TKey>
    where TKey : notnull
{
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "LSBM25IX"u8.ToArray();

    [ThreadStatic]
    private static SearchScratch? s_scratch;

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

        // Taken out of the thread-static slot while in use, so that a re-entrant call gets its own.
        SearchScratch scratch = s_scratch ?? new SearchScratch();
        s_scratch = null;
        bool completed = false;
        _lock.EnterReadLock();
        try
        {
            KeywordMatch<TKey>[] result = SearchCore(tokens, top, filter, scratch);
            completed = true;
            return result;
        }
        finally
        {
            _lock.ExitReadLock();
            tokens.Clear();
            if (completed)
            {
                // The accumulators are zeroed again; after an exception (a throwing filter) they are dropped instead.
                scratch.Reset();
                s_scratch = scratch;
            }
        }
    }

    private KeywordMatch<TKey>[] SearchCore(TokenList tokens, int top, Func<TKey, bool>? filter, SearchScratch scratch)
    {
        if (_liveCount == 0)
        {
            return [];
        }

        // Query terms known to the index, with their query frequencies.
        Span<int> termIds = tokens.Count <= 128 ? stackalloc int[tokens.Count] : new int[tokens.Count];
        int distinct = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            if (_termLookup.TryGetValue(tokens[i], out int id) && _postings[id].DocFrequency > 0)
            {
                termIds[distinct++] = id;
            }
        }

        if (distinct == 0)
        {
            return [];
        }

        // Sorted by term text, so that repeated terms are adjacent and scores are summed in the same order whatever
        // the history of the index (an index built afresh with the same contents gives bit-identical scores).
        termIds = termIds[..distinct];
        string[] terms = _terms;
        termIds.Sort((x, y) => string.CompareOrdinal(terms[x], terms[y]));

        double n = _liveCount;
        double k1 = _options.K1;
        double b = _options.B;
        double avgdl = (double)_totalLength / _liveCount;

        // denominator = tf + k1 · (1 − b + b · dl / avgdl) = tf + c0 + c1 · dl.
        double c0 = k1 * (1 - b);
        double c1 = avgdl > 0 ? k1 * b / avgdl : 0;

        scratch.EnsureCapacity(_docCount);
        double[] scores = scratch.Scores;
        int[] touched = scratch.Touched;
        int touchedCount = 0;
        int[] lengths = _lengths;

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
            double weight = qtf * Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
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
                scores[doc] = current + (weight * tf / (tf + c0 + (c1 * length)));
            }
        }

        scratch.TouchedCount = touchedCount;
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
            if (full && !Better(score, doc, heapScores[0], heapDocs[0]))
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
                SiftUp(heapDocs, heapScores, size);
                size++;
            }
            else
            {
                heapDocs[0] = doc;
                heapScores[0] = score;
                SiftDown(heapDocs, heapScores, size);
            }
        }

        var result = new KeywordMatch<TKey>[size];
        for (int i = size - 1; i >= 0; i--)
        {
            result[i] = new KeywordMatch<TKey>(_keys[heapDocs[0]], heapScores[0]);
            heapDocs[0] = heapDocs[i];
            heapScores[0] = heapScores[i];
            SiftDown(heapDocs, heapScores, i);
        }

        return result;
    }

    /// <summary>Ranking order: higher score first, then the earlier document.</summary>
    private static bool Better(double score, int doc, double otherScore, int otherDoc) =>
        score > otherScore || (score == otherScore && doc < otherDoc);

    private static void SiftUp(int[] docs, double[] scores, int index)
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!Better(scores[parent], docs[parent], scores[index], docs[index]))
            {
                break;
            }

            (docs[parent], docs[index]) = (docs[index], docs[parent]);
            (scores[parent], scores[index]) = (scores[index], scores[parent]);
            index = parent;
        }
    }

    private static void SiftDown(int[] docs, double[] scores, int size)
    {
        int index = 0;
        while (true)
        {
            int left = (2 * index) + 1;
            if (left >= size)
            {
                break;
            }

            int worst = left;
            int right = left + 1;
            if (right < size && Better(scores[worst], docs[worst], scores[right], docs[right]))
            {
                worst = right;
            }

            if (!Better(scores[index], docs[index], scores[worst], docs[worst]))
            {
                break;
            }

            (docs[worst], docs[index]) = (docs[index], docs[worst]);
            (scores[worst], scores[index]) = (scores[index], scores[worst]);
            index = worst;
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
                _postings[ids[i]].Add(doc, run);
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
                int term = pairs[offset + (2 * i)];
                int freq = pairs[offset + (2 * i) + 1];
                _postings[term].Add(doc, freq);
                length += freq;
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

    /// <summary>Writes the index to a stream in a versioned binary format with a SHA-256 checksum.</summary>
    /// <param name="stream">The stream to write to; the index is written at its current position and the stream is left open.</param>
    /// <param name="keyWriter">
    /// Writes one key; <see langword="null"/> when <typeparamref name="TKey"/> is <see cref="string"/>, <see cref="Guid"/>,
    /// <see cref="int"/> or <see cref="long"/>, which are written directly. <see cref="Load"/> must then be given a matching reader.
    /// </param>
    /// <remarks>
    /// The format: the 8 ASCII bytes <c>LSBM25IX</c>, a 32-bit format version, the 64-bit payload length, the payload, and
    /// the SHA-256 of the payload. The payload holds the options, the terms and each live document's key and term
    /// frequencies (postings are rebuilt on load). The written size is exactly what <see cref="Load"/> reads, so the index
    /// can be embedded in a larger file. Concurrent searches may run while saving; writers wait.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="TKey"/> needs a <paramref name="keyWriter"/>.</exception>
    public void Save(Stream stream, Action<BinaryWriter, TKey>? keyWriter = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        byte kind = keyWriter is null ? Bm25KeyCodec<TKey>.BuiltInKind : (byte)0;
        if (keyWriter is null && kind == 0)
        {
            throw new InvalidOperationException($"Keys of type {typeof(TKey)} are not written by default: pass a key writer (and a matching key reader to Load).");
        }

        var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            _lock.EnterReadLock();
            try
            {
                WritePayload(writer, kind, keyWriter);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }

        byte[] buffer = payload.GetBuffer();
        int length = (int)payload.Length;
        Span<byte> header = stackalloc byte[20];
        Magic.CopyTo(header);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header[12..], length);
        stream.Write(header);
        stream.Write(buffer, 0, length);
        stream.Write(SHA256.HashData(buffer.AsSpan(0, length)));
    }

    private void WritePayload(BinaryWriter writer, byte kind, Action<BinaryWriter, TKey>? keyWriter)
    {
        writer.Write(kind);
        writer.Write(_options.K1);
        writer.Write(_options.B);
        writer.Write(_options.FoldDiacritics);
        writer.Write(_options.RemoveStopWords);
        writer.Write((byte)_options.Stemmer);
        writer.Write(_options.MaxTokenLength);

        // Only terms that a live document contains, renumbered densely in first-use order.
        var remap = new int[_termCount];
        Array.Fill(remap, -1);
        var used = new List<int>();
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
                    remap[term] = used.Count;
                    used.Add(term);
                }
            }
        }

        writer.Write7BitEncodedInt(used.Count);
        foreach (int term in used)
        {
            writer.Write(_terms[term]);
        }

        writer.Write7BitEncodedInt(_liveCount);
        for (int doc = 0; doc < _docCount; doc++)
        {
            if (_lengths[doc] < 0)
            {
                continue;
            }

            if (keyWriter is null)
            {
                Bm25KeyCodec<TKey>.Write(writer, _keys[doc]);
            }
            else
            {
                keyWriter(writer, _keys[doc]);
            }

            int start = _docTermStart[doc];
            writer.Write7BitEncodedInt(_docTermCount[doc]);
            for (int i = 0; i < _docTermCount[doc]; i++)
            {
                writer.Write7BitEncodedInt(remap[_docTerms[start + (2 * i)]]);
                writer.Write7BitEncodedInt(_docTerms[start + (2 * i) + 1]);
            }
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="stream">The stream to read from, at the position where the index was written; left open, positioned just after the index.</param>
    /// <param name="keyReader">
    /// Reads one key, matching the key writer given to <see cref="Save"/>; <see langword="null"/> for the built-in key types.
    /// </param>
    /// <param name="comparer">The key comparer of the loaded index; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    /// <returns>The loaded index, with the options it was saved with.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">
    /// The data is not a BM25 index, has an unsupported version, is truncated, fails its checksum, was saved with another
    /// key type, or is inconsistent. The message says which.
    /// </exception>
    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types",
        Justification = "TKey cannot be inferred from a stream, so a generic method elsewhere would need it spelled out just the same.")]
    public static Bm25Index<TKey> Load(Stream stream, Func<BinaryReader, TKey>? keyReader = null, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }

        Span<byte> header = stackalloc byte[20];
        ReadExactly(stream, header, "header");
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a BM25 index: the header magic 'LSBM25IX' is missing.");
        }

        int version = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported BM25 index format version {version}; this library reads version {FormatVersion}.");
        }

        long length = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        if (length < 0 || length > Array.MaxLength)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid payload length {length}.");
        }

        if (stream.CanSeek && stream.Length - stream.Position < length + 32)
        {
            throw new InvalidDataException($"Truncated BM25 index: the payload needs {length + 32} bytes, the stream has {stream.Length - stream.Position} left.");
        }

        var payload = new byte[length];
        ReadExactly(stream, payload, "payload");
        Span<byte> checksum = stackalloc byte[32];
        ReadExactly(stream, checksum, "checksum");
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(checksum))
        {
            throw new InvalidDataException("Corrupt BM25 index: the SHA-256 checksum of the payload does not match.");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            return ReadPayload(reader, keyReader, comparer);
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"Corrupt BM25 index: {ex.Message}", ex);
        }
    }

    private static Bm25Index<TKey> ReadPayload(BinaryReader reader, Func<BinaryReader, TKey>? keyReader, IEqualityComparer<TKey>? comparer)
    {
        byte kind = reader.ReadByte();
        byte expected = keyReader is null ? Bm25KeyCodec<TKey>.BuiltInKind : (byte)0;
        if (kind != expected)
        {
            throw new InvalidDataException(
                $"The BM25 index was saved with {Bm25KeyCodec<TKey>.KindName(kind)} keys, but is loaded as {typeof(TKey)} keys " +
                (keyReader is null ? "without a key reader." : "with a key reader."));
        }

        var options = new Bm25Options();
        try
        {
            options.K1 = reader.ReadDouble();
            options.B = reader.ReadDouble();
            options.FoldDiacritics = reader.ReadBoolean();
            options.RemoveStopWords = reader.ReadBoolean();
            options.Stemmer = (Bm25Stemmer)reader.ReadByte();
            options.MaxTokenLength = reader.ReadInt32();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid options ({ex.Message}).", ex);
        }

        int termCount = ReadCount(reader, "term count");
        var terms = new string[termCount];
        var seen = new HashSet<string>(termCount, StringComparer.Ordinal);
        for (int i = 0; i < termCount; i++)
        {
            terms[i] = reader.ReadString();
            if (terms[i].Length == 0 || !seen.Add(terms[i]))
            {
                throw new InvalidDataException($"Corrupt BM25 index: term {i} is empty or repeated.");
            }
        }

        int docCount = ReadCount(reader, "document count");
        var keys = new TKey[docCount];
        var counts = new int[docCount];
        var pairs = new int[Math.Max(64, (int)Math.Min(reader.BaseStream.Length, 1 << 20))];
        int pairsLength = 0;
        for (int d = 0; d < docCount; d++)
        {
            TKey key = keyReader is null ? Bm25KeyCodec<TKey>.Read(reader) : keyReader(reader);
            if (key is null)
            {
                throw new InvalidDataException($"Corrupt BM25 index: document {d} has a null key.");
            }

            int distinct = ReadCount(reader, "term count of a document");
            if (pairsLength + (2 * distinct) > pairs.Length)
            {
                Array.Resize(ref pairs, Math.Max(pairsLength + (2 * distinct), 2 * pairs.Length));
            }

            for (int i = 0; i < distinct; i++)
            {
                int term = reader.Read7BitEncodedInt();
                int freq = reader.Read7BitEncodedInt();
                if ((uint)term >= (uint)termCount)
                {
                    throw new InvalidDataException($"Corrupt BM25 index: document {d} refers to term {term} of {termCount}.");
                }

                if (freq <= 0)
                {
                    throw new InvalidDataException($"Corrupt BM25 index: document {d} has a term frequency of {freq}.");
                }

                pairs[pairsLength++] = term;
                pairs[pairsLength++] = freq;
            }

            keys[d] = key;
            counts[d] = distinct;
        }

        if (reader.BaseStream.Position != reader.BaseStream.Length)
        {
            throw new InvalidDataException("Corrupt BM25 index: unexpected data after the last document.");
        }

        var index = new Bm25Index<TKey>(options, comparer);
        index.BuildFrom(terms, keys, counts, pairs.AsSpan(0, pairsLength).ToArray());
        return index;
    }

    private static int ReadCount(BinaryReader reader, string what)
    {
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > reader.BaseStream.Length)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid {what} {count}.");
        }

        return count;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new InvalidDataException($"Truncated BM25 index: the stream ended in the {what} ({read} of {buffer.Length} bytes).");
        }
    }

    private sealed class Postings(int capacity = 2)
    {
        public int[] Docs = new int[Math.Max(capacity, 2)];
        public int[] Freqs = new int[Math.Max(capacity, 2)];
        public int Count;
        public int DocFrequency;

        public void Add(int doc, int freq)
        {
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
