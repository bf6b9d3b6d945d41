using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// The local index over an <c>openai</c> embedder, which reports no dimensions (an OpenAI-protocol server on 127.0.0.1 that
/// embeds each text as <c>[length, vowels, 1]</c>): the index learns them from one probe embedding and records them; and
/// the CLI's embedder (<c>serve</c>'s embeddings, <c>tune-embeddings</c>) is the one <c>LlmStack:Ingestion:EmbeddingModel</c> names.
/// </summary>
public sealed class OpenAIEmbedderCliTests : IDisposable
{
    /// <summary>The test server's embedding of "hello": 5 letters, 2 vowels, 1.</summary>
    private static readonly float[] Hello = [5f, 2f, 1f];

    private readonly OpenAIProtocolServer _default = new();
    private readonly OpenAIProtocolServer _named = new();

    public void Dispose()
    {
        _default.Dispose();
        _named.Dispose();
    }

    private static int EmbeddingRequests(OpenAIProtocolServer server) => server.Requests.Count(r => r.Path.EndsWith("/embeddings", StringComparison.Ordinal));

    [Fact]
    public async Task Ingest_and_search_over_an_openai_embedder_record_the_dimensions_it_answers_with()
    {
        using var cli = new CliRunner();
        cli.Write("docs/iceland.md", "# Iceland\n\nEyjafjallajokull erupted in 2010.\n");
        cli.Write("docs/italy.md", "# Italy\n\nVesuvius buried Pompeii in the year 79 and last erupted in 1944, a long time ago.\n");
        cli.Write("llmstack.json", $$"""
            { "LlmStack": { "Embeddings": { "Provider": "openai", "Endpoint": "{{_default.Endpoint}}", "Model": "remote-embed" } } }
            """);

        CliResult ingest = await cli.RunAsync("ingest", "docs");
        CliResult search = await cli.RunAsync("search", "Vesuvius", "--top", "2");

        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Contains("italy.md", search.Output, StringComparison.Ordinal);
        JsonNode index = JsonNode.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, ".llmstack", "index.json")))!;
        Assert.Equal("remote-embed", index["EmbeddingModel"]!.GetValue<string>());
        Assert.Equal(3, index["Dimensions"]!.GetValue<int>());
        Assert.All(_default.Requests, r => Assert.EndsWith("/embeddings", r.Path, StringComparison.Ordinal));
        Assert.True(EmbeddingRequests(_default) >= 3, $"{EmbeddingRequests(_default)} embedding requests"); // the probe, the chunks, the query
    }

    [Fact]
    public async Task Serve_embeds_with_the_model_LlmStack_Ingestion_EmbeddingModel_names()
    {
        using var cli = new CliRunner();
        cli.Write("llmstack.json", $$"""
            {
              "LlmStack": {
                "Embeddings": { "Provider": "openai", "Endpoint": "{{_default.Endpoint}}", "Model": "default-embed" },
                "EmbeddingModels": { "Remote": { "Provider": "openai", "Endpoint": "{{_named.Endpoint}}", "Model": "remote-embed" } },
                "Ingestion": { "EmbeddingModel": "remote" },
                "Server": { "Port": 0 }
              }
            }
            """);

        using var stop = new CancellationTokenSource();
        var output = new ServeTests.LockedWriter();
        var error = new ServeTests.LockedWriter();
        Task<int> server = new CliApp(output, error, cli.WorkingDirectory).RunAsync(["serve", "--rag"], stop.Token);
        try
        {
            string address = await ServeTests.WaitForAddressAsync(output, error, server);
            using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
            using HttpResponseMessage response = await http.PostAsJsonAsync("embeddings", new { model = "remote-embed", input = "hello" });
            string body = await response.Content.ReadAsStringAsync();

            Assert.True(response.IsSuccessStatusCode, body);
            using JsonDocument embeddings = JsonDocument.Parse(body);
            Assert.Equal(Hello, embeddings.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()));
            Assert.Contains(_named.Requests, r => r.Path.EndsWith("/embeddings", StringComparison.Ordinal) && r.Body.ToJsonString().Contains("\"hello\"", StringComparison.Ordinal));
            Assert.Empty(_default.Requests);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await server);
        }
    }
}
