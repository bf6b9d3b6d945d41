using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// One model of a failover list: passes calls through and records its name on the answer
/// (<see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>), on the response and on every streamed update.
/// Thread-safe: it keeps no state. The failover list leaves it open, so the model's client is not disposed with it.
/// </summary>
internal sealed class NamedModelChatClient(string name, IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        (response.AdditionalProperties ??= [])[FailoverChatClientBuilderExtensions.AnsweredByKey] = name;
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            (update.AdditionalProperties ??= [])[FailoverChatClientBuilderExtensions.AnsweredByKey] = name;
            yield return update;
        }
    }

}
