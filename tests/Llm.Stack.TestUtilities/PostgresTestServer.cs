using System.Diagnostics;
using Npgsql;

namespace Llm.Stack.TestUtilities;

/// <summary>The PostgreSQL + pgvector server of the tests (<c>LLMSTACK_POSTGRES</c>, a connection string; <c>eng/start-postgres.sh</c>).</summary>
public class PostgresTestServer() : ConnectorTestServer("LLMSTACK_POSTGRES", "start-postgres.sh")
{
    /// <summary>Gets the connection string of the running server; throws with a message saying how to start one when there is none.</summary>
    public string ConnectionString => Address;

    /// <inheritdoc />
    protected override string HowToStart =>
        "Start one with `eval \"$(eng/start-postgres.sh)\"` (installs PostgreSQL 15 + pgvector on Debian as root and exports LLMSTACK_POSTGRES), "
        + "or set LLMSTACK_POSTGRES to the connection string of a PostgreSQL server with the pgvector extension available.";

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

    /// <inheritdoc />
    protected override async Task<string?> ProbeAsync(string address)
    {
        try
        {
            await using var connection = new NpgsqlConnection(address);
            await connection.OpenAsync();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            return $"{new NpgsqlConnectionStringBuilder(address) { Password = null }}: {e.Message}";
        }
    }
}
