using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Tests.Rag;

public sealed class RagOptionsMergeTests
{
    [Fact]
    public void A_call_keeps_every_configured_value_it_does_not_set()
    {
        var configured = new RagOptions { ContextWindowTokens = 2048, MaxAnswerTokens = 100, Top = 6, SystemPrompt = "Be brief." };

        RagOptions merged = new RagOptions { Top = 2, ScoreThreshold = 0.3 }.WithDefaults(configured);

        Assert.Equal((2, 0.3, 2048, 100, "Be brief."), (merged.Top, merged.ScoreThreshold!.Value, merged.ContextWindowTokens, merged.MaxAnswerTokens, merged.SystemPrompt));
        Assert.Equal(6, configured.Top);
    }

    [Fact]
    public void A_value_the_call_sets_wins_even_when_it_equals_the_built_in_default()
    {
        var configured = new RagOptions { Top = 9, RewriteFollowUps = false };

        RagOptions merged = new RagOptions { Top = 5, RewriteFollowUps = true }.WithDefaults(configured);

        Assert.Equal((5, true), (merged.Top, merged.RewriteFollowUps));
    }

    [Fact]
    public void Merged_options_merge_again_as_what_they_hold()
    {
        RagOptions first = new RagOptions { Top = 2 }.WithDefaults(new RagOptions { MaxAnswerTokens = 50 });

        RagOptions second = first.WithDefaults(new RagOptions { MaxAnswerTokens = 70, ExtractiveSentences = 4 });

        Assert.Equal((2, 50, 4), (second.Top, second.MaxAnswerTokens, second.ExtractiveSentences));
    }

    [Theory]
    [InlineData(260, 0)]
    [InlineData(4096, 3)]
    public async Task A_per_call_Top_keeps_the_configured_answer_length_and_context_window(int contextWindow, int expectedSources)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([
                new("LlmStack:Chat:ContextWindow", contextWindow.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("LlmStack:Chat:MaxOutputTokens", "77")])
            .Build();
        var chat = new ScriptedChatClient(["The Volga [1]."]);
        var services = new ServiceCollection();
        services.AddLlmStack(configuration)
            .AddRetriever(_ => new FixedRetriever(Corpus.Rivers()))
            .AddRag()
            .AddChatClient(chat);
        await using ServiceProvider provider = services.BuildServiceProvider();

        // As `llmstack ask --top 3` does: the call sets Top only.
        RagAnswer answer = await provider.GetRequiredService<RagPipeline>().AskAsync("Which is the longest river?", new RagOptions { Top = 3 });

        Assert.Equal(77, chat.CallOptions.Single()?.MaxOutputTokens);
        Assert.Equal(expectedSources, answer.Sources.Count);   // 260 tokens hold the prompt and the 77-token answer, but no source
    }
}
