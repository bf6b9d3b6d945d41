using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack finetune submit|status|cancel</c> against the OpenAI-protocol test server's files and fine-tuning endpoints,
/// through the official OpenAI client; the tuned model is then a named model that <c>eval --models</c> calls.
/// </summary>
public sealed class FineTuneTests : IDisposable
{
    private readonly OpenAIProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private CliRunner Cli() => new()
    {
        Environment = new Dictionary<string, string?> { ["LLMSTACK_ENDPOINT"] = _server.Endpoint.ToString(), ["LLMSTACK_API_KEY"] = "sk-cli-key" },
    };

    private static string Example(int i) =>
        $$"""{"messages":[{"role":"system","content":"You are the support desk."},{"role":"user","content":"How do I reset router R{{i}}?"},{"role":"assistant","content":"Hold the reset button of the R{{i}} for {{i + 5}} seconds."}]}""";

    [Fact]
    public async Task Submit_follow_uploads_the_validated_set_prints_the_events_and_the_tuned_model_which_eval_then_calls_by_name()
    {
        using CliRunner cli = Cli();
        cli.Write("train.jsonl", string.Join('\n', Enumerable.Range(0, 20).Select(Example).Append(Example(3))) + "\n");

        CliResult result = await cli.RunAsync("finetune", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--suffix", "support", "--epochs", "2", "--follow", "--interval", "0.01");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Uploaded 18 training and 2 validation examples", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 duplicates removed", result.Output, StringComparison.Ordinal);
        Assert.Contains("Fine-tuning job started", result.Output, StringComparison.Ordinal);
        Assert.Contains("Step 2/2: training loss=", result.Output, StringComparison.Ordinal);
        Assert.Contains("The job has successfully completed", result.Output, StringComparison.Ordinal);
        string model = result.Output.Split(' ', '\n').Where(w => w.StartsWith("ft:gpt-4o-mini:", StringComparison.Ordinal)).Distinct().Single();
        Assert.Contains($"\"Model\": \"{model}\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"support\": {", result.Output, StringComparison.Ordinal);
        var uploads = _server.Requests.Where(r => r.Path == "/v1/files").ToArray();
        Assert.Equal(2, uploads.Length);
        Assert.All(_server.Requests, r => Assert.Equal("Bearer sk-cli-key", r.Authorization));
        Assert.Equal(18, uploads[0].Body["file"]!["content"]!.GetValue<string>().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // The printed snippet, as the user would paste it: the tuned model is then one named model.
        string json = result.Output[result.Output.IndexOf("{\n", StringComparison.Ordinal)..].Trim();
        using var user = new CliRunner { Environment = new Dictionary<string, string?>() };
        user.Write("llmstack.json", json);
        user.Write("questions.jsonl", """{"id":"r4","prompt":"How do I reset router R4?","reference":"Hold the reset button of the R4 for 9 seconds."}""");
        CliResult eval = await user.RunAsync("eval", "questions.jsonl", "--no-rag", "--models", "support", "--out", "report");

        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("Hold the reset button of the R4 for 9 seconds.", File.ReadAllText(Path.Combine(user.WorkingDirectory, "report", "report.json")), StringComparison.Ordinal);
        Assert.Equal(model, _server.Requests.Last(r => r.Path == "/v1/chat/completions").Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_refuses_an_invalid_set_naming_the_examples_and_uploads_nothing()
    {
        using CliRunner cli = Cli();
        cli.Write("train.jsonl", string.Join('\n', Enumerable.Range(0, 12).Select(Example)) + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"no answer\"}]}\n");
        cli.Write("broken.jsonl", Example(1) + "\nnot json\n");

        CliResult invalid = await cli.RunAsync("finetune", "submit", "train.jsonl", "--model", "gpt-4o-mini");
        CliResult broken = await cli.RunAsync("finetune", "submit", "broken.jsonl", "--model", "gpt-4o-mini");
        CliResult missing = await cli.RunAsync("finetune", "submit", "nope.jsonl", "--model", "gpt-4o-mini");
        CliResult suffix = await cli.RunAsync("finetune", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--suffix", new string('s', 65));

        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("example 13 has no assistant message to learn from", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was uploaded", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("Line 2", broken.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.Equal(1, suffix.ExitCode);
        Assert.All(new[] { invalid, broken, missing, suffix }, r => Assert.Single(r.Error.Trim().Split('\n')));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Status_prints_a_failed_jobs_reason_with_exit_code_10_and_cancel_stops_a_job_once()
    {
        // A file the server refuses (no assistant message on line 2), submitted past the CLI's own validation.
        var client = new OpenAIFineTuningClient(_server.Endpoint);
        HostedFineTuningJob bad = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", BinaryData.FromString(Example(1) + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n")));
        HostedFineTuningJob running = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", BinaryData.FromString(Example(1) + "\n")));
        using CliRunner cli = Cli();

        CliResult failed = await cli.RunAsync("finetune", "status", bad.Id, "--follow", "--interval", "0.01");
        CliResult cancel = await cli.RunAsync("finetune", "cancel", running.Id);
        CliResult status = await cli.RunAsync("finetune", "status", running.Id);
        CliResult again = await cli.RunAsync("finetune", "cancel", running.Id);

        Assert.Equal(10, failed.ExitCode);
        Assert.Contains("failed: The job failed due to an invalid training file. Line 2", failed.Output, StringComparison.Ordinal);
        Assert.Contains("(invalid_training_file)", failed.Output, StringComparison.Ordinal);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains($"The fine-tuning job {running.Id} is cancelled.", cancel.Output, StringComparison.Ordinal);
        Assert.Equal(10, status.ExitCode);
        Assert.Contains("Job cancelled", status.Output, StringComparison.Ordinal);
        Assert.Contains("was cancelled", status.Output, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"error: The fine-tuning job {running.Id} has already cancelled; there is nothing to cancel.", again.Error.Trim());
    }

    [Fact]
    public async Task Environment_faults_are_one_line_with_documented_exit_codes()
    {
        using CliRunner cli = Cli();
        using var noEndpoint = new CliRunner { Environment = new Dictionary<string, string?>() };
        int deadPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            deadPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        CliResult unknown = await cli.RunAsync("finetune", "status", "ftjob-nope");
        CliResult none = await noEndpoint.RunAsync("finetune", "status", "ftjob-1");
        CliResult unreachable = await cli.RunAsync("finetune", "--endpoint", $"http://127.0.0.1:{deadPort}/v1", "cancel", "ftjob-1");

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("has no fine-tuning job 'ftjob-nope' (Could not find fine tune job: ftjob-nope)", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no fine-tuning endpoint", none.Error, StringComparison.Ordinal);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("cannot be reached", unreachable.Error, StringComparison.Ordinal);
        Assert.All(new[] { unknown, none, unreachable }, r => Assert.Single(r.Error.Trim().Split('\n')));
    }
}
