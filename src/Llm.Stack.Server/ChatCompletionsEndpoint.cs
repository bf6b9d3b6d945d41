using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Server;

/// <summary><c>POST /v1/chat/completions</c> over one <see cref="IChatClient"/>, streaming (server-sent events) or not.</summary>
/// <remarks>Thread-safe: holds no per-request state.</remarks>
internal sealed class ChatCompletionsEndpoint(ServedModels models, OpenAIRequestGuard guard)
{
    /// <summary>Text as UTF-8, not \u escapes: the bodies are JSON served as such, never embedded in HTML.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>The response header that carries the interaction id, which <c>POST /v1/feedback</c> takes.</summary>
    internal const string InteractionIdHeader = "X-Interaction-Id";

    public async Task HandleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        ChatCompletionRequest request;
        using (JsonDocument body = await guard.ReadJsonAsync(http, cancellationToken).ConfigureAwait(false))
        {
            request = ChatCompletionRequest.Parse(body.RootElement);
        }

        IChatClient client = models.ResolveChat(request.Model);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var answer = new Answer(request.Options.StopSequences);
        ChatOptions options = request.Options;
        string? interactionId = null;
        if (client.GetService<InteractionLogChatClient>() is not null)
        {
            // Chosen here so that it can be returned before the answer streams; the interaction log records under it.
            interactionId = InteractionLog.NewId();
            options = options.Clone();
            (options.AdditionalProperties ??= [])[InteractionLogChatClient.InteractionIdKey] = interactionId;
            http.Response.Headers[InteractionIdHeader] = interactionId;
        }

        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(request.Messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);

        // The first update is awaited before anything is written, so a refusal still gets a proper status and body.
        bool more = await NextAsync(updates).ConfigureAwait(false);
        if (!request.Stream)
        {
            while (more)
            {
                answer.Take(updates.Current);
                more = await NextAsync(updates).ConfigureAwait(false);
            }

            answer.Finish();
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(Completion(id, created, request.Model, answer, Usage(request, answer), interactionId), cancellationToken).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await WriteEventAsync(http, Chunk(id, created, request.Model, "assistant", string.Empty, null, request.IncludeUsage), cancellationToken).ConfigureAwait(false);
        while (more && !answer.Stopped)
        {
            string delta = answer.Take(updates.Current);
            if (delta.Length > 0)
            {
                await WriteEventAsync(http, Chunk(id, created, request.Model, null, delta, null, request.IncludeUsage), cancellationToken).ConfigureAwait(false);
            }

            more = await NextAsync(updates).ConfigureAwait(false);
        }

        string rest = answer.Finish();
        if (rest.Length > 0)
        {
            await WriteEventAsync(http, Chunk(id, created, request.Model, null, rest, null, request.IncludeUsage), cancellationToken).ConfigureAwait(false);
        }

        await WriteEventAsync(http, Chunk(id, created, request.Model, null, null, answer.FinishReason, request.IncludeUsage), cancellationToken).ConfigureAwait(false);
        if (request.IncludeUsage)
        {
            await WriteEventAsync(http, UsageChunk(id, created, request.Model, Usage(request, answer)), cancellationToken).ConfigureAwait(false);
        }

        await http.Response.Body.WriteAsync(Done, cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> NextAsync(IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        try
        {
            return await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // The chat client refused the conversation or an option (our own clients name the problem plainly).
            throw OpenAIError.Invalid(Plain(e));
        }
        catch (NotSupportedException e)
        {
            throw OpenAIError.Invalid(e.Message);
        }
        catch (GuardrailViolationException e)
        {
            // The guardrails refused the request or the answer: the client's to change, and the message never holds the text.
            throw OpenAIError.Invalid(e.Message);
        }
    }

    private static string Plain(ArgumentException e) =>
        e.ParamName is { } name && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message;

    private static UsageDetails Usage(ChatCompletionRequest request, Answer answer)
    {
        // The model's own counts when it reports them; otherwise counted here with cl100k_base.
        Tokenizer tokenizer = PromptBudget.DefaultTokenizer;
        long input = answer.Usage?.InputTokenCount ?? request.Messages.Sum(m => (long)tokenizer.CountTokens(m.Text));
        long output = answer.Usage?.OutputTokenCount ?? tokenizer.CountTokens(answer.Text.ToString());
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }

    private static async Task WriteEventAsync(HttpContext http, byte[] json, CancellationToken cancellationToken)
    {
        await http.Response.Body.WriteAsync("data: "u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await http.Response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await http.Response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Completion(string id, long created, string model, Answer answer, UsageDetails usage, string? interactionId) =>
        Write(json =>
        {
            Header(json, id, "chat.completion", created, model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", answer.Text.ToString());
            json.WriteNull("refusal");
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", answer.FinishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            WriteUsage(json, usage);
            if (interactionId is not null)
            {
                json.WriteString("interaction_id", interactionId);
            }
        });

    private static byte[] Chunk(string id, long created, string model, string? role, string? content, string? finishReason, bool withUsage) =>
        Write(json =>
        {
            Header(json, id, "chat.completion.chunk", created, model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            if (role is not null)
            {
                json.WriteString("role", role);
            }

            if (content is not null)
            {
                json.WriteString("content", content);
            }

            json.WriteEndObject();
            json.WriteNull("logprobs");
            if (finishReason is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", finishReason);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            if (withUsage)
            {
                json.WriteNull("usage");
            }
        });

    private static byte[] UsageChunk(string id, long created, string model, UsageDetails usage) =>
        Write(json =>
        {
            Header(json, id, "chat.completion.chunk", created, model);
            json.WriteStartArray("choices");
            json.WriteEndArray();
            WriteUsage(json, usage);
        });

    private static void Header(Utf8JsonWriter json, string id, string type, long created, string model)
    {
        json.WriteString("id", id);
        json.WriteString("object", type);
        json.WriteNumber("created", created);
        json.WriteString("model", model);
        json.WriteNull("system_fingerprint");
    }

    private static void WriteUsage(Utf8JsonWriter json, UsageDetails usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", usage.InputTokenCount ?? 0);
        json.WriteNumber("completion_tokens", usage.OutputTokenCount ?? 0);
        json.WriteNumber("total_tokens", usage.TotalTokenCount ?? 0);
        json.WriteEndObject();
    }

    internal static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The answer as it streams: its text (cut at a stop sequence), finish reason and usage.</summary>
    private sealed class Answer(IList<string>? stops)
    {
        private readonly StopSequenceFilter? _filter = stops is { Count: > 0 } ? new StopSequenceFilter([.. stops]) : null;
        private ChatFinishReason? _finish;

        public StringBuilder Text { get; } = new();

        public UsageDetails? Usage { get; private set; }

        public bool Stopped => _filter?.Stopped == true;

        public string FinishReason =>
            Stopped ? "stop"
            : _finish == ChatFinishReason.Length ? "length"
            : _finish == ChatFinishReason.ContentFilter ? "content_filter"
            : _finish == ChatFinishReason.ToolCalls ? "tool_calls"
            : "stop";

        /// <summary>Takes one update; returns the text that may be sent now.</summary>
        public string Take(ChatResponseUpdate update)
        {
            _finish = update.FinishReason ?? _finish;
            foreach (AIContent content in update.Contents)
            {
                if (content is UsageContent usage)
                {
                    Usage ??= new UsageDetails();
                    Usage.Add(usage.Details);
                }
            }

            string text = update.Text;
            if (text.Length == 0 || Stopped)
            {
                return string.Empty;
            }

            string visible = _filter is null ? text : _filter.Push(text);
            Text.Append(visible);
            return visible;
        }

        /// <summary>Ends the answer; returns the text held back at its end.</summary>
        public string Finish()
        {
            string rest = _filter?.Flush() ?? string.Empty;
            Text.Append(rest);
            return rest;
        }
    }
}
