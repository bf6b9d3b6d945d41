using System.Reflection;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// A prompt template in a Mustache dialect that renders to chat messages with roles:
/// <c>{{name}}</c> and <c>{{a.b}}</c> variables, <c>{{#list}}…{{/list}}</c> loops and conditionals,
/// <c>{{^x}}…{{/x}}</c> inverted sections, <c>{{&gt; partial}}</c>, <c>{{! comments}}</c>, and role blocks
/// <c>{{#message role="system"}}…{{/message}}</c> (text outside role blocks is a user message).
/// </summary>
/// <remarks>
/// <para>
/// Why Mustache: it is logic-less and familiar (Handlebars, which Semantic Kernel uses, is a superset of it, and
/// Semantic Kernel's <c>{{#message role="…"}}</c> role block is kept), and a purpose-built engine lets the
/// template be parsed once into a tree that renders with one string per message, no HTML escaping (prompts are
/// not HTML), and a hard guarantee that inserted values are plain data: a value is appended as text and never
/// parsed, so a value holding <c>{{…}}</c>, a role block or source delimiters cannot change the prompt's
/// structure. Role blocks are found at parse time, in the template text only.
/// </para>
/// <para>
/// Front matter between <c>---</c> lines (a YAML subset) gives <c>name</c>, <c>description</c>,
/// <c>input_variables</c> (name, description, default, is_required) and <c>execution_settings</c>
/// (temperature, top_p, top_k, max_tokens, frequency_penalty, presence_penalty, seed, model_id, stop,
/// response_format; others go to <see cref="ChatOptions.AdditionalProperties"/>).
/// </para>
/// <para>A parsed template is immutable and safe to render concurrently from several threads.</para>
/// </remarks>
public sealed class PromptTemplate : IPromptTemplate
{
    private readonly Block[] _blocks;
    private readonly Dictionary<string, PromptVariable> _declared;

    private PromptTemplate(string name, string? description, List<PromptVariable> variables, ChatOptions? settings, List<(ChatRole, List<TemplateNode>)> blocks)
    {
        Name = name;
        Description = description;
        Variables = variables;
        ExecutionSettings = settings;
        _blocks = blocks.Select(b => new Block(b.Item1, b.Item2)).ToArray();
        _declared = variables.ToDictionary(v => v.Name, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string? Description { get; }

    /// <inheritdoc />
    /// <remarks>The variables declared in the front matter, or, without front matter, the names the template uses at its top level.</remarks>
    public IReadOnlyList<PromptVariable> Variables { get; }

    /// <inheritdoc />
    public ChatOptions? ExecutionSettings { get; }

    /// <summary>Parses a template from its text.</summary>
    /// <param name="text">The template, optionally starting with front matter.</param>
    /// <param name="options">The name and partials; <see langword="null"/> for none.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">The template or its front matter is malformed; the message gives the line.</exception>
    public static PromptTemplate Parse(string text, PromptTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        FrontMatter.Result front = FrontMatter.Read(text);
        List<(ChatRole, List<TemplateNode>)> blocks = TemplateParser.Parse(front.Body, options?.Partials);
        List<PromptVariable> variables = front.Variables.Count > 0 ? front.Variables : InferVariables(blocks);
        return new PromptTemplate(front.Name ?? options?.Name ?? "template", front.Description, variables, front.Settings, blocks);
    }

    /// <summary>Parses a template from a UTF-8 file.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="options">The name and partials; <see langword="null"/> for none. The name defaults to the file name without extension.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is <see langword="null"/>, empty or white space.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">The template is malformed.</exception>
    public static PromptTemplate FromFile(string path, PromptTemplateOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text = File.ReadAllText(path);
        return Parse(text, WithName(options, Path.GetFileNameWithoutExtension(path)));
    }

    /// <summary>Parses a template from a manifest resource embedded in an assembly.</summary>
    /// <param name="assembly">The assembly holding the resource.</param>
    /// <param name="resourceName">The manifest resource name, such as <c>MyApp.Prompts.qa.prompt</c>.</param>
    /// <param name="options">The name and partials; <see langword="null"/> for none.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="assembly"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="resourceName"/> is empty, or no such resource exists.</exception>
    /// <exception cref="FormatException">The template is malformed.</exception>
    public static PromptTemplate FromEmbeddedResource(Assembly assembly, string resourceName, PromptTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceName);
        using Stream stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new ArgumentException($"The assembly '{assembly.GetName().Name}' has no embedded resource '{resourceName}'.", nameof(resourceName));
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), WithName(options, resourceName));
    }

    /// <inheritdoc />
    /// <remarks>
    /// A message block made only of text and variables remembers its last rendering: when every value it prints is
    /// a scalar (string, number, bool, date, GUID, enum) equal to the last one, the same string is reused, so
    /// re-rendering a prompt whose system block did not change allocates only the messages.
    /// </remarks>
    public IReadOnlyList<ChatMessage> Render(IReadOnlyDictionary<string, object?> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var messages = new List<ChatMessage>(_blocks.Length);
        TemplateRenderer? renderer = null;
        foreach (Block block in _blocks)
        {
            string text = block.Variables is { } variables
                ? RenderFlat(block, variables, arguments)
                : (renderer ??= new TemplateRenderer(Name, arguments, _declared)).Render(block.Nodes);
            messages.Add(new ChatMessage(block.Role, text));
        }

        return messages;
    }

    private string RenderFlat(Block block, VariableNode[] variables, IReadOnlyDictionary<string, object?> arguments)
    {
        Rendered? last = Volatile.Read(ref block.Last);
        int same = 0;
        if (last is not null)
        {
            while (same < variables.Length
                && TemplateValues.Same(TemplateRenderer.ResolveArgument(Name, arguments, _declared, variables[same].Name, variables[same].Path), last.Values[same]))
            {
                same++;
            }

            if (same == variables.Length)
            {
                return last.Text;
            }
        }

        var values = new object?[variables.Length];
        bool scalars = true;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = TemplateRenderer.ResolveArgument(Name, arguments, _declared, variables[i].Name, variables[i].Path);
            scalars &= TemplateValues.IsScalar(values[i]);
        }

        string text = TemplateRenderer.RenderFlat(block.Nodes, values);
        if (scalars)
        {
            Volatile.Write(ref block.Last, new Rendered(values, text));
        }

        return text;
    }

    private static PromptTemplateOptions WithName(PromptTemplateOptions? options, string name) =>
        new() { Name = options?.Name ?? name, Partials = options?.Partials };

    private static List<PromptVariable> InferVariables(List<(ChatRole, List<TemplateNode>)> blocks)
    {
        var names = new List<string>();
        foreach ((_, List<TemplateNode> nodes) in blocks)
        {
            foreach (TemplateNode node in nodes)
            {
                string? name = node switch
                {
                    VariableNode { Path.Length: > 0 } v => v.Path[0],
                    SectionNode s => s.Path[0],
                    _ => null,
                };
                if (name is not null && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names.Select(n => new PromptVariable(n)).ToList();
    }

    /// <summary>A message block; <see cref="Variables"/> is set when it holds only text and variables (in order).</summary>
    private sealed class Block
    {
        public Rendered? Last;

        public Block(ChatRole role, List<TemplateNode> nodes)
        {
            Role = role;
            Nodes = nodes;
            Variables = nodes.All(n => n is TextNode or VariableNode { Path.Length: > 0 }) ? nodes.OfType<VariableNode>().ToArray() : null;
        }

        public ChatRole Role { get; }

        public List<TemplateNode> Nodes { get; }

        public VariableNode[]? Variables { get; }
    }

    /// <summary>A block's last rendering and the scalar values it printed.</summary>
    private sealed class Rendered(object?[] values, string text)
    {
        public object?[] Values { get; } = values;

        public string Text { get; } = text;
    }
}
