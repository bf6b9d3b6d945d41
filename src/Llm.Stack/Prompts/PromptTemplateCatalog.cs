using System.Collections.Concurrent;
using System.Reflection;

namespace Llm.Stack;

/// <summary>
/// Named prompt templates loaded from strings, files and embedded resources, each parsed once on first use and
/// then cached. Every template of the catalog can be included in another as a partial, <c>{{&gt; name}}</c>.
/// </summary>
/// <remarks>
/// Add templates while the application starts; <see cref="Get"/> is thread-safe and may be called concurrently
/// (also with adds). Registered by <c>builder.AddPromptTemplates(...)</c>.
/// </remarks>
public sealed class PromptTemplateCatalog
{
    private readonly ConcurrentDictionary<string, string> _sources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<PromptTemplate>> _parsed = new(StringComparer.Ordinal);

    /// <summary>Gets the names of the templates in the catalog.</summary>
    public IReadOnlyCollection<string> Names => _sources.Keys.ToList();

    /// <summary>Adds (or replaces) a template from its text.</summary>
    /// <param name="name">The template's name.</param>
    /// <param name="text">The template text, optionally with front matter.</param>
    /// <returns>This catalog, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="text"/> is <see langword="null"/>.</exception>
    public PromptTemplateCatalog Add(string name, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(text);
        _sources[name] = text;
        _parsed.Clear(); // partials may have changed
        return this;
    }

    /// <summary>Adds the template in a file, named after the file without its extension.</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>This catalog, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or white space.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public PromptTemplateCatalog AddFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Add(Path.GetFileNameWithoutExtension(path), File.ReadAllText(path));
    }

    /// <summary>Adds every template file in a directory matching <paramref name="searchPattern"/>.</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="searchPattern">The file pattern. The default is <c>*.prompt</c>.</param>
    /// <returns>This catalog, so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty or white space.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public PromptTemplateCatalog AddDirectory(string directory, string searchPattern = "*.prompt")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(searchPattern);
        foreach (string file in Directory.EnumerateFiles(directory, searchPattern).Order(StringComparer.Ordinal))
        {
            AddFile(file);
        }

        return this;
    }

    /// <summary>Adds every embedded resource of <paramref name="assembly"/> whose name starts with <paramref name="prefix"/>, named by the rest of the name without its extension.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <param name="prefix">The resource name prefix, such as <c>MyApp.Prompts.</c>.</param>
    /// <returns>This catalog, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="assembly"/> or <paramref name="prefix"/> is <see langword="null"/>.</exception>
    public PromptTemplateCatalog AddEmbeddedResources(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            Add(Path.GetFileNameWithoutExtension(resource[prefix.Length..]), reader.ReadToEnd());
        }

        return this;
    }

    /// <summary>Gets a template by name, parsing it on first use.</summary>
    /// <param name="name">The template's name.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="KeyNotFoundException">No template has that name.</exception>
    /// <exception cref="FormatException">The template is malformed.</exception>
    public IPromptTemplate Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_sources.ContainsKey(name))
        {
            throw new KeyNotFoundException($"No prompt template is named '{name}'. Known: {string.Join(", ", _sources.Keys.Order(StringComparer.Ordinal))}.");
        }

        return _parsed.GetOrAdd(name, n => new Lazy<PromptTemplate>(() => Parse(n))).Value;
    }

    private PromptTemplate Parse(string name)
    {
        var partials = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string text) in _sources)
        {
            partials[key] = FrontMatter.Read(text).Body;
        }

        return PromptTemplate.Parse(_sources[name], new PromptTemplateOptions { Name = name, Partials = partials });
    }
}
