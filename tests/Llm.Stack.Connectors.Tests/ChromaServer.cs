using System.Net.Http;

namespace Llm.Stack.Connectors.Tests;

/// <summary>
/// The Chroma server of the tests: the one at <c>LLMSTACK_CHROMA</c> (its endpoint; <c>.ci/run</c> starts it with
/// <c>eng/start-chroma.sh</c>), or else one this fixture starts with that script and stops at the end. With
/// <c>LLMSTACK_REQUIRE_SERVERS=1</c> (set by <c>.ci/run</c>) a missing server is a failure at once. Never a skip: without
/// a server every test that needs one fails with a message saying how to start it.
/// </summary>
public sealed class ChromaServer : IAsyncLifetime
{
    private const string HowToStart =
        "Start one with `eval \"$(eng/start-chroma.sh)\"` (installs npm chromadb 3.5.0 once and exports LLMSTACK_CHROMA), "
        + "or set LLMSTACK_CHROMA to the endpoint of a Chroma server (HTTP API v2).";

    private string? _startedData;
    private string? _error;
    private Uri? _endpoint;

    /// <summary>Gets the folder eng/start-chroma.sh started the server in (<c>LLMSTACK_CHROMA_DATA</c>), or <see langword="null"/> for a server started otherwise.</summary>
    public string? DataFolder => _startedData ?? Environment.GetEnvironmentVariable("LLMSTACK_CHROMA_DATA");

    /// <summary>Gets the endpoint of the running server; throws with a message saying how to start one when there is none.</summary>
    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException(_error);

    /// <summary>Stops the server (SIGINT) and starts it again on the same data and port; returns when it answers.</summary>
    public async Task RestartAsync()
    {
        string data = DataFolder ?? throw new InvalidOperationException("Restarting needs the server's folder: start it with eng/start-chroma.sh (LLMSTACK_CHROMA_DATA).");
        (int exit, _, string error) = await ServerScript.RunAsync("start-chroma.sh", "--restart", data);
        if (exit != 0)
        {
            throw new InvalidOperationException($"eng/start-chroma.sh --restart failed ({exit}): {error}");
        }
    }

    public async Task InitializeAsync()
    {
        string? configured = Environment.GetEnvironmentVariable("LLMSTACK_CHROMA");
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (Environment.GetEnvironmentVariable("LLMSTACK_REQUIRE_SERVERS") == "1")
            {
                _error = "LLMSTACK_REQUIRE_SERVERS=1 but LLMSTACK_CHROMA is not set: .ci/run should have started Chroma with eng/start-chroma.sh. " + HowToStart;
                return;
            }

            (int exit, string output, string error) = await ServerScript.RunAsync("start-chroma.sh");
            if (exit != 0)
            {
                _error = $"LLMSTACK_CHROMA is not set and eng/start-chroma.sh failed (exit code {exit}): {error.Trim()}. {HowToStart}";
                return;
            }

            configured = ServerScript.Export(output, "LLMSTACK_CHROMA");
            _startedData = ServerScript.Export(output, "LLMSTACK_CHROMA_DATA");
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using HttpResponseMessage reply = await http.GetAsync(new Uri(new Uri(configured!), "api/v2/heartbeat"));
            _ = reply.EnsureSuccessStatusCode();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            _error = $"No Chroma server answers at LLMSTACK_CHROMA ({configured}): {e.Message}. {HowToStart}";
            return;
        }

        _endpoint = new Uri(configured!);
    }

    public async Task DisposeAsync()
    {
        if (_startedData is not null)
        {
            _ = await ServerScript.RunAsync("start-chroma.sh", "--stop", _startedData);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChromaServerGroup : ICollectionFixture<ChromaServer>
{
    public const string Name = "chroma";
}
