using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Monitoring.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Bad_interaction_log_keys_and_values_are_refused_by_AddLlmStack_with_their_full_key_paths()
    {
        IConfiguration configuration = Configuration(new()
        {
            ["LlmStack:InteractionLog:IncludeContnet"] = "true",
            ["LlmStack:InteractionLog:QueueCapacity"] = "3",
            ["LlmStack:InteractionLog:MaxAge"] = "soon",
        });

        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration));

        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:InteractionLog:IncludeContnet is not a known key. Did you mean LlmStack:InteractionLog:IncludeContent?", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:InteractionLog:QueueCapacity is '3', which is not allowed", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:InteractionLog:MaxAge is 'soon', which is not a time span", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configured_settings_reach_the_log_and_its_SQLite_file_under_the_data_directory()
    {
        IConfiguration configuration = Configuration(new()
        {
            ["LlmStack:DataDirectory"] = _folder.Path,
            ["LlmStack:InteractionLog:Path"] = "logs/interactions.sqlite",
            ["LlmStack:InteractionLog:IncludeContent"] = "true",
            ["LlmStack:InteractionLog:MaxAge"] = "2.00:00:00",
            ["LlmStack:InteractionLog:MaxSizeMegabytes"] = "8",
        });
        var services = new ServiceCollection();
        services.AddLlmStack(configuration, stack => stack.AddInteractionLog(o => o.RedactPersonalData = false));
        services.AddChatClient(new PiecesChatClient("m", "fine")).UseInteractionLog();

        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<SqliteInteractionStore>(provider.GetRequiredService<IInteractionStore>());
            Assert.Equal(Path.Combine(_folder.Path, "logs", "interactions.sqlite"), store.Path);
            Assert.Equal(TimeSpan.FromDays(2), store.MaxAge);
            Assert.Equal(8L << 20, store.MaxSizeBytes);

            await provider.GetRequiredService<IChatClient>().GetResponseAsync("mail me at a.b@example.com");
        }

        // Disposing the provider stored the queued record.
        using var reopened = new SqliteInteractionStore(Path.Combine(_folder.Path, "logs", "interactions.sqlite"));
        InteractionRecord record = Assert.Single(await reopened.GetRecentAsync(10));
        Assert.Equal("mail me at a.b@example.com", record.Question);
        Assert.Equal("fine", record.Answer);
    }

    [Fact]
    public void UseInteractionLog_without_a_registered_log_names_the_call_to_add()
    {
        var services = new ServiceCollection();
        services.AddChatClient(new PiecesChatClient("m", "x")).UseInteractionLog();
        using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("AddInteractionLog()", e.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
