using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>A vector store that only knows its own name; enough to check which store DI hands out.</summary>
public sealed class TestVectorStore(string name) : VectorStore
{
    public string Name { get; } = name;

    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        throw new NotSupportedException();

    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        throw new NotSupportedException();

    public override IAsyncEnumerable<string> ListCollectionNamesAsync(CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<string>();

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
}
