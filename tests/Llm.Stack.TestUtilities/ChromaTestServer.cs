namespace Llm.Stack.TestUtilities;

/// <summary>The Chroma server of the tests (<c>LLMSTACK_CHROMA</c>, its endpoint; <c>eng/start-chroma.sh</c>).</summary>
public class ChromaTestServer() : ConnectorTestServer("LLMSTACK_CHROMA", "start-chroma.sh")
{
    /// <summary>Gets the endpoint of the running server; throws with a message saying how to start one when there is none.</summary>
    public Uri Endpoint => new(Address);

    /// <inheritdoc />
    protected override string HowToStart =>
        "Start one with `eval \"$(eng/start-chroma.sh)\"` (installs npm chromadb 3.5.0 once and exports LLMSTACK_CHROMA), "
        + "or set LLMSTACK_CHROMA to the endpoint of a Chroma server (HTTP API v2).";

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

    /// <inheritdoc />
    protected override async Task<string?> ProbeAsync(string address)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using HttpResponseMessage reply = await http.GetAsync(new Uri(new Uri(address), "api/v2/heartbeat"));
            _ = reply.EnsureSuccessStatusCode();
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return $"{address}: {e.Message}";
        }
    }
}
