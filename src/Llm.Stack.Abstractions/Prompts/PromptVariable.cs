namespace Llm.Stack;

/// <summary>An input variable declared by an <see cref="IPromptTemplate"/>.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Name">The variable's name as used in the template.</param>
public sealed record PromptVariable(string Name)
{
    /// <summary>Gets a description of the variable.</summary>
    public string? Description { get; init; }

    /// <summary>Gets a value indicating whether a value must be supplied when no default exists.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IsRequired { get; init; } = true;

    /// <summary>Gets the value used when the caller supplies none.</summary>
    public object? Default { get; init; }
}
