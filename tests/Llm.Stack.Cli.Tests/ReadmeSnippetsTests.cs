using System.Text.RegularExpressions;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// Every C# snippet of README.md and of the package READMEs (<c>src/*/README.md</c>) is held verbatim by a test or a
/// sample between <c>// README: &lt;where&gt;</c> and <c>// README: end</c>, so the build compiles it and the test runs it;
/// this test checks that each README snippet has its copy and that no copy has drifted from the README.
/// </summary>
public partial class ReadmeSnippetsTests
{
    [Fact]
    public void Every_csharp_snippet_of_every_README_is_compiled_by_a_test_or_a_sample()
    {
        string root = RepositoryPaths.Root();
        HashSet<string> copies = [.. Copies(root).Select(c => c.Code)];

        List<string> missing = [];
        foreach (string readme in Readmes(root))
        {
            foreach (string snippet in Snippets(File.ReadAllText(readme)))
            {
                if (!copies.Contains(snippet))
                {
                    missing.Add($"{Path.GetRelativePath(root, readme)}: a snippet starting \"{snippet.Split('\n')[0]}\"");
                }
            }
        }

        Assert.True(missing.Count == 0, "README snippets that no test or sample holds verbatim between '// README: <where>' and '// README: end':\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_README_copy_in_the_tests_and_samples_is_still_in_a_README()
    {
        string root = RepositoryPaths.Root();
        HashSet<string> snippets = [.. Readmes(root).SelectMany(r => Snippets(File.ReadAllText(r)))];

        string[] stale = [.. Copies(root).Where(c => !snippets.Contains(c.Code)).Select(c => $"{c.File}: '// README: {c.Label}'")];

        Assert.True(stale.Length == 0, "Copies marked as README snippets that no README holds any more:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void The_check_finds_snippets_in_fenced_blocks_inside_lists_and_compares_them_without_indentation()
    {
        const string readme = "Text.\n\n```csharp\nusing Llm.Stack;\n\nvar a = 1;\n    Call(a);   \n```\n\n3. Step:\n   ```csharp\n   var b = 2;\n   ```\n\n```json\n{}\n```\n";

        Assert.Equal(["var a = 1;\n    Call(a);", "var b = 2;"], Snippets(readme));
        Assert.Equal("var b = 2;", Normalize(["        var b = 2;   "]));
    }

    /// <summary>README.md and the package READMEs (<c>src/*/README.md</c>), in a fixed order.</summary>
    internal static IEnumerable<string> Readmes(string root) =>
        [Path.Combine(root, "README.md"), .. Directory.GetDirectories(Path.Combine(root, "src")).Select(d => Path.Combine(d, "README.md")).Where(File.Exists).Order(StringComparer.Ordinal)];

    private static List<string> Snippets(string markdown)
    {
        List<string> snippets = [];
        foreach (Match block in FencedCSharp().Matches(markdown.ReplaceLineEndings("\n")))
        {
            // Leading using directives belong to the file that holds the copy.
            string[] lines = block.Groups["code"].Value.TrimEnd('\n').Split('\n');
            int first = 0;
            while (first < lines.Length && (UsingDirective().IsMatch(lines[first]) || (first > 0 && lines[first].Trim().Length == 0)))
            {
                first++;
            }

            snippets.Add(Normalize(lines[first..]));
        }

        return snippets;
    }

    private static IEnumerable<(string File, string Label, string Code)> Copies(string root)
    {
        foreach (string folder in new[] { "tests", "samples" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                string[] lines = File.ReadAllText(file).ReplaceLineEndings("\n").Split('\n');
                for (int i = 0; i < lines.Length; i++)
                {
                    Match start = StartMarker().Match(lines[i]);
                    if (!start.Success || start.Groups["label"].Value == "end")
                    {
                        continue;
                    }

                    int end = Array.FindIndex(lines, i + 1, l => l.Trim() == "// README: end");
                    Assert.True(end > i, $"{Path.GetRelativePath(root, file)}:{i + 1}: '// README: {start.Groups["label"].Value}' has no '// README: end'.");
                    yield return (Path.GetRelativePath(root, file), start.Groups["label"].Value, Normalize(lines[(i + 1)..end]));
                    i = end;
                }
            }
        }
    }

    /// <summary>Removes the indentation common to all lines and trailing white space, so a snippet compares equal wherever it is indented.</summary>
    private static string Normalize(IReadOnlyList<string> lines)
    {
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => (l.Length >= indent ? l[indent..] : l.TrimStart()).TrimEnd())).Trim('\n');
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)```csharp[ \t]*\n(?<code>.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedCSharp();

    [GeneratedRegex(@"^\s*using [A-Za-z0-9_.]+;\s*$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"^\s*// README: (?<label>.+?)\s*$")]
    private static partial Regex StartMarker();
}
