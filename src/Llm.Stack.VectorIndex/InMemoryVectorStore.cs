using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
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
/// <para>Collection handles returned by <see cref="GetCollection{TKey, TRecord}"/> are cheap views over the shared
/// stored data: two handles with the same name see the same records.</para>
/// </remarks>
public sealed class InMemoryVectorStore : VectorStore
{
    internal const string SystemName = "llm.stack.inmemory";

    private readonly ConcurrentDictionary<string, CollectionData> _collections = new(StringComparer.Ordinal);
    private readonly VectorStoreMetadata _metadata = new() { VectorStoreSystemName = SystemName };

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
    }

    internal IEmbeddingGenerator? EmbeddingGenerator { get; }

    internal int MaxDegreeOfParallelism { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space, or <typeparamref name="TRecord"/> is <c>Dictionary&lt;string, object?&gt;</c> (use <see cref="GetDynamicCollection"/>).</exception>
    public override InMemoryVectorCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
            throw new ArgumentException("Use GetDynamicCollection for collections of Dictionary<string, object?> records.", nameof(TRecord));
        }

        return new InMemoryVectorCollection<TKey, TRecord>(this, name, definition, dynamic: false);
    }

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
        _ = _collections.TryRemove(name, out _);
        return Task.CompletedTask;
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

    internal bool RemoveData(string name) => _collections.TryRemove(name, out _);
}
