using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Tests.Rag;

public sealed class RetrievalAugmentedChatClientTests
{
    [Fact]
    public async Task UseRetrievalAugmentation_answers_from_the_registered_retriever_with_citations_and_sources()
    {
        var retriever = new FixedRetriever(Corpus.Rivers());
        var model = new ScriptedChatClient(["The Volga is the longest river in Europe [2]."]);
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddRetriever(_ => retriever).AddRag(o => o.Top = 2));
        services.AddChatClient(model).UseRetrievalAugmentation();
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        ChatResponse response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Which is the longest river in Europe?")]);

        Assert.Equal("The Volga is the longest river in Europe [2].\n\nSources:\n[2] docs/rivers.md, page 2", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(110, response.Usage?.TotalTokenCount);
        Assert.Equal(["Which is the longest river in Europe?"], retriever.Queries);
        Assert.Equal(2, retriever.Options[0]?.Top);

        // The model saw the sources and the question, not the caller's system message.
        string prompt = string.Join("\n", model.Calls[0].Select(m => m.Text));
        Assert.Contains("The Danube is the second-longest river", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("Be brief.", prompt, StringComparison.Ordinal);
        Assert.NotNull(client.GetService<RagPipeline>());
        Assert.NotNull(client.GetService<RetrievalAugmentedChatClient>());
    }

    [Fact]
    public async Task Caller_options_reach_the_model_merged_over_the_configured_ones()
    {
        var model = new ScriptedChatClient(["Ok [1]."]);
        var configured = new RagOptions { ChatOptions = new ChatOptions { Temperature = 0.1f, ModelId = "configured" } };
        using var client = new RetrievalAugmentedChatClient(model, new FixedRetriever(Corpus.Rivers()), defaultOptions: configured);

        await client.GetResponseAsync("Danube?", new ChatOptions { MaxOutputTokens = 7, StopSequences = ["END"], Seed = 3 });

        ChatOptions? seen = model.CallOptions.Single();
        Assert.Equal(7, seen?.MaxOutputTokens);
        Assert.Equal(["END"], seen?.StopSequences);
        Assert.Equal(3, seen?.Seed);
        Assert.Equal(0.1f, seen?.Temperature);
        Assert.Equal("configured", seen?.ModelId);
    }

    [Fact]
    public async Task A_follow_up_uses_the_earlier_turns_as_history()
    {
        var retriever = new FixedRetriever(Corpus.Rivers());
        var model = new ScriptedChatClient(["Where does the Volga flow into?"], ["Into the Caspian Sea [2]."]);
        using var client = new RetrievalAugmentedChatClient(model, retriever);

        ChatResponse response = await client.GetResponseAsync(
        [
            new ChatMessage(ChatRole.User, "Which is the longest river in Europe?"),
            new ChatMessage(ChatRole.Assistant, "The Volga [2]."),
            new ChatMessage(ChatRole.User, "Where does it flow into?"),
        ]);

        Assert.Equal(["Where does the Volga flow into?"], retriever.Queries);
        Assert.StartsWith("Into the Caspian Sea [2].", response.Text, StringComparison.Ordinal);
        Assert.Equal(220, response.Usage?.TotalTokenCount);
    }

    [Fact]
    public async Task Without_a_user_message_the_call_fails_naming_the_messages()
    {
        using var client = new RetrievalAugmentedChatClient(new ScriptedChatClient(["x"]), new FixedRetriever(Corpus.Rivers()));
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.System, "Only a system prompt.")]));
        Assert.Equal("messages", e.ParamName);
    }

    [Fact]
    public async Task Extractive_answers_stream_with_sources_usage_and_honour_max_tokens_and_stop()
    {
        using RetrievalAugmentedChatClient client = RetrievalAugmentedChatClient.CreateExtractive(new FixedRetriever(Corpus.Rivers()));
        Assert.True(client.IsExtractive);
        Assert.Equal(RetrievalAugmentedChatClient.ExtractiveModelId, client.GetService<ChatClientMetadata>()?.DefaultModelId);

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("Which is the longest river in Europe?"))
        {
            updates.Add(update);
        }

        ChatResponse full = updates.ToChatResponse();
        Assert.Contains("The Volga is the longest river in Europe.", full.Text, StringComparison.Ordinal);
        Assert.Contains("Sources:\n[1] docs/rivers.md", full.Text, StringComparison.Ordinal);
        Assert.All(updates, u => Assert.Equal(RetrievalAugmentedChatClient.ExtractiveModelId, u.ModelId));
        Assert.Equal(ChatFinishReason.Stop, full.FinishReason);
        int answerTokens = PromptBudget.DefaultTokenizer.CountTokens(full.Text);
        Assert.Equal(answerTokens, full.Usage?.OutputTokenCount);
        Assert.Equal(PromptBudget.DefaultTokenizer.CountTokens("Which is the longest river in Europe?"), full.Usage?.InputTokenCount);

        ChatResponse cut = await client.GetResponseAsync("Which is the longest river in Europe?", new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(ChatFinishReason.Length, cut.FinishReason);
        Assert.True(cut.Text.Length < full.Text.Length);
        Assert.StartsWith(cut.Text.Split("\n\nSources:")[0], full.Text, StringComparison.Ordinal);
        Assert.Equal(5, PromptBudget.DefaultTokenizer.CountTokens(cut.Text.Split("\n\nSources:")[0]));

        ChatResponse stopped = await client.GetResponseAsync("Which is the longest river in Europe?", new ChatOptions { StopSequences = ["Volga"] });
        Assert.DoesNotContain("Volga", stopped.Text.Split("\n\nSources:")[0], StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task Citations_never_name_absolute_local_paths()
    {
        string absolute = Path.Combine(Path.GetTempPath(), "secret", "rivers.md");
        RetrievedChunk[] chunks =
        [
            Corpus.Chunk("rivers.md", 0, "The Volga is the longest river in Europe.", 0.9, new Uri(absolute).AbsoluteUri),
            Corpus.Chunk("lakes.md", 0, "Lake Ladoga is the largest lake in Europe.", 0.8, absolute.Replace("rivers", "lakes", StringComparison.Ordinal)),
        ];
        chunks[0].Chunk.Metadata[FileSystemDocumentSource.PathMetadataKey] = "geo/rivers.md";
        using RetrievalAugmentedChatClient client = RetrievalAugmentedChatClient.CreateExtractive(new FixedRetriever(chunks));

        ChatResponse response = await client.GetResponseAsync("Which is the longest river or largest lake in Europe?");

        Assert.DoesNotContain("file:", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), response.Text, StringComparison.Ordinal);
        Assert.Contains("geo/rivers.md", response.Text, StringComparison.Ordinal);
        Assert.Contains("] lakes.md", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncludeSources_false_leaves_the_answer_alone()
    {
        var services = new ServiceCollection();
        services.AddChatClient(new ScriptedChatClient(["The Volga [2]."])).UseRetrievalAugmentation(new FixedRetriever(Corpus.Rivers()), c => c.IncludeSources = false);
        using ServiceProvider provider = services.BuildServiceProvider();

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Longest river?");

        Assert.Equal("The Volga [2].", response.Text);
    }

    [Fact]
    public void Without_a_retriever_building_fails_saying_what_to_register()
    {
        var services = new ServiceCollection();
        services.AddChatClient(new ScriptedChatClient(["x"])).UseRetrievalAugmentation();
        using ServiceProvider provider = services.BuildServiceProvider();
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("IRetriever", e.Message, StringComparison.Ordinal);
    }
}
