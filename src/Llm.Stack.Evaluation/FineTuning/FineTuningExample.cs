using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>One labelled conversation for chat fine-tuning: system/user/assistant messages ending with the target answer.</summary>
/// <remarks>Instances are immutable and safe to share across threads. Validation happens in <see cref="FineTuningDatasetBuilder.Build"/>.</remarks>
public sealed class FineTuningExample
{
    /// <summary>Initializes a new instance of the <see cref="FineTuningExample"/> class.</summary>
    /// <param name="messages">The messages, in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or one of its items is <see langword="null"/>.</exception>
    public FineTuningExample(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = [.. messages];
        foreach (var message in Messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
        }
    }

    /// <summary>Gets the messages.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Creates an example from a prompt and its answer, with an optional system message.</summary>
    /// <param name="user">The user message.</param>
    /// <param name="assistant">The target assistant answer.</param>
    /// <param name="system">The system message; <see langword="null"/> for none.</param>
    /// <returns>The example.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="user"/> or <paramref name="assistant"/> is <see langword="null"/>.</exception>
    public static FineTuningExample FromPrompt(string user, string assistant, string? system = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(assistant);
        var messages = new List<ChatMessage>(3);
        if (system is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        messages.Add(new ChatMessage(ChatRole.User, user));
        messages.Add(new ChatMessage(ChatRole.Assistant, assistant));
        return new FineTuningExample(messages);
    }
}
