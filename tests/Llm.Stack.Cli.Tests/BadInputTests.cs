namespace Llm.Stack.Cli.Tests;

public class BadInputTests
{
    [Fact]
    public async Task A_missing_path_is_named()
    {
        using var cli = new CliRunner();
        CliResult result = await cli.RunAsync("ingest", "no-such-folder");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no-such-folder", result.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_an_empty_index_says_what_to_do()
    {
        using var cli = new CliRunner();
        CliResult result = await cli.RunAsync("ask", "anything?");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("llmstack ingest", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_config_file_is_reported_with_the_problem()
    {
        using var cli = new CliRunner();
        cli.Write("llmstack.json", "{ \"LlmStack\": { \"Chat\": ");
        CliResult result = await cli.RunAsync("info");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("llmstack.json", result.Error, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_setting_names_the_key()
    {
        using var cli = new CliRunner();
        cli.Write("llmstack.json", """{ "LlmStack": { "Chat": { "Provider": "openai", "Model": "m" } } }""");
        CliResult result = await cli.RunAsync("info");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("LlmStack:Chat:Endpoint is required", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_is_named()
    {
        using var cli = new CliRunner();
        cli.Write("llmstack.json", """{ "LlmStack": { "Chat": { "Modell": "typo" } } }""");
        CliResult result = await cli.RunAsync("info");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Modell", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_model_folder_is_named()
    {
        using var cli = new CliRunner();
        CliResult result = await cli.RunAsync("info", "--model", "models/none");
        Assert.Equal(2, result.ExitCode);   // invalid configuration, reported by AddLlmStack(configuration)
        Assert.Contains("LlmStack:Chat:ModelPath", result.Error, StringComparison.Ordinal);
        Assert.Contains("models/none", result.Error, StringComparison.Ordinal);
    }
}
