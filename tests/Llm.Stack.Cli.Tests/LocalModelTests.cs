using System.ClientModel;
using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// The CLI with a local ONNX Runtime GenAI model (<c>--model DIR</c>): the repository's tiny model (random weights,
/// so its text is gibberish, but every layer of the real path runs: template, tokenizer, generation, streaming).
/// </summary>
public sealed class LocalModelTests : IDisposable
{
    private readonly string _modelDirectory = Path.Combine(Path.GetTempPath(), "llmstack-tiny-" + Guid.NewGuid().ToString("N"));

    public LocalModelTests()
    {
        TinyModelFiles.Write(_modelDirectory, new TinyModelSpec { ContextLength = 4096 });
    }

    public void Dispose() => Directory.Delete(_modelDirectory, recursive: true);

    private static CliRunner NewCli()
    {
        var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried Pompeii.\n");
        cli.Write("llmstack.json", """{ "LlmStack": { "Chat": { "MaxOutputTokens": 12, "ContextWindow": 4096 } } }""");
        return cli;
    }

    [Fact]
    public async Task Ask_with_a_local_model_generates_instead_of_extracting()
    {
        using CliRunner cli = NewCli();

        CliResult result = await cli.RunAsync("ask", "Which town did Vesuvius bury?", "--docs", "docs", "--model", _modelDirectory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("xtractive", result.Output, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(result.Output.Split('\n')[0]), result.ToString());

        CliResult info = await cli.RunAsync("info", "--model", _modelDirectory);
        Assert.Contains("local ONNX Runtime GenAI model", info.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoRA_adapter_files_in_configuration_are_relative_to_the_working_directory_and_refused_in_one_line_when_unusable()
    {
        using CliRunner cli = NewCli();
        cli.Write("llmstack.json", """{ "LlmStack": { "Chat": { "MaxOutputTokens": 12, "ContextWindow": 4096, "Adapters": { "support": "adapters/support.onnx_adapter" } } } }""");
        string adapter = Path.Combine(cli.WorkingDirectory, "adapters", "support.onnx_adapter");

        CliResult missing = await cli.RunAsync("ask", "Which town did Vesuvius bury?", "--docs", "docs", "--model", _modelDirectory);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains($"LlmStack:Chat:Adapters:support is '{adapter}', but the adapter file", missing.Error, StringComparison.Ordinal);

        cli.Write("adapters/support.onnx_adapter", "not an adapter");
        CliResult garbage = await cli.RunAsync("ask", "Which town did Vesuvius bury?", "--docs", "docs", "--model", _modelDirectory);
        Assert.True(garbage.ExitCode == 2, garbage.ToString());
        // The ingestion of --docs reports first; then one line, no stack trace.
        string error = garbage.Error.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("error: invalid configuration: LlmStack:Chat:Adapters: ", error, StringComparison.Ordinal);
        Assert.Contains($"'{adapter}' (adapter 'support') is not an ONNX Runtime adapter file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", garbage.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_exposes_the_local_model_to_the_OpenAI_client()
    {
        using CliRunner cli = NewCli();
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var error = new StringWriter();
        Task<int> server = new CliApp(TextWriter.Synchronized(output), TextWriter.Synchronized(error), cli.WorkingDirectory)
            .RunAsync(["serve", "--model", _modelDirectory, "--port", "0"], stop.Token);
        try
        {
            string? address = null;
            for (int i = 0; i < 600 && address is null; i++)
            {
                await Task.Delay(100);
                Assert.False(server.IsCompleted, $"{output}\n{error}");
                string text = output.ToString();
                int at = text.IndexOf(" at http://", StringComparison.Ordinal);
                address = at < 0 ? null : text[(at + 4)..(text.IndexOf("/v1", at, StringComparison.Ordinal) + 3)];
            }

            IChatClient client = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(address!) })
                .GetChatClient(ServedModelId(output.ToString())).AsIChatClient();
            ChatResponse response = await client.GetResponseAsync("Hello", new ChatOptions { MaxOutputTokens = 8 });

            Assert.False(string.IsNullOrEmpty(response.Text));
            Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await server);
        }
    }

    [Fact]
    public async Task Eval_compares_the_local_model_with_and_without_retrieval_deterministically()
    {
        using CliRunner cli = NewCli();
        cli.Write("dataset.jsonl", """{"id":"a","prompt":"Which town did Vesuvius bury?","reference":"Pompeii"}""");

        CliResult first = await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--model", _modelDirectory, "--out", "r1");
        CliResult second = await cli.RunAsync("eval", "dataset.jsonl", "--model", _modelDirectory, "--out", "r2");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("chat + rag", first.Output, StringComparison.Ordinal);

        // One record per model (the model with retrieval, and the model alone), each answered; greedy decoding gives
        // the same answers on a second run.
        Dictionary<string, string> Answers(string dir) => File.ReadAllLines(Path.Combine(cli.WorkingDirectory, dir, "results.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("model").GetString()!, e => e.GetProperty("response").GetString()!);
        Dictionary<string, string> run1 = Answers("r1");
        Assert.Equal(2, run1.Count);
        Assert.All(run1.Values, answer => Assert.False(string.IsNullOrEmpty(answer)));
        Assert.Equal(run1.OrderBy(p => p.Key), Answers("r2").OrderBy(p => p.Key));
    }

    [Fact]
    public async Task An_OpenAI_compatible_endpoint_from_LLMSTACK_ENDPOINT_answers_ask()
    {
        // The endpoint is `llmstack serve` itself, serving the tiny local model: the OpenAI path end to end, offline.
        using CliRunner server = NewCli();
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        Task<int> serving = new CliApp(TextWriter.Synchronized(output), TextWriter.Synchronized(new StringWriter()), server.WorkingDirectory)
            .RunAsync(["serve", "--model", _modelDirectory, "--port", "0"], stop.Token);
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

            using CliRunner client = NewCli();
            string model = ServedModelId(output.ToString());
            var environment = new Dictionary<string, string?> { ["LLMSTACK_ENDPOINT"] = address, ["LLMSTACK_MODEL"] = model, ["LLMSTACK_API_KEY"] = "unused" };
            var answerOutput = new StringWriter();
            var answerError = new StringWriter();
            int exit = await new CliApp(answerOutput, answerError, client.WorkingDirectory, environment)
                .RunAsync(["ask", "Which town did Vesuvius bury?", "--docs", "docs"], CancellationToken.None);

            Assert.True(exit == 0, $"{answerOutput}\n{answerError}");
            Assert.DoesNotContain("xtractive", answerOutput.ToString(), StringComparison.Ordinal);

            var info = new StringWriter();
            await new CliApp(info, new StringWriter(), client.WorkingDirectory, environment).RunAsync(["info"], CancellationToken.None);
            Assert.Contains(model + " at " + address, info.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await serving);
        }
    }

    /// <summary>The model id <c>serve</c> announces ("Serving {id} at …"): the server answers that id only.</summary>
    private static string ServedModelId(string output)
    {
        int start = output.IndexOf("Serving ", StringComparison.Ordinal) + "Serving ".Length;
        return output[start..output.IndexOf(" at http://", start, StringComparison.Ordinal)];
    }
}
