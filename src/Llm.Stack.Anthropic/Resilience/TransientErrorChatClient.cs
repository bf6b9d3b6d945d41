using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Anthropic;

/// <summary>
/// Gives the caller the <see cref="AnthropicTransientHttpException"/> that <see cref="TransientStatusHandler"/> threw, rather
/// than the package's I/O exception around it, for whole and streamed answers alike; everything else passes through, and
/// <c>GetService</c> reaches the package's client. Thread-safe: it keeps no state.
/// </summary>
internal sealed class TransientErrorChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Transient(e) is { } transient && transient != e)
        {
            ExceptionDispatchInfo.Throw(transient);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (Transient(e) is { } transient && transient != e)
                {
                    ExceptionDispatchInfo.Throw(transient);
                    throw;
                }

                if (!more)
                {
                    yield break;
                }

                yield return updates.Current;
            }
        }
    }

    private static AnthropicTransientHttpException? Transient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AnthropicTransientHttpException transient)
            {
                return transient;
            }
        }

        return null;
    }
}
