using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack ingest</c> and <c>ask</c> on named models: <c>LlmStack:Ingestion:EmbeddingModel</c> chooses the embedder of
/// the local index (its chunks and its queries) and <c>LlmStack:Rag:ChatModel</c> the model that answers, while the default
/// models of <c>LlmStack:Chat</c> and <c>LlmStack:Embeddings</c> (an OpenAI-protocol server on 127.0.0.1 that records every
/// request) are never called.
/// </summary>
public sealed class NamedModelPipelineCliTests : IDisposable
{
    private readonly OpenAIProtocolServer _default = new();
    private readonly OpenAIProtocolServer _named = new();

    public void Dispose()
    {
        _default.Dispose();
        _named.Dispose();
    }

    private CliRunner Cli(string ragModel)
    {
        var cli = new CliRunner();
        cli.Write("docs/iceland.md", "# Iceland\n\nEyjafjallajokull, a volcano in Iceland, erupted in 2010 and its ash closed the airspace of Europe.\n");
        cli.Write("docs/italy.md", "# Italy\n\nVesuvius buried Pompeii in the year 79 and last erupted in 1944.\n");
        cli.Write("llmstack.json", $$"""
            {
              "LlmStack": {
                "Chat": { "Provider": "openai", "Endpoint": "{{_default.Endpoint}}", "Model": "default-chat" },
                "Embeddings": { "Provider": "openai", "Endpoint": "{{_default.Endpoint}}", "Model": "default-embed" },
                "ChatModels": { "big": { "Provider": "openai", "Endpoint": "{{_named.Endpoint}}", "Model": "big-chat", "MaxOutputTokens": 64 } },
                "EmbeddingModels": { "mini": { "Provider": "minilm" } },
                "Rag": { "ChatModel": "{{ragModel}}" },
                "Ingestion": { "EmbeddingModel": "mini" }
              }
            }
            """);
        return cli;
    }

    [Fact]
    public async Task Ingest_and_ask_use_the_named_embedding_and_chat_models()
    {
        using CliRunner cli = Cli("big");
        _named.Replies.Enqueue("Eyjafjallajokull erupted in 2010 [1].");

        CliResult ingest = await cli.RunAsync("ingest", "docs");
        CliResult ask = await cli.RunAsync("ask", "Which volcano in Iceland erupted in 2010?");

        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("Eyjafjallajokull erupted in 2010 [1].", ask.Output, StringComparison.Ordinal);
        Assert.Contains("iceland.md", ask.Output, StringComparison.Ordinal);
        Assert.Empty(_default.Requests);
        (string path, _, System.Text.Json.Nodes.JsonNode body) = Assert.Single(_named.Requests);
        Assert.EndsWith("/chat/completions", path, StringComparison.Ordinal);
        Assert.Equal("big-chat", body["model"]!.GetValue<string>());
        Assert.Equal(64, (body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>());
        // The MiniLM model retrieved the Iceland passage for the question: the index's queries used it too.
        Assert.Contains("Eyjafjallajokull, a volcano in Iceland", body["messages"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_name_is_a_one_line_configuration_error()
    {
        using CliRunner cli = Cli("bgi");

        CliResult ask = await cli.RunAsync("ask", "Which volcano in Iceland erupted in 2010?", "--docs", "docs");

        Assert.Equal(CliExitCodes.InvalidConfiguration, ask.ExitCode);
        Assert.Equal(
            "error: invalid configuration: LlmStack:Rag:ChatModel is 'bgi', but no chat model has that name. Did you mean 'big'? Configure it under LlmStack:ChatModels:bgi, or register it in code with AddKeyedChatClient(\"bgi\", ...); the configured chat models are: big.",
            ask.Error.Trim());
        Assert.Empty(_default.Requests);
        Assert.Empty(_named.Requests);
    }
}
