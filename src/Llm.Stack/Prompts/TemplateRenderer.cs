using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Llm.Stack;

/// <summary>Renders parsed template nodes. Values are appended as text and never parsed again.</summary>
internal sealed class TemplateRenderer
{
    private static readonly ConcurrentDictionary<(Type, string), PropertyInfo?> Properties = new();
    private const string ArgumentsParameter = "arguments"; // the parameter of IPromptTemplate.Render the error is about
    private static readonly object Missing = new();

    [ThreadStatic]
    private static StringBuilder? t_builder;

    private readonly string _templateName;
    private readonly IReadOnlyDictionary<string, object?> _arguments;
    private readonly Dictionary<string, PromptVariable> _declared;
    private readonly List<object?> _stack = new(4);

    public TemplateRenderer(string templateName, IReadOnlyDictionary<string, object?> arguments, Dictionary<string, PromptVariable> declared)
    {
        _templateName = templateName;
        _arguments = arguments;
        _declared = declared;
    }

    public string Render(List<TemplateNode> nodes)
    {
        StringBuilder sb = t_builder ?? new StringBuilder(1024);
        t_builder = null;
        sb.Clear();
        try
        {
            _stack.Clear();
            RenderNodes(nodes, sb);
            return Trimmed(sb);
        }
        finally
        {
            if (sb.Capacity <= 64 * 1024)
            {
                t_builder = sb;
            }
        }
    }

    private static string Trimmed(StringBuilder sb)
    {
        int start = 0;
        int end = sb.Length;
        while (start < end && char.IsWhiteSpace(sb[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(sb[end - 1]))
        {
            end--;
        }

        return sb.ToString(start, end - start);
    }

    private void RenderNodes(List<TemplateNode> nodes, StringBuilder sb)
    {
        foreach (TemplateNode node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    sb.Append(text.Text);
                    break;
                case VariableNode variable:
                    AppendValue(sb, Resolve(variable.Name, variable.Path));
                    break;
                case SectionNode section:
                    RenderSection(section, sb);
                    break;
            }
        }
    }

    private void RenderSection(SectionNode section, StringBuilder sb)
    {
        object? value = Resolve(section.Name, section.Path);
        bool truthy = IsTruthy(value);
        if (section.Inverted)
        {
            if (!truthy)
            {
                RenderNodes(section.Children, sb);
            }

            return;
        }

        if (!truthy)
        {
            return;
        }

        if (value is IEnumerable items && value is not string && !IsMap(value))
        {
            foreach (object? item in items)
            {
                _stack.Add(item);
                RenderNodes(section.Children, sb);
                _stack.RemoveAt(_stack.Count - 1);
            }

            return;
        }

        _stack.Add(value);
        RenderNodes(section.Children, sb);
        _stack.RemoveAt(_stack.Count - 1);
    }

    private object? Resolve(string name, string[] path)
    {
        if (path.Length == 0)
        {
            return _stack.Count > 0 ? _stack[^1] : throw MissingValue($"The template '{_templateName}' uses '{{{{.}}}}' outside a section.");
        }

        object? value = Missing;
        for (int i = _stack.Count - 1; i >= 0 && value == Missing; i--)
        {
            value = Member(_stack[i], path[0]);
        }

        return value == Missing
            ? ResolveArgument(_templateName, _arguments, _declared, name, path)
            : ResolvePath(_templateName, name, path, value);
    }

    /// <summary>Resolves a variable outside any section: from the arguments, else the declared default, then along its path.</summary>
    /// <exception cref="ArgumentException">The variable (or a step of its path) has no value.</exception>
    public static object? ResolveArgument(string templateName, IReadOnlyDictionary<string, object?> arguments, Dictionary<string, PromptVariable> declared, string name, string[] path)
    {
        object? value;
        if (arguments.TryGetValue(path[0], out object? argument))
        {
            value = argument;
        }
        else if (declared.TryGetValue(path[0], out PromptVariable? variable) && (variable.Default is not null || !variable.IsRequired))
        {
            value = variable.Default;
        }
        else
        {
            throw MissingValue($"The template '{templateName}' uses the variable '{path[0]}', which has no value and no default.");
        }

        return path.Length == 1 ? value : ResolvePath(templateName, name, path, value);
    }

    /// <summary>Renders nodes that hold only text and variables, with the variables' values given in order, trimmed.</summary>
    public static string RenderFlat(List<TemplateNode> nodes, object?[] values)
    {
        StringBuilder sb = t_builder ?? new StringBuilder(1024);
        t_builder = null;
        sb.Clear();
        try
        {
            int next = 0;
            foreach (TemplateNode node in nodes)
            {
                if (node is TextNode text)
                {
                    sb.Append(text.Text);
                }
                else
                {
                    AppendValue(sb, values[next++]);
                }
            }

            return Trimmed(sb);
        }
        finally
        {
            if (sb.Capacity <= 64 * 1024)
            {
                t_builder = sb;
            }
        }
    }

    private static object? ResolvePath(string templateName, string name, string[] path, object? value)
    {
        for (int i = 1; i < path.Length; i++)
        {
            value = value is null ? Missing : Member(value, path[i]);
            if (value == Missing)
            {
                throw MissingValue($"The template '{templateName}' uses '{name}', but '{string.Join('.', path[..(i + 1)])}' has no value.");
            }
        }

        return value;
    }

#pragma warning disable CA2208 // The error is about the 'arguments' parameter of IPromptTemplate.Render, which called this renderer.
    private static ArgumentException MissingValue(string message) => new(message, ArgumentsParameter);
#pragma warning restore CA2208

    private static object? Member(object? target, string name)
    {
        switch (target)
        {
            case null:
                return Missing;
            case IReadOnlyDictionary<string, object?> map:
                return map.TryGetValue(name, out object? v) ? v : Missing;
            case IDictionary<string, object?> dictionary:
                return dictionary.TryGetValue(name, out object? d) ? d : Missing;
            case IDictionary<string, string> strings:
                return strings.TryGetValue(name, out string? s) ? s : Missing;
            case string or IFormattable or bool:
                return Missing;
        }

        PropertyInfo? property = Properties.GetOrAdd((target.GetType(), name), static key =>
            key.Item1.GetProperty(key.Item2, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanRead: true } p && p.GetIndexParameters().Length == 0 ? p : null);
        return property is null ? Missing : property.GetValue(target);
    }

    private static bool IsMap(object value) => value is IReadOnlyDictionary<string, object?> or IDictionary<string, object?> or IDictionary<string, string>;

    private static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        IEnumerable e when !IsMap(e) => e.GetEnumerator().MoveNext(),
        _ => true,
    };

    private static void AppendValue(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                break;
            case string s:
                sb.Append(s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case int i:
                sb.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case IFormattable f:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            case IEnumerable e when !IsMap(e):
                bool first = true;
                foreach (object? item in e)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    AppendValue(sb, item);
                }

                break;
            default:
                sb.Append(value.ToString());
                break;
        }
    }
}
