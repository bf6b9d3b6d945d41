using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>Middleware that writes its name to a shared log on the way in, so tests can read the order of layers.</summary>
public sealed class RecordingChatClient(IChatClient innerClient, string name, List<string> log) : DelegatingChatClient(innerClient)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        log.Add(name);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }
}
