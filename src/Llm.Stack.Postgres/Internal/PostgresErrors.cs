using Microsoft.Extensions.VectorData;
using Npgsql;

namespace Llm.Stack.Postgres;

/// <summary>Turns the errors of Npgsql and the server into <see cref="VectorStoreException"/>s that name the endpoint.</summary>
internal static class PostgresErrors
{
    /// <summary>PostgreSQL's SQLSTATE for an undefined table.</summary>
    private const string UndefinedTable = "42P01";

    /// <summary>Whether an exception comes from the server or the connection to it, and is wrapped.</summary>
    public static bool IsDatabaseError(Exception e) => e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException;

    public static VectorStoreException Wrap(Exception e, string endpoint, string? collection, string operation)
    {
        string subject = collection is null ? string.Empty : $"collection '{collection}': ";
        string message = e is PostgresException { SqlState: UndefinedTable } && collection is not null
            ? $"PostgreSQL at {endpoint}: {subject}the collection does not exist; call EnsureCollectionExistsAsync first."
            : $"PostgreSQL at {endpoint}: {subject}{operation} failed: {e.Message}";
        return new VectorStoreException(message, e)
        {
            VectorStoreSystemName = PostgresVectorStore.SystemName,
            CollectionName = collection,
            OperationName = operation,
        };
    }
}
