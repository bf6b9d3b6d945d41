using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local.Tests;

/// <summary>A store without keyword search, as some server connectors are: an in-memory store whose chunk collections only forward the vector operations.</summary>
internal sealed class VectorOnlyStore(InMemoryVectorStore inner) : VectorStore
{
    [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "Tests are not trimmed.")]
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        inner.GetCollection<TKey, TRecord>(name, definition) is VectorStoreCollection<string, ChunkRecord> chunks
            ? (VectorStoreCollection<TKey, TRecord>)(object)new VectorOnlyCollection(chunks)
            : throw new NotSupportedException("Only chunk collections.");

    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        throw new NotSupportedException("Only chunk collections.");

    public override IAsyncEnumerable<string> ListCollectionNamesAsync(CancellationToken cancellationToken = default) => inner.ListCollectionNamesAsync(cancellationToken);

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) => inner.CollectionExistsAsync(name, cancellationToken);

    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) => inner.EnsureCollectionDeletedAsync(name, cancellationToken);

    public override object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class VectorOnlyCollection(VectorStoreCollection<string, ChunkRecord> inner) : VectorStoreCollection<string, ChunkRecord>
    {
        public override string Name => inner.Name;

        public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => inner.CollectionExistsAsync(cancellationToken);

        public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionExistsAsync(cancellationToken);

        public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionDeletedAsync(cancellationToken);

        public override Task<ChunkRecord?> GetAsync(string key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) => inner.GetAsync(key, options, cancellationToken);

        public override IAsyncEnumerable<ChunkRecord> GetAsync(IEnumerable<string> keys, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.GetAsync(keys, options, cancellationToken);

        public override IAsyncEnumerable<ChunkRecord> GetAsync(Expression<Func<ChunkRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
            inner.GetAsync(filter, top, options, cancellationToken);

        public override Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public override Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) => inner.DeleteAsync(keys, cancellationToken);

        public override Task UpsertAsync(ChunkRecord record, CancellationToken cancellationToken = default) => inner.UpsertAsync(record, cancellationToken);

        public override Task UpsertAsync(IEnumerable<ChunkRecord> records, CancellationToken cancellationToken = default) => inner.UpsertAsync(records, cancellationToken);

        public override IAsyncEnumerable<VectorSearchResult<ChunkRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
            inner.SearchAsync(searchValue, top, options, cancellationToken);

        public override object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
    }
}
