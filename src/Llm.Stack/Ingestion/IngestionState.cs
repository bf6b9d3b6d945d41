using System.Text.Json;

namespace Llm.Stack;

/// <summary>
/// The ingestion state of one collection: for each document, the source item it came from, the hash of its text,
/// its version and the keys of its chunks. It is the one change detector of <see cref="IngestionPipeline"/>: an
/// unchanged document is skipped, a changed one replaced, a missing one deleted.
/// </summary>
/// <remarks>
/// <para>
/// Pass one to <see cref="IngestionOptions.State"/> to keep it yourself, and persist it in
/// <see cref="IngestionOptions.Checkpoint"/>, which the pipeline calls at points where the state and the collection
/// agree. Persisting both together, atomically, is what makes a store crash-safe (the local index does so).
/// </para>
/// <para>Thread-safe: every member takes the instance's lock.</para>
/// </remarks>
public sealed class IngestionState
{
    private readonly Dictionary<string, DocumentState> _documents;
    private readonly Lock _lock = new();
    private long _changes;

    /// <summary>Initializes a new instance of the <see cref="IngestionState"/> class that holds no document.</summary>
    public IngestionState()
        : this(new Dictionary<string, DocumentState>(StringComparer.Ordinal))
    {
    }

    private IngestionState(Dictionary<string, DocumentState> documents) => _documents = documents;

    /// <summary>Gets the number of documents the state holds.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _documents.Count;
            }
        }
    }

    /// <summary>Gets the number of changes made to the state since it was created or loaded.</summary>
    /// <value>Grows by one on each change; a checkpoint with no change since the last one need not write anything.</value>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Reads a state written by <see cref="SaveAsync"/>.</summary>
    /// <param name="source">The stream to read; left open.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The data is not a state, or is damaged.</exception>
    public static async Task<IngestionState> LoadAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        IngestionStateFile? file;
        try
        {
            file = await JsonSerializer.DeserializeAsync(source, IngestionStateJsonContext.Default.IngestionStateFile, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The ingestion state is damaged: {e.Message}", e);
        }

        if (file is null || file.Format is < 1 or > IngestionStateFile.CurrentFormat || file.Documents is null || file.Documents.Any(d => d.Value is null || d.Value.Keys is null))
        {
            throw new InvalidDataException("The ingestion state is damaged or of an unknown format.");
        }

        return new IngestionState(new Dictionary<string, DocumentState>(file.Documents, StringComparer.Ordinal));
    }

    /// <summary>Writes the state to a stream as JSON.</summary>
    /// <param name="destination">The stream to write; left open.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the state is written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    public async Task SaveAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        IngestionStateFile file;
        lock (_lock)
        {
            file = new IngestionStateFile { Documents = _documents.ToDictionary(d => d.Key, d => d.Value.Clone(), StringComparer.Ordinal) };
        }

        await JsonSerializer.SerializeAsync(destination, file, IngestionStateJsonContext.Default.IngestionStateFile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the identifiers of the documents the state holds.</summary>
    /// <returns>The identifiers, in ordinal order.</returns>
    public IReadOnlyList<string> GetDocumentIds()
    {
        lock (_lock)
        {
            return [.. _documents.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Gets the chunk keys a document may have in the store: those of its committed version and any pending ones.</summary>
    /// <param name="documentId">The document identifier.</param>
    /// <returns>The keys, generated as they are enumerated (a document's keys are held compactly), or none when the state does not hold the document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="documentId"/> is <see langword="null"/>.</exception>
    public IReadOnlyCollection<string> GetChunkKeys(string documentId)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        return GetKeySet(documentId, pending: true);
    }

    /// <summary>Gets the keys of the committed version of a document.</summary>
    /// <param name="documentId">The document identifier.</param>
    /// <returns>The keys, generated as they are enumerated, or none when the state does not hold the document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="documentId"/> is <see langword="null"/>.</exception>
    public IReadOnlyCollection<string> GetCommittedChunkKeys(string documentId)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        return GetKeySet(documentId, pending: false);
    }

    /// <summary>
    /// Replaces what the state knows of a document by what the store holds: the next run reads the document again
    /// and replaces those chunks (reusing the embeddings of chunks whose text did not change).
    /// </summary>
    /// <param name="documentId">The document identifier.</param>
    /// <param name="storedKeys">The keys of every chunk of the document in the store; empty to forget the document.</param>
    /// <param name="version">The highest version among those chunks.</param>
    /// <exception cref="ArgumentNullException"><paramref name="documentId"/> or <paramref name="storedKeys"/> is <see langword="null"/>.</exception>
    public void Reset(string documentId, IEnumerable<string> storedKeys, long version)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentNullException.ThrowIfNull(storedKeys);
        ChunkKeySet keys = storedKeys as ChunkKeySet ?? ChunkKeySet.From(storedKeys);
        if (keys.Count == 0)
        {
            Set(documentId, null);
            return;
        }

        DocumentState? existing = Get(documentId);
        Set(documentId, new DocumentState { SourceId = existing?.SourceId ?? documentId, Version = version, Keys = keys });
    }

    internal ChunkKeySet GetKeySet(string documentId, bool pending)
    {
        lock (_lock)
        {
            return !_documents.TryGetValue(documentId, out DocumentState? state) ? ChunkKeySet.Empty
                : pending ? state.Keys.Union(state.PendingKeys)
                : state.Keys;
        }
    }

    internal DocumentState? Get(string documentId)
    {
        lock (_lock)
        {
            return _documents.TryGetValue(documentId, out DocumentState? state) ? state.Clone() : null;
        }
    }

    internal List<KeyValuePair<string, DocumentState>> Snapshot()
    {
        lock (_lock)
        {
            return [.. _documents.Select(d => new KeyValuePair<string, DocumentState>(d.Key, d.Value.Clone()))];
        }
    }

    /// <summary>The documents read from a source item, or <see langword="null"/> when one of them is pending or its item hash differs.</summary>
    internal List<KeyValuePair<string, DocumentState>>? GetUnchangedItem(string sourceId, string sourceHash)
    {
        lock (_lock)
        {
            var found = new List<KeyValuePair<string, DocumentState>>();
            foreach ((string id, DocumentState state) in _documents)
            {
                if (state.SourceId != sourceId)
                {
                    continue;
                }

                if (state.SourceHash != sourceHash || state.PendingKeys is not null || state.Hash.Length == 0)
                {
                    return null;
                }

                found.Add(new(id, state));
            }

            return found.Count == 0 ? null : found;
        }
    }

    internal void Set(string documentId, DocumentState? state)
    {
        lock (_lock)
        {
            if (state is null)
            {
                _documents.Remove(documentId);
            }
            else
            {
                _documents[documentId] = state.Clone();
            }

            Interlocked.Increment(ref _changes);
        }
    }
}
