namespace Llm.Stack;

/// <summary>A parsed piece of a prompt template.</summary>
internal abstract class TemplateNode;

/// <summary>Literal template text.</summary>
internal sealed class TextNode(string text) : TemplateNode
{
    public string Text { get; } = text;
}

/// <summary>A variable reference, <c>{{a.b}}</c>; <c>{{.}}</c> has an empty path.</summary>
internal sealed class VariableNode(string name, string[] path) : TemplateNode
{
    public string Name { get; } = name;

    public string[] Path { get; } = path;
}

/// <summary>A section, <c>{{#a}}…{{/a}}</c>, or an inverted section, <c>{{^a}}…{{/a}}</c>.</summary>
internal sealed class SectionNode(string name, string[] path, bool inverted, List<TemplateNode> children) : TemplateNode
{
    public string Name { get; } = name;

    public string[] Path { get; } = path;

    public bool Inverted { get; } = inverted;

    public List<TemplateNode> Children { get; } = children;
}
