using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Anthropic.Exceptions;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Anthropic;

/// <summary>
/// Gives the caller the <see cref="AnthropicTransientHttpException"/> that <see cref="TransientStatusHandler"/> threw, rather
/// than the package's I/O exception around it, for whole and streamed answers alike; turns a transient in-stream
/// <c>error</c> event (<c>overloaded_error</c>, <c>api_error</c>, <c>rate_limit_error</c>, <c>timeout_error</c>, which the
/// package reports as an <see cref="AnthropicSseException"/>) into one too, with the status the API gives that error; and
/// holds back the stream's leading updates that carry no content (the message's start) until the first that does, so that
/// a stream failing before its first token has given the caller nothing and can be retried. Everything else passes
/// through, and <c>GetService</c> reaches the package's client. Thread-safe: it keeps no state.
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
            // The updates before the first with content (the message's start), held until it comes.
            List<ChatResponseUpdate>? held = [];
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
                    break;
                }

                ChatResponseUpdate update = updates.Current;
                if (held is not null)
                {
                    if (!CarriesOutput(update))
                    {
                        held.Add(update);
                        continue;
                    }

                    foreach (ChatResponseUpdate early in held)
                    {
                        yield return early;
                    }

                    held = null;
                }

                yield return update;
            }

            foreach (ChatResponseUpdate early in held ?? [])
            {
                yield return early;
            }
        }
    }

    /// <summary>Whether an update carries output: content other than usage and empty text (the message's and block's starts carry none).</summary>
    private static bool CarriesOutput(ChatResponseUpdate update) =>
        update.Contents.Any(c => c switch
        {
            UsageContent => false,
            TextContent text => !string.IsNullOrEmpty(text.Text),
            TextReasoningContent reasoning => !string.IsNullOrEmpty(reasoning.Text),
            _ => true,
        });

    /// <summary>The transient fault <paramref name="exception"/> is or holds: a transient HTTP answer, or a transient in-stream error event.</summary>
    private static AnthropicTransientHttpException? Transient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AnthropicTransientHttpException transient:
                    return transient;
                case AnthropicSseException sse when StreamError(sse) is { } streamError:
                    return streamError;
            }
        }

        return null;
    }

    /// <summary>The transient fault of an in-stream <c>error</c> event, with the HTTP status the API gives its type; <see langword="null"/> for another type.</summary>
    private static AnthropicTransientHttpException? StreamError(AnthropicSseException exception)
    {
        // The package quotes the event's data in its message: "SSE error returned from server: '{data}'".
        string text = exception.Message;
        int start = text.IndexOf('\'', StringComparison.Ordinal), end = text.LastIndexOf('\'');
        if (start < 0 || end <= start)
        {
            return null;
        }

        string? type = null, message = null;
        try
        {
            using JsonDocument data = JsonDocument.Parse(text[(start + 1)..end]);
            if (data.RootElement.ValueKind == JsonValueKind.Object
                && data.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                type = error.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                message = error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        HttpStatusCode? status = type switch
        {
            "overloaded_error" => (HttpStatusCode)529,
            "api_error" => HttpStatusCode.InternalServerError,
            "rate_limit_error" => HttpStatusCode.TooManyRequests,
            "timeout_error" => HttpStatusCode.GatewayTimeout,
            _ => null,
        };
        return status is HttpStatusCode code
            ? new AnthropicTransientHttpException($"The Anthropic Messages API reported {type} in the stream: {message}", code, null, exception)
            : null;
    }
}
