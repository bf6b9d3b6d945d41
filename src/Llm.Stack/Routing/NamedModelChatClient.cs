using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// One model of a failover list or of the router: passes calls through and records its name on the answer
/// (<see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>), on the response and on every streamed update.
/// Thread-safe: it keeps no state. The failover list leaves it open, so the model's client is not disposed with it.
/// </summary>
/// <remarks>
/// A response or update that has properties gets the name added to them; the updates of one stream that have none share
/// one dictionary that holds the name (one per call, not one per update).
/// </remarks>
internal sealed class NamedModelChatClient(string name, IChatClient inner) : DelegatingChatClient(inner)
{
    private readonly string _name = name;

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Task<ChatResponse> call;
        try
        {
            call = base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception e)
        {
            return CompletedCall.Faulted<ChatResponse>(e);
        }

        if (!call.IsCompletedSuccessfully)
        {
            return AnswerAsync(call);
        }

        // The model answered at once: its own task carries the named response, with no task of this layer's.
        Name(call.Result);
        return call;
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        new NamedStream(this, messages, options, cancellationToken);

    private async Task<ChatResponse> AnswerAsync(Task<ChatResponse> call)
    {
        ChatResponse response = await call.ConfigureAwait(false);
        Name(response);
        return response;
    }

    private void Name(ChatResponse response) => (response.AdditionalProperties ??= [])[FailoverChatClientBuilderExtensions.AnsweredByKey] = _name;

    /// <summary>The model's stream with its name on every update.</summary>
    private sealed class NamedStream(NamedModelChatClient model, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken callToken)
        : ChatUpdateRelay(callToken)
    {
        private AdditionalPropertiesDictionary? _named;

        protected override ValueTask<bool> OpenAsync(CancellationToken cancellationToken) =>
            FirstStep(model.InnerClient.GetStreamingResponseAsync(messages, options, cancellationToken));

        protected override void OnUpdate(ChatResponseUpdate update)
        {
            if (update.AdditionalProperties is { } properties)
            {
                properties[FailoverChatClientBuilderExtensions.AnsweredByKey] = model._name;
            }
            else
            {
                update.AdditionalProperties = _named ??= new() { [FailoverChatClientBuilderExtensions.AnsweredByKey] = model._name };
            }
        }

        protected override ChatUpdateRelay Restart() => new NamedStream(model, messages, options, CallToken);
    }
}
