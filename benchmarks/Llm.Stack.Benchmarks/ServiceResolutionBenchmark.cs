using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Benchmarks;

/// <summary>
/// The cost of what <c>AddLlmStack</c> puts on an application's request path: resolving the stack's chat client
/// through its middleware pipeline, and one call through three pass-through layers.
/// </summary>
public class ServiceResolutionBenchmark
{
    private ServiceProvider _provider = null!;
    private IChatClient _client = null!;
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "hello")];

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLlmStack()
            .AddChatClient(_ => new EchoChatClient())
            .Use(inner => new PassThroughChatClient(inner))
            .Use(inner => new PassThroughChatClient(inner))
            .Use(inner => new PassThroughChatClient(inner));
        _provider = services.BuildServiceProvider();
        _client = _provider.GetRequiredService<IChatClient>();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark]
    public IChatClient ResolveChatClient() => _provider.GetRequiredService<IChatClient>();

    [Benchmark]
    public Task<ChatResponse> CallThroughThreeLayers() => _client.GetResponseAsync(_messages);

    private sealed class PassThroughChatClient(IChatClient inner) : DelegatingChatClient(inner);

    private sealed class EchoChatClient : IChatClient
    {
        private static readonly Task<ChatResponse> Response = Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi")));

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => Response;

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
