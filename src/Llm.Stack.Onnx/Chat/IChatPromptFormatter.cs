using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>Turns chat messages (and the tools of the request) into the prompt text a model was trained on.</summary>
/// <remarks>
/// Used by <see cref="OnnxChatClient"/> instead of the model's own chat template when set in
/// <see cref="OnnxChatClientOptions.PromptFormatter"/>, or when the model folder has no chat template.
/// Built-in formats are in <see cref="ChatPromptFormatters"/>. Implementations must be thread-safe: one instance
/// serves concurrent requests.
/// </remarks>
public interface IChatPromptFormatter
{
    /// <summary>Formats the conversation, ending with the prompt of the assistant's turn.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The request's options; <see cref="ChatOptions.Tools"/> holds the tools to describe.</param>
    /// <returns>The prompt text, including the model's special tokens as text.</returns>
    string Format(IReadOnlyList<ChatMessage> messages, ChatOptions? options);
}
