namespace Llm.Stack;

/// <summary>Options for parsing a <see cref="PromptTemplate"/>.</summary>
/// <remarks>Do not mutate an instance while a template is being parsed with it.</remarks>
public sealed class PromptTemplateOptions
{
    /// <summary>Gets or sets the template's name when its front matter gives none.</summary>
    /// <value>The default value is <see langword="null"/>: the file name, resource name, or <c>template</c>.</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets the partials that <c>{{&gt; name}}</c> tags include, by name (template text, inlined at parse time).</summary>
    /// <value>The default value is <see langword="null"/>: no partials.</value>
    public IReadOnlyDictionary<string, string>? Partials { get; set; }
}
