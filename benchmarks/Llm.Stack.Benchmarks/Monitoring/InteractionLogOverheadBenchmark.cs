using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Monitoring;

/// <summary>
/// The interaction log's cost on the request path (issue 20: under 20 µs and 1 KB per call): a chat call to a model
/// that answers at once, bare (<c>Bare*</c>, the baseline) and through <c>UseInteractionLog()</c> (<c>Logged*</c>),
/// with content off (the default) and on. The log's store discards the batches it gets, so that only the request path
/// is measured here; storing is measured by <see cref="InteractionStoreThroughputBenchmark"/>.
/// </summary>
[MemoryDiagnoser]
public class InteractionLogOverheadBenchmark : IDisposable
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.System, "Answer briefly."), new(ChatRole.User, "Which volcano in Iceland erupted in 2010?")];
    private InstantChatClient _bare = null!;
    private IChatClient _logged = null!;
    private InteractionLog _log = null!;

    [Params(false, true)]
    public bool Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bare = new InstantChatClient();
        _log = new InteractionLog(new DiscardingStore(), new InteractionLogOptions { IncludeContent = Content, QueueCapacity = 1_000_000 });
        _logged = new ChatClientBuilder(_bare).UseInteractionLog(_log).Build();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _log.Dispose();
        _bare.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> BareCall() => _bare.GetResponseAsync(Messages);

    [Benchmark]
    public Task<ChatResponse> LoggedCall() => _logged.GetResponseAsync(Messages);

    [Benchmark]
    public async Task<int> BareStream()
    {
        int n = 0;
        await foreach (ChatResponseUpdate _ in _bare.GetStreamingResponseAsync(Messages))
        {
            n++;
        }

        return n;
    }

    [Benchmark]
    public async Task<int> LoggedStream()
    {
        int n = 0;
        await foreach (ChatResponseUpdate _ in _logged.GetStreamingResponseAsync(Messages))
        {
            n++;
        }

        return n;
    }

    /// <summary>A model that answers at once: a new response (so that each call pays for its own response properties) and three streamed updates.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private static readonly UsageDetails Usage = new() { InputTokenCount = 20, OutputTokenCount = 3, TotalTokenCount = 23 };

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Eyjafjallajokull.")) { ModelId = "instant", Usage = Usage });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Eyjafjalla") { ModelId = "instant" };
            yield return new ChatResponseUpdate(ChatRole.Assistant, "jokull.") { ModelId = "instant" };
            yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage)] };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class DiscardingStore : IInteractionStore
    {
        public Task WriteAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<bool> AddFeedbackAsync(string interactionId, InteractionFeedback feedback, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public Task<InteractionRecord?> GetAsync(string interactionId, CancellationToken cancellationToken = default) => Task.FromResult<InteractionRecord?>(null);

        public Task<IReadOnlyList<InteractionFeedback>> GetFeedbackAsync(string interactionId, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<InteractionFeedback>>([]);

        public Task<IReadOnlyList<InteractionRecord>> GetRecentAsync(int count, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<InteractionRecord>>([]);

        public Task<IReadOnlyList<InteractionRecord>> QueryAsync(InteractionQuery query, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<InteractionRecord>>([]);

        public Task<InteractionStatistics> GetStatisticsAsync(InteractionStatisticsQuery query, CancellationToken cancellationToken = default) => Task.FromResult(new InteractionStatistics());
    }
}
