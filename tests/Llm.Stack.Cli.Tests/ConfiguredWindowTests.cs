using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>ask --top N</c> and <c>serve --rag</c> keep <c>LlmStack:Chat:ContextWindow</c> and <c>LlmStack:Chat:MaxOutputTokens</c>:
/// the options of one call merge over the configured ones. The chat model is an OpenAI-protocol server that records
/// the prompt it is sent.
/// </summary>
public sealed class ConfiguredWindowTests : IDisposable
{
    private const string Question = "Which volcanoes erupted and what did their ash do?";
    private readonly OpenAIProtocolServer _model = new();

    public void Dispose() => _model.Dispose();

    private CliRunner NewCli(int contextWindow, int maxOutputTokens)
    {
        var cli = new CliRunner();
        string[] volcanoes = ["Eyjafjallajokull", "Vesuvius", "Etna", "Pinatubo", "Krakatoa", "Hekla"];
        foreach (string name in volcanoes)
        {
            // About 120 tokens each: five of them fill a prompt of about 600 tokens.
            cli.Write($"docs/{name}.txt", string.Concat(Enumerable.Repeat(
                $"The volcano {name} erupted and its ash cloud spread over the towns, fields and airports around it for many days. ", 5)));
        }

        cli.Write("llmstack.json", $$"""
            { "LlmStack": { "Chat": { "Provider": "openai", "Endpoint": "{{_model.Endpoint}}", "Model": "recorded",
                                      "ContextWindow": {{contextWindow}}, "MaxOutputTokens": {{maxOutputTokens}} } } }
            """);
        return cli;
    }

    /// <summary>The number of sources in the last chat request's prompt, and the answer length it asked for.</summary>
    private (int Sources, int? MaxTokens) LastChatRequest()
    {
        JsonNode body = _model.Requests.Last(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).Body;
        string prompt = string.Concat(body["messages"]!.AsArray().Select(m => m!["content"] switch
        {
            JsonValue text => text.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
            _ => "",
        }));
        int sources = prompt.Split("<source id=\"").Length - 1;
        int? maxTokens = (body["max_completion_tokens"] ?? body["max_tokens"])?.GetValue<int>();
        return (sources, maxTokens);
    }

    [Fact]
    public async Task Ask_with_top_keeps_the_configured_context_window_and_answer_length()
    {
        using CliRunner wide = NewCli(contextWindow: 8192, maxOutputTokens: 64);
        CliResult wideResult = await wide.RunAsync("ask", Question, "--docs", "docs", "--top", "5");
        Assert.True(wideResult.ExitCode == 0, wideResult.ToString());
        Assert.Contains("You asked:", wideResult.Output, StringComparison.Ordinal);
        Assert.Equal((5, 64), LastChatRequest());

        using CliRunner narrow = NewCli(contextWindow: 500, maxOutputTokens: 48);
        CliResult narrowResult = await narrow.RunAsync("ask", Question, "--docs", "docs", "--top", "5");
        Assert.True(narrowResult.ExitCode == 0, narrowResult.ToString());
        (int sources, int? maxTokens) = LastChatRequest();
        Assert.Equal(48, maxTokens);
        Assert.InRange(sources, 1, 3);
    }

    [Fact]
    public async Task Serve_rag_keeps_the_configured_context_window_and_answer_length_under_per_call_options()
    {
        using CliRunner cli = NewCli(contextWindow: 500, maxOutputTokens: 48);
        CliResult ingest = await cli.RunAsync("ingest", "docs");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());

        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        Task<int> serving = new CliApp(TextWriter.Synchronized(output), TextWriter.Synchronized(new StringWriter()), cli.WorkingDirectory)
            .RunAsync(["serve", "--rag", "--port", "0"], stop.Token);
        try
        {
            string? address = null;
            for (int i = 0; i < 600 && address is null; i++)
            {
                await Task.Delay(100);
                Assert.False(serving.IsCompleted, output.ToString());
                string text = output.ToString();
                int at = text.IndexOf(" at http://", StringComparison.Ordinal);
                address = at < 0 ? null : text[(at + 4)..(text.IndexOf("/v1", at, StringComparison.Ordinal) + 3)];
            }

            using var http = new HttpClient();
            async Task<JsonNode> AskAsync(JsonObject request)
            {
                request["model"] = "recorded";
                request["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Question });
                using HttpResponseMessage response = await http.PostAsJsonAsync(address + "/chat/completions", request);
                string body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, body);
                return JsonNode.Parse(body)!;
            }

            // A per-call option (temperature) leaves the configured window and answer length in place.
            JsonNode answer = await AskAsync(new JsonObject { ["temperature"] = 0.2 });
            Assert.StartsWith("You asked:", answer["choices"]![0]!["message"]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
            (int sources, int? maxTokens) = LastChatRequest();
            Assert.Equal(48, maxTokens);
            Assert.InRange(sources, 1, 3);

            // A per-call answer length wins over the configured one; the window stays.
            await AskAsync(new JsonObject { ["max_tokens"] = 20 });
            Assert.Equal((sources, (int?)20), LastChatRequest());
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await serving);
        }
    }
}
