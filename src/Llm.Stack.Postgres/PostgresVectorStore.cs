using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Npgsql;
using Pgvector.Npgsql;

namespace Llm.Stack.Postgres;

/// <summary>
/// A <see cref="VectorStore"/> on PostgreSQL with the pgvector extension: each collection is a table of the store's
/// schema, with a typed column per data property, a <c>vector(n)</c> column per vector property and an HNSW or IVFFlat
/// index per <see cref="IndexKind"/>.
/// </summary>
/// <remarks>
/// <para>Connections come from one <see cref="NpgsqlDataSource"/> (Npgsql's pool). A store created from a connection string
/// builds and owns its data source, and disposes it; a data source given to the constructor is the caller's, and must
/// have pgvector's type mapping (<c>dataSourceBuilder.UseVector()</c>).</para>
/// <para>Thread-safety: the store and its collections are safe to use from any number of threads at once; each
/// operation takes its own pooled connection, and a batch upsert is one transaction.</para>
/// <para>Named locks: <see cref="GetService"/> gives an <see cref="IVectorStoreLockProvider"/> over PostgreSQL advisory
/// locks (the writer lease of <c>VectorStoreIngestionStateStore</c> uses it), each held on a connection of its own.</para>
/// <para>Errors of the server or the connection surface as <see cref="VectorStoreException"/> whose message names the
/// endpoint (host, port and database, never the password).</para>
/// </remarks>
public sealed class PostgresVectorStore : VectorStore
{
    internal const string SystemName = "postgresql";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata;
    private readonly PostgresAdvisoryLocks _locks;
    private int _extensionChecked;

    /// <summary>Initializes a new instance of the <see cref="PostgresVectorStore"/> class with default options that owns a data source built from a connection string.</summary>
    /// <param name="connectionString">An Npgsql connection string, such as <c>Host=127.0.0.1;Port=5432;Username=app;Password=…;Database=app</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or not a valid connection string.</exception>
    public PostgresVectorStore(string connectionString)
        : this(connectionString, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgresVectorStore"/> class that owns a data source built from a connection string.</summary>
    /// <param name="connectionString">An Npgsql connection string, such as <c>Host=127.0.0.1;Port=5432;Username=app;Password=…;Database=app</c>.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or not a valid connection string.</exception>
    public PostgresVectorStore(string connectionString, PostgresVectorStoreOptions? options)
        : this(CreateDataSource(connectionString), options, ownsDataSource: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgresVectorStore"/> class with default options on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source, built with pgvector's type mapping (<c>NpgsqlDataSourceBuilder.UseVector()</c>); not disposed by the store.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    public PostgresVectorStore(NpgsqlDataSource dataSource)
        : this(dataSource, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgresVectorStore"/> class on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source, built with pgvector's type mapping (<c>NpgsqlDataSourceBuilder.UseVector()</c>); not disposed by the store.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    public PostgresVectorStore(NpgsqlDataSource dataSource, PostgresVectorStoreOptions? options)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), options, ownsDataSource: false)
    {
    }

    private PostgresVectorStore(NpgsqlDataSource dataSource, PostgresVectorStoreOptions? options, bool ownsDataSource)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _options = (options ?? new PostgresVectorStoreOptions()).Clone();
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Endpoint = $"{builder.Host ?? "localhost"}:{builder.Port}/{builder.Database ?? builder.Username ?? string.Empty}";
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = SystemName, VectorStoreName = builder.Database };
        _locks = new PostgresAdvisoryLocks(this, dataSource);
    }

    /// <summary>Gets the server and database the store works on, as <c>host:port/database</c> (the form error messages name it by).</summary>
    public string Endpoint { get; }

    /// <summary>Gets the schema that holds the collections' tables.</summary>
    public string Schema => _options.Schema;

    internal NpgsqlDataSource DataSource => _dataSource;

    internal PostgresVectorStoreOptions Options => _options;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, holds a NUL character or is longer than 63 UTF-8 bytes (PostgreSQL's limit for a table name), or <typeparamref name="TRecord"/> is <c>Dictionary&lt;string, object?&gt;</c> (use <see cref="GetDynamicCollection"/>).</exception>
    public override PostgresVectorCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        PostgresSql.ValidateIdentifier(name, "The collection name", nameof(name));
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
            throw new ArgumentException("Use GetDynamicCollection for collections of Dictionary<string, object?> records.", nameof(TRecord));
        }

        return new PostgresVectorCollection<TKey, TRecord>(this, name, definition, dynamic: false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, holds a NUL character or is longer than 63 UTF-8 bytes.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is <see langword="null"/>.</exception>
    public override PostgresVectorCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        PostgresSql.ValidateIdentifier(name, "The collection name", nameof(name));
        ArgumentNullException.ThrowIfNull(definition);
        return new PostgresVectorCollection<object, Dictionary<string, object?>>(this, name, definition, dynamic: true);
    }

    /// <inheritdoc />
    /// <remarks>The names of the tables in <see cref="Schema"/>, in ordinal order.</remarks>
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<string> names = await RunAsync(null, "ListCollectionNames", async connection =>
        {
            await using NpgsqlCommand command = new("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Schema });
            var result = new List<string>();
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(reader.GetString(0));
            }

            return result;
        }, cancellationToken).ConfigureAwait(false);
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        PostgresSql.ValidateIdentifier(name, "The collection name", nameof(name));
        return TableExistsAsync(name, cancellationToken);
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        PostgresSql.ValidateIdentifier(name, "The collection name", nameof(name));
        return DropTableAsync(name, cancellationToken);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? _metadata
            : serviceType == typeof(NpgsqlDataSource) ? _dataSource
            : serviceType == typeof(IVectorStoreLockProvider) ? _locks
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsDataSource)
        {
            _dataSource.Dispose();
        }

        base.Dispose(disposing);
    }

    internal async Task<bool> TableExistsAsync(string table, CancellationToken cancellationToken)
        => await RunAsync(table, "CollectionExists", async connection =>
        {
            await using NpgsqlCommand command = new("SELECT to_regclass($1) IS NOT NULL", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = PostgresSql.Table(Schema, table) });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken).ConfigureAwait(false);

    internal Task DropTableAsync(string table, CancellationToken cancellationToken)
        => RunAsync(table, "EnsureCollectionDeleted", async connection =>
        {
            await using NpgsqlCommand command = new($"DROP TABLE IF EXISTS {PostgresSql.Table(Schema, table)}", connection);
            _ = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Creates the pgvector extension in the database the first time a collection is created, when it is missing.</summary>
    internal async Task EnsureExtensionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _extensionChecked) != 0)
        {
            return;
        }

        await using (NpgsqlCommand check = new("SELECT count(*) FROM pg_extension WHERE extname = 'vector'", connection))
        {
            if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                await using NpgsqlCommand create = new("CREATE EXTENSION IF NOT EXISTS vector", connection);
                _ = await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await connection.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Volatile.Write(ref _extensionChecked, 1);
    }

    /// <summary>Runs <paramref name="action"/> on a pooled connection, turning database errors into <see cref="VectorStoreException"/>s that name the endpoint.</summary>
    /// <remarks>
    /// A transient failure (a pooled connection the server closed, as after a restart) clears the pool and runs the
    /// action once more on a new connection: every action is safe to repeat (reads, idempotent DDL, upserts and deletes
    /// by key, each batch in one transaction).
    /// </remarks>
    internal async Task<T> RunAsync<T>(string? collection, string operation, Func<NpgsqlConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await action(connection).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (attempt == 0 && e.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                _dataSource.Clear();
            }
            catch (Exception e) when (PostgresErrors.IsDatabaseError(e) && !cancellationToken.IsCancellationRequested)
            {
                throw PostgresErrors.Wrap(e, Endpoint, collection, operation);
            }
        }
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlDataSourceBuilder builder;
        try
        {
            builder = new NpgsqlDataSourceBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The connection string is not valid: {e.Message}", nameof(connectionString), e);
        }

        _ = builder.UseVector();
        return builder.Build();
    }
}
