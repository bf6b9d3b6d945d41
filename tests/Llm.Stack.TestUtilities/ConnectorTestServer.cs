namespace Llm.Stack.TestUtilities;

/// <summary>
/// A database server of the tests: the one named by an environment variable (<c>.ci/run</c> starts it with an
/// <c>eng/start-*.sh</c> script), or else one started with that script and stopped at the end. With
/// <c>LLMSTACK_REQUIRE_SERVERS=1</c> (set by <c>.ci/run</c>) a missing server is a failure at once. Never a skip: without
/// a server every test that needs one fails with a message saying how to start it. Test assemblies derive an xunit
/// fixture from <see cref="PostgresTestServer"/> or <see cref="ChromaTestServer"/> (adding <c>IAsyncLifetime</c>).
/// </summary>
public abstract class ConnectorTestServer
{
    private readonly string _variable;
    private readonly string _script;
    private string? _startedData;
    private string? _error;
    private string? _address;

    /// <summary>Initializes a new instance of the <see cref="ConnectorTestServer"/> class.</summary>
    /// <param name="variable">The variable that names a running server, such as <c>LLMSTACK_POSTGRES</c>; the script exports it, and <c>{variable}_DATA</c> for its folder.</param>
    /// <param name="script">The script under <c>eng/</c> that starts one.</param>
    protected ConnectorTestServer(string variable, string script)
    {
        _variable = variable;
        _script = script;
    }

    /// <summary>Gets the folder the script started the server in (<c>{variable}_DATA</c>), or <see langword="null"/> for a server started otherwise.</summary>
    public string? DataFolder => _startedData ?? Environment.GetEnvironmentVariable(_variable + "_DATA");

    /// <summary>Gets what the variable says: the running server's address; throws with a message saying how to start one when there is none.</summary>
    protected string Address => _address ?? throw new InvalidOperationException(_error);

    /// <summary>Gets how to start a server, for the failure messages.</summary>
    protected abstract string HowToStart { get; }

    /// <summary>Finds or starts the server, and checks that it answers.</summary>
    public async Task InitializeAsync()
    {
        string? configured = Environment.GetEnvironmentVariable(_variable);
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (Environment.GetEnvironmentVariable("LLMSTACK_REQUIRE_SERVERS") == "1")
            {
                _error = $"LLMSTACK_REQUIRE_SERVERS=1 but {_variable} is not set: .ci/run should have started the server with eng/{_script}. {HowToStart}";
                return;
            }

            (int exit, string output, string error) = await ServerScript.RunAsync(_script);
            if (exit != 0)
            {
                _error = $"{_variable} is not set and eng/{_script} failed (exit code {exit}): {error.Trim()}. {HowToStart}";
                return;
            }

            configured = ServerScript.Export(output, _variable);
            _startedData = ServerScript.Export(output, _variable + "_DATA");
        }

        string? problem = await ProbeAsync(configured!);
        if (problem is not null)
        {
            _error = $"No server answers at {_variable} ({problem}). {HowToStart}";
            return;
        }

        _address = configured;
    }

    /// <summary>Stops the server when this fixture started it.</summary>
    public async Task DisposeAsync()
    {
        if (_startedData is not null)
        {
            _ = await ServerScript.RunAsync(_script, "--stop", _startedData);
        }
    }

    /// <summary>Checks that the server answers at <paramref name="address"/>.</summary>
    /// <returns><see langword="null"/> when it answers, else what went wrong (with no password in it).</returns>
    protected abstract Task<string?> ProbeAsync(string address);
}
