using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>A parsed prompt template that renders to chat messages with roles.</summary>
/// <remarks>
/// A template is parsed once and then rendered many times: implementations must be safe to render concurrently
/// from several threads. Values are inserted as data and never re-parsed as template syntax. A variable the
/// template uses that is neither supplied nor defaulted raises an <see cref="ArgumentException"/> naming it.
/// </remarks>
public interface IPromptTemplate
{
    /// <summary>Gets the name of the template.</summary>
    string Name { get; }

    /// <summary>Gets a description of what the template is for.</summary>
    string? Description { get; }

    /// <summary>Gets the input variables the template declares.</summary>
    IReadOnlyList<PromptVariable> Variables { get; }

    /// <summary>Gets the execution settings the template declares, or <see langword="null"/>.</summary>
    ChatOptions? ExecutionSettings { get; }

    /// <summary>Renders the template with <paramref name="arguments"/>.</summary>
    /// <param name="arguments">The variable values by name.</param>
    /// <returns>The rendered messages, in order.</returns>
    /// <exception cref="ArgumentException">A variable the template uses has no value and no default.</exception>
    IReadOnlyList<ChatMessage> Render(IReadOnlyDictionary<string, object?> arguments);
}
