namespace Llm.Stack.VectorIndex;

/// <summary>Describes an in-memory collection or a collection snapshot file: its name, key, size and vector properties.</summary>
/// <param name="Name">The collection name.</param>
/// <param name="KeyType">The key type (<see cref="Guid"/>, <see cref="string"/>, <see cref="int"/> or <see cref="long"/>).</param>
/// <param name="Count">The number of records.</param>
/// <param name="DataProperties">The storage names of the data properties.</param>
/// <param name="VectorProperties">The vector properties, with dimensions, distance function and embedding model id.</param>
public sealed record InMemoryCollectionInfo(
    string Name,
    Type KeyType,
    int Count,
    IReadOnlyList<string> DataProperties,
    IReadOnlyList<InMemoryVectorPropertyInfo> VectorProperties);
