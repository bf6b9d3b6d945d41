using System.Diagnostics;
using Npgsql;

namespace Llm.Stack.Connectors.Tests;

/// <summary>
/// The PostgreSQL + pgvector server of the tests: the one named by <c>LLMSTACK_POSTGRES</c> (a connection string;
/// <c>.ci/run</c> starts it with <c>eng/start-postgres.sh</c>), or else one this fixture starts with that script and
/// stops at the end. With <c>LLMSTACK_REQUIRE_SERVERS=1</c> (set by <c>.ci/run</c>) a missing server is a failure at once.
/// Never a skip: without a server every test that needs one fails with a message saying how to start it.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string HowToStart =
        "Start one with `eval \"$(eng/start-postgres.sh)\"` (installs PostgreSQL 15 + pgvector on Debian as root and exports LLMSTACK_POSTGRES), "
        + "or set LLMSTACK_POSTGRES to the connection string of a PostgreSQL server with the pgvector extension available.";

    private string? _startedData;
    private string? _error;
    private string? _connectionString;

    /// <summary>Gets the folder eng/start-postgres.sh started the server in (<c>LLMSTACK_POSTGRES_DATA</c>), or <see langword="null"/> for a server started otherwise.</summary>
    public string? DataFolder => _startedData ?? Environment.GetEnvironmentVariable("LLMSTACK_POSTGRES_DATA");

    /// <summary>Restarts the server (fast shutdown: open connections are closed by the server), with the same options.</summary>
    public async Task RestartAsync()
    {
        string data = DataFolder ?? throw new InvalidOperationException("Restarting needs the server's folder: start it with eng/start-postgres.sh (LLMSTACK_POSTGRES_DATA).");
        var start = new ProcessStartInfo(Environment.UserName == "root" ? "runuser" : "/usr/lib/postgresql/15/bin/pg_ctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.UserName == "root")
        {
            foreach (string a in new[] { "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl" })
            {
                start.ArgumentList.Add(a);
            }
        }

        // -l: the restarted server writes to its log file, not to this process's pipes (which it would hold open).
        foreach (string a in new[] { "-D", Path.Combine(data, "db"), "-l", Path.Combine(data, "server.log"), "-m", "fast", "-w", "restart" })
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _ = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl restart failed ({process.ExitCode}): {error}");
        }

        // The tests' own helper connections (Npgsql's global pools) were closed by the server too.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Gets the connection string of the running server; throws with a message saying how to start one when there is none.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException(_error);

    public async Task InitializeAsync()
    {
        string? configured = Environment.GetEnvironmentVariable("LLMSTACK_POSTGRES");
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (Environment.GetEnvironmentVariable("LLMSTACK_REQUIRE_SERVERS") == "1")
            {
                _error = "LLMSTACK_REQUIRE_SERVERS=1 but LLMSTACK_POSTGRES is not set: .ci/run should have started PostgreSQL with eng/start-postgres.sh. " + HowToStart;
                return;
            }

            (configured, _startedData, _error) = await StartAsync();
            if (configured is null)
            {
                return;
            }
        }

        try
        {
            await using var connection = new NpgsqlConnection(configured);
            await connection.OpenAsync();
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            _error = $"No PostgreSQL server answers at LLMSTACK_POSTGRES ({new NpgsqlConnectionStringBuilder(configured) { Password = null }}): {e.Message}. {HowToStart}";
            return;
        }

        _connectionString = configured;
    }

    public async Task DisposeAsync()
    {
        if (_startedData is not null)
        {
            _ = await ServerScript.RunAsync("start-postgres.sh", "--stop", _startedData);
        }
    }

    private static async Task<(string? ConnectionString, string? Data, string? Error)> StartAsync()
    {
        (int exit, string output, string error) = await ServerScript.RunAsync("start-postgres.sh");
        return exit != 0
            ? (null, null, $"LLMSTACK_POSTGRES is not set and eng/start-postgres.sh failed (exit code {exit}): {error.Trim()}. {HowToStart}")
            : (ServerScript.Export(output, "LLMSTACK_POSTGRES"), ServerScript.Export(output, "LLMSTACK_POSTGRES_DATA"), null);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
