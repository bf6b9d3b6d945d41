using System.Diagnostics;
using System.Text.Json;

namespace Llm.Stack.Server.Tests;

/// <summary>The official npm <c>openai</c> client (installed by .ci/run into <c>node/node_modules</c>) against the server.</summary>
public sealed class NodeClientTests
{
    [Fact]
    public async Task The_npm_openai_client_streams_counts_usage_gets_OpenAI_errors_models_and_embeddings()
    {
        var chat = new ScriptedChatClient("model-a", "Hello", ", ", "world.");
        await using TestServer server = await TestServer.StartAsync(chat, new TestEmbedder());

        JsonElement result = await RunNodeAsync(server.V1.ToString().TrimEnd('/'), "model-a", "test-embed");

        Assert.Equal("Hello, world.", result.GetProperty("completion").GetProperty("content").GetString());
        Assert.Equal("stop", result.GetProperty("completion").GetProperty("finish").GetString());
        Assert.Equal(30, result.GetProperty("completion").GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Contains(chat.Calls, o => o?.MaxOutputTokens == 50 && o.Temperature == 0.2f && o.Seed == 1);

        JsonElement stream = result.GetProperty("stream");
        Assert.Equal("Hello, world.", stream.GetProperty("content").GetString());
        Assert.Equal("assistant", stream.GetProperty("role").GetString());
        Assert.Equal("stop", stream.GetProperty("finish").GetString());
        Assert.Equal("Hello, world.", stream.GetProperty("deltas").GetString());
        Assert.Equal(21, stream.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        JsonElement chunks = result.GetProperty("chunks");
        Assert.Equal("assistant", chunks.GetProperty("firstRole").GetString());
        Assert.Equal(0, chunks.GetProperty("lastChoices").GetInt32());
        Assert.Equal(9, chunks.GetProperty("lastUsage").GetProperty("completion_tokens").GetInt32());

        JsonElement unknown = result.GetProperty("unknownModel");
        Assert.Equal("NotFoundError", unknown.GetProperty("name").GetString());
        Assert.Equal(404, unknown.GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", unknown.GetProperty("code").GetString());
        foreach ((string call, string param) in (ReadOnlySpan<(string, string)>)[("twoChoices", "n"), ("tools", "tools"), ("systemOnly", "messages")])
        {
            JsonElement e = result.GetProperty(call);
            Assert.Equal("BadRequestError", e.GetProperty("name").GetString());
            Assert.Equal(param, e.GetProperty("param").GetString());
            Assert.Equal("invalid_request_error", e.GetProperty("type").GetString());
        }

        JsonElement[] models = [.. result.GetProperty("models").EnumerateArray()];
        Assert.Equal(["model-a", "test-embed"], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m => Assert.True(m.GetProperty("created").GetInt64() > 1_700_000_000));

        JsonElement embeddings = result.GetProperty("embeddings");
        Assert.Equal(TestEmbedder.VectorOf("a volcano"), embeddings.GetProperty("vectors")[0].EnumerateArray().Select(v => v.GetSingle()).ToArray());
        Assert.Equal(TestEmbedder.VectorOf("bread"), embeddings.GetProperty("vectors")[1].EnumerateArray().Select(v => v.GetSingle()).ToArray());
        Assert.Equal(TestEmbedder.VectorOf("bread"), embeddings.GetProperty("float").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        Assert.Equal(3, embeddings.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    /// <summary>Runs <c>node/client.mjs</c> and parses the JSON it prints; fails with its error output otherwise.</summary>
    internal static async Task<JsonElement> RunNodeAsync(params string[] args)
    {
        string folder = Path.Combine(RepositoryRoot(), "tests", "Llm.Stack.Server.Tests", "node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "openai")), $"The npm openai package is not installed in {folder}: run 'npm ci' there (.ci/run does).");
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("client.mjs");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"node client.mjs failed (exit {node.ExitCode}):\n{await error}\n{await output}");
        return JsonDocument.Parse(await output).RootElement;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Llm.Stack.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Llm.Stack.sln) was not found above " + AppContext.BaseDirectory);
    }
}
