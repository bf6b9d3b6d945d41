using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Cli;

/// <summary>
/// The RAG pipeline seen as a chat model: the last user message is answered from the documents (earlier messages
/// are the conversation history) and the sources are appended. Serves <c>serve --rag</c> and takes part in <c>eval</c>.
/// </summary>
internal sealed class RagChatClient(RagPipeline rag, string modelId) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        ChatMessage question = list.LastOrDefault(m => m.Role == ChatRole.User)
            ?? throw new ArgumentException("The messages hold no user message to answer.", nameof(messages));
        var history = list.Where(m => m != question && m.Role != ChatRole.System).ToList();
        RagAnswer? answer = null;
        await foreach (RagAnswerUpdate update in rag.AskStreamingAsync(question.Text, new RagOptions { History = history }, cancellationToken))
        {
            if (update.Text is { Length: > 0 } text)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = modelId };
            }

            answer = update.Answer ?? answer;
        }

        if (answer is { Citations.Count: > 0 } && options?.AdditionalProperties?.ContainsKey("llmstack.omit_sources") != true)
        {
            string sources = string.Join("\n", answer.Citations.DistinctBy(c => c.Marker).OrderBy(c => c.Marker)
                .Select(c => $"[{c.Marker}] {c.Source ?? c.DocumentId}{(c.PageNumber is int p ? $", page {p}" : string.Empty)}"));
            yield return new ChatResponseUpdate(ChatRole.Assistant, "\n\nSources:\n" + sources) { ModelId = modelId };
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, ModelId = modelId, Contents = answer?.Usage is { } usage ? [new UsageContent(usage)] : [] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("llmstack", defaultModelId: modelId)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
