using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// A <see cref="VectorStore"/> that keeps its collections in process memory: vectors in contiguous SIMD-scanned
/// storage, exact search with fused distance and bounded top-k selection, filters compiled once per shape.
/// </summary>
/// <remarks>
/// <para>Thread-safety: the store and its collections are safe to use from any number of threads at once. Each
/// operation is atomic: a search or get sees every upsert batch and delete either entirely or not at all, and never a
/// partly written vector. Searches run concurrently with each other; writes to one collection are serialized.</para>
/// <para>Persistence: <see cref="SaveCollectionAsync"/> and <see cref="LoadCollectionAsync"/> write and read a versioned,
/// checksummed binary snapshot of a collection (records, vectors and metadata, including the embedding model id);
/// <see cref="ReadSnapshotInfo(string)"/> reads only the metadata. Saving takes the collection's read lock: searches
/// continue, writes wait until the snapshot is written. With <see cref="InMemoryVectorStoreOptions.PersistenceDirectory"/>
/// the store persists automatically.</para>
/// <para>Collection handles returned by <see cref="GetCollection{TKey, TRecord}"/> are cheap views over the shared
/// stored data: two handles with the same name see the same records.</para>
/// </remarks>
public sealed class InMemoryVectorStore : VectorStore
{
    internal const string SystemName = "llm.stack.inmemory";

    private const string SnapshotExtension = ".lsvi";

    private readonly ConcurrentDictionary<string, CollectionData> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<CollectionData, long> _savedVersions = new();
    private readonly VectorStoreMetadata _metadata = new() { VectorStoreSystemName = SystemName };
    private readonly string? _persistenceDirectory;
    private readonly Lock _saveGate = new();
    private readonly Timer? _saveTimer;
    private readonly HnswParameters _hnsw;
    private readonly Dictionary<string, HnswParameters> _collectionHnsw;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="InMemoryVectorStore"/> class with default options.</summary>
    public InMemoryVectorStore()
        : this(null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InMemoryVectorStore"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public InMemoryVectorStore(InMemoryVectorStoreOptions? options)
    {
        options ??= new InMemoryVectorStoreOptions();
        EmbeddingGenerator = options.EmbeddingGenerator;
        MaxDegreeOfParallelism = options.MaxDegreeOfParallelism;
        HybridRankConstant = options.HybridRankConstant;
        Quantization = options.Quantization;
        QuantizedFlatEncoding = options.QuantizedFlatEncoding;
        QuantizationOversampling = options.QuantizationOversampling;
        DefaultIndexKind = options.IndexKind;
        _hnsw = options.Hnsw.ToParameters();
        _collectionHnsw = options.CollectionHnsw.ToDictionary(p => p.Key, p => (p.Value ?? throw new ArgumentException($"The HNSW options of collection '{p.Key}' are null.", nameof(options))).ToParameters(), StringComparer.Ordinal);
        Logger = options.LoggerFactory?.CreateLogger<InMemoryVectorStore>() ?? (ILogger)NullLogger.Instance;
        if (options.PersistenceDirectory is string directory)
        {
            _persistenceDirectory = Path.GetFullPath(directory);
            _ = Directory.CreateDirectory(_persistenceDirectory);
            foreach (string file in Directory.EnumerateFiles(_persistenceDirectory, "*" + SnapshotExtension).Order(StringComparer.Ordinal))
            {
                CollectionData data = ReadFile(file);
                _collections[data.Name] = data;
                _savedVersions[data] = data.Version;
            }

            _saveTimer = new Timer(_ => SaveChangedInBackground(), null, options.PersistenceInterval, options.PersistenceInterval);
        }
    }

    /// <summary>Gets the folder the store persists its collections to by itself (<see cref="InMemoryVectorStoreOptions.PersistenceDirectory"/>).</summary>
    /// <value>The full path; <see langword="null"/> when the store persists nothing by itself (its owner saves snapshots).</value>
    public string? PersistenceDirectory => _persistenceDirectory;

    internal IEmbeddingGenerator? EmbeddingGenerator { get; }

    internal int MaxDegreeOfParallelism { get; }

    internal int HybridRankConstant { get; }

    internal VectorQuantization Quantization { get; }

    internal VectorQuantization QuantizedFlatEncoding { get; }

    internal int QuantizationOversampling { get; }

    internal string DefaultIndexKind { get; }

    internal ILogger Logger { get; }

    private SnapshotReadOptions ReadOptions => new(DefaultIndexKind == IndexKind.Hnsw, HnswFor, MaxDegreeOfParallelism, Logger);

    /// <summary>Gets the HNSW parameters of a collection: its own when configured, else the store's.</summary>
    internal HnswParameters HnswFor(string collectionName)
        => _collectionHnsw.TryGetValue(collectionName, out HnswParameters? parameters) ? parameters : _hnsw;

    /// <summary>The members of a record type that the record mapping reads by reflection.</summary>
    internal const DynamicallyAccessedMemberTypes RecordMembers = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties;

    private const string TrimmingMessage = "Maps TRecord by reflection. In a trimmed application create the collection with new InMemoryVectorCollection<TKey, TRecord>(store, name), which keeps the members the mapping reads, or use GetDynamicCollection.";

    /// <summary>Gets or sets a decorator of the file streams snapshots are saved to (tests simulate crashes with it).</summary>
    internal Func<Stream, Stream>? SaveStreamDecorator { get; set; }

    /// <inheritdoc />
    /// <remarks>
    /// As Microsoft.Extensions.VectorData's own <see cref="VectorStore.GetCollection{TKey, TRecord}"/>, this maps
    /// <typeparamref name="TRecord"/> by reflection and is marked as unsafe for trimming. A trimmed application creates
    /// the same handle with <c>new InMemoryVectorCollection&lt;TKey, TRecord&gt;(store, name)</c>, which keeps what the
    /// mapping reads, or uses <see cref="GetDynamicCollection"/>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space, or <typeparamref name="TRecord"/> is <c>Dictionary&lt;string, object?&gt;</c> (use <see cref="GetDynamicCollection"/>).</exception>
    [RequiresUnreferencedCode(TrimmingMessage)]
    [RequiresDynamicCode(TrimmingMessage)]
    public override InMemoryVectorCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
        => new(this, name, definition);

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is <see langword="null"/>.</exception>
    public override InMemoryVectorCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(definition);
        return new InMemoryVectorCollection<object, Dictionary<string, object?>>(this, name, definition, dynamic: true);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (string name in _collections.Keys.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Task.FromResult(_collections.ContainsKey(name));
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _ = RemoveData(name);
        return Task.CompletedTask;
    }

    /// <summary>Describes a collection: key type, record count, data properties and vector properties with their embedding model id.</summary>
    /// <param name="name">The collection name.</param>
    /// <returns>The description, or <see langword="null"/> when the collection does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space.</exception>
    public InMemoryCollectionInfo? GetCollectionInfo(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (TryGetData(name) is not CollectionData data)
        {
            return null;
        }

        data.Lock.EnterReadLock();
        try
        {
            return data.Describe();
        }
        finally
        {
            data.Lock.ExitReadLock();
        }
    }

    /// <summary>Writes a snapshot of a collection to a stream.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="destination">The stream to write to; left open.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the snapshot is written.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="VectorStoreException">The collection does not exist.</exception>
    /// <exception cref="NotSupportedException">A data property has a type snapshots cannot hold (they hold primitives, strings, decimals, Guids, dates, their nullable forms, and arrays and lists of them).</exception>
    public Task SaveCollectionAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        WriteSnapshot(GetDataOrThrow(name, "Save"), destination);
        return Task.CompletedTask;
    }

    /// <summary>Saves a snapshot of a collection to a file atomically: written to a temporary file, flushed to disk, then renamed over <paramref name="path"/>.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="path">The file to write; its directory is created when missing.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <remarks>A crash or error during the save leaves the previous file at <paramref name="path"/> intact.</remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="path"/> is null or white space.</exception>
    /// <exception cref="VectorStoreException">The collection does not exist.</exception>
    public Task SaveCollectionToFileAsync(string name, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        SaveFile(GetDataOrThrow(name, "Save"), path);
        return Task.CompletedTask;
    }

    /// <summary>Loads a collection snapshot from a stream, replacing any collection of the same name.</summary>
    /// <param name="source">The stream to read from; left open.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The name of the loaded collection.</returns>
    /// <remarks>
    /// The whole snapshot is read and verified before it replaces anything: on error the store is unchanged. The stream
    /// is read in blocks of up to 1 MiB, so it may be read past the snapshot's end: to load a snapshot followed by other
    /// data in the same stream, pass a stream that ends with the snapshot.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The data is not a snapshot, has an unsupported version, is truncated or fails its checksum; the message says which.</exception>
    public Task<string> LoadCollectionAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        CollectionData data = Load(() => Snapshot.Read(source, ReadOptions), "a stream", fileBytes: -1);
        Install(data);
        return Task.FromResult(data.Name);
    }

    /// <summary>Loads a collection snapshot file, replacing any collection of the same name.</summary>
    /// <param name="path">The snapshot file.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The name of the loaded collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or white space.</exception>
    /// <exception cref="InvalidDataException">The file is not a snapshot, has an unsupported version, is truncated or fails its checksum; the message says which.</exception>
    public Task<string> LoadCollectionFromFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        CollectionData data = ReadFile(path);
        Install(data);
        return Task.FromResult(data.Name);
    }

    /// <summary>Reads the metadata of a snapshot file without loading it: name, key type, record count, vector properties with dimensions, distance function and embedding model id.</summary>
    /// <param name="path">The snapshot file.</param>
    /// <returns>The description of the collection stored in the file.</returns>
    /// <remarks>Only the metadata at the start of the file is read; the checksum of the whole file is verified when it is loaded.</remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or white space.</exception>
    /// <exception cref="InvalidDataException">The file is not a snapshot, has an unsupported version or its metadata is damaged.</exception>
    public static InMemoryCollectionInfo ReadSnapshotInfo(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return Snapshot.ReadInfo(stream);
    }

    /// <summary>Reads the metadata of a snapshot from a stream without loading the records.</summary>
    /// <param name="source">The stream positioned at the start of a snapshot; left open.</param>
    /// <returns>The description of the collection stored in the snapshot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The data is not a snapshot, has an unsupported version or its metadata is damaged.</exception>
    public static InMemoryCollectionInfo ReadSnapshotInfo(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Snapshot.ReadInfo(source);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    internal CollectionData? TryGetData(string name) => _collections.TryGetValue(name, out CollectionData? data) ? data : null;

    internal CollectionData GetOrAddData(string name, Func<CollectionData> factory) => _collections.GetOrAdd(name, _ => factory());

    internal bool RemoveData(string name)
    {
        if (!_collections.TryRemove(name, out CollectionData? data))
        {
            return false;
        }

        _ = _savedVersions.TryRemove(data, out _);
        if (_persistenceDirectory is not null)
        {
            lock (_saveGate)
            {
                File.Delete(FileFor(name));
            }
        }

        return true;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_saveTimer is not null)
            {
                using var stopped = new ManualResetEvent(false);
                if (_saveTimer.Dispose(stopped))
                {
                    _ = stopped.WaitOne();
                }

                SaveChanged();
            }
        }

        base.Dispose(disposing);
    }

    private CollectionData ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Load(() => Snapshot.Read(stream, ReadOptions), $"'{path}'", stream.Length);
    }

    /// <summary>Reads a snapshot inside its span, and logs it.</summary>
    private CollectionData Load(Func<CollectionData> read, string source, long fileBytes)
    {
        using Activity? activity = VectorIndexTelemetry.StartSnapshot(VectorIndexTelemetry.SnapshotLoadSpanName, collection: null);
        long started = Stopwatch.GetTimestamp();
        try
        {
            CollectionData data = read();
            activity?.SetTag(TelemetryTags.DbCollectionName, data.Name);
            VectorIndexTelemetry.EndSnapshot(activity, data.Count, fileBytes);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            VectorIndexLog.SnapshotLoaded(Logger, data.Name, data.Count, source, elapsed);
            return data;
        }
        catch (Exception e)
        {
            VectorIndexTelemetry.SetError(activity, e);
            throw;
        }
    }

    /// <summary>Writes a snapshot inside its span, and logs it; <paramref name="write"/> returns the bytes written, or -1 when unknown.</summary>
    private T Save<T>(CollectionData data, string target, Func<(T Result, long FileBytes)> write)
    {
        using Activity? activity = VectorIndexTelemetry.StartSnapshot(VectorIndexTelemetry.SnapshotSaveSpanName, data.Name);
        long started = Stopwatch.GetTimestamp();
        try
        {
            (T result, long fileBytes) = write();
            int count = data.Count;
            VectorIndexTelemetry.EndSnapshot(activity, count, fileBytes);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            VectorIndexLog.SnapshotSaved(Logger, data.Name, count, target, elapsed);
            return result;
        }
        catch (Exception e)
        {
            VectorIndexTelemetry.SetError(activity, e);
            throw;
        }
    }

    /// <summary>Compacts a collection with HNSW graphs that holds tombstones, so that its graphs are saved instead of rebuilt on load.</summary>
    private void CompactForSave(CollectionData data)
    {
        if (!data.HasGraph)
        {
            return;
        }

        data.Lock.EnterWriteLock();
        try
        {
            if (data.Tombstones is int reclaimed and > 0)
            {
                data.Compact();
                VectorIndexLog.Compacted(Logger, data.Name, reclaimed, data.Count);
            }
        }
        finally
        {
            data.Lock.ExitWriteLock();
        }
    }

    private void WriteSnapshot(CollectionData data, Stream destination) => Save(data, "a stream", () =>
    {
        CompactForSave(data);
        long start = destination.CanSeek ? destination.Position : -1;
        data.Lock.EnterReadLock();
        try
        {
            Snapshot.Write(data, destination);
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        return (true, start >= 0 ? destination.Position - start : -1);
    });

    private CollectionData GetDataOrThrow(string name, string operation)
        => TryGetData(name) ?? throw new VectorStoreException($"Collection '{name}' does not exist.")
        {
            VectorStoreSystemName = SystemName,
            CollectionName = name,
            OperationName = operation,
        };

    private void Install(CollectionData data)
    {
        _collections[data.Name] = data;
    }

    private string FileFor(string name) => Path.Combine(_persistenceDirectory!, Uri.EscapeDataString(name) + SnapshotExtension);

    /// <summary>Saves <paramref name="data"/> to <paramref name="path"/> through a flushed temporary file and a rename.</summary>
    private long SaveFile(CollectionData data, string path) => Save(data, $"'{path}'", () =>
    {
        long version = WriteFile(data, path, out string full);
        return (version, new FileInfo(full).Length);
    });

    private long WriteFile(CollectionData data, string path, out string full)
    {
        full = Path.GetFullPath(path);
        _ = Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.{Guid.NewGuid():N}.tmp";
        CompactForSave(data);
        long version;
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Stream target = SaveStreamDecorator?.Invoke(file) ?? file;
                data.Lock.EnterReadLock();
                try
                {
                    version = data.Version;
                    Snapshot.Write(data, target);
                }
                finally
                {
                    data.Lock.ExitReadLock();
                }

                target.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return version;
    }

    /// <summary>Gets the error of the last failed automatic save, or <see langword="null"/> after a successful one.</summary>
    internal Exception? LastSaveError { get; private set; }

    private void SaveChangedInBackground()
    {
        try
        {
            SaveChanged();
            LastSaveError = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Kept for diagnosis and retried on the next tick; the final save on dispose reports errors.
            LastSaveError = e;
            VectorIndexLog.AutomaticSaveFailed(Logger, _persistenceDirectory!, e);
        }
    }

    private void SaveChanged()
    {
        if (!_saveGate.TryEnter())
        {
            return; // a save is under way; the next tick catches up
        }

        try
        {
            foreach (CollectionData data in _collections.Values)
            {
                if (_savedVersions.TryGetValue(data, out long saved) && saved == data.Version)
                {
                    continue;
                }

                if (_collections.TryGetValue(data.Name, out CollectionData? current) && ReferenceEquals(current, data))
                {
                    _savedVersions[data] = SaveFile(data, FileFor(data.Name));
                }
            }
        }
        finally
        {
            _saveGate.Exit();
        }
    }
}
