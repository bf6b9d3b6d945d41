using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>A few-shot example: an input and the output the model should give for it.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class FewShotExample
{
    /// <summary>Initializes a new instance of the <see cref="FewShotExample"/> class.</summary>
    /// <param name="input">The example input (the user turn).</param>
    /// <param name="output">The expected output (the assistant turn).</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="output"/> is <see langword="null"/>.</exception>
    public FewShotExample(string input, string output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Input = input;
        Output = output;
    }

    /// <summary>Gets the example input.</summary>
    public string Input { get; }

    /// <summary>Gets the expected output.</summary>
    public string Output { get; }

    /// <summary>Returns the example as a user message and an assistant message.</summary>
    /// <returns>The two messages.</returns>
    public IReadOnlyList<ChatMessage> ToMessages() => [new ChatMessage(ChatRole.User, Input), new ChatMessage(ChatRole.Assistant, Output)];
}
