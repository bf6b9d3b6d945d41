using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.Configuration;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// Every <c>json</c> block of README.md and of the package READMEs is a whole configuration file a reader can copy: one
/// object holding the <c>LlmStack</c> section, strict JSON, that <c>AddJsonFile</c> loads. A fragment (keys without their
/// enclosing object) fails the check, which names the README and the line of the block.
/// </summary>
public partial class ReadmeJsonBlocksTests
{
    [Fact]
    public void Every_json_block_of_every_README_is_a_whole_LlmStack_configuration()
    {
        string root = RepositoryPaths.Root();
        int blocks = 0;
        List<string> problems = [];
        foreach (string readme in ReadmeSnippetsTests.Readmes(root))
        {
            string markdown = File.ReadAllText(readme);
            blocks += JsonBlocks().Count(markdown.ReplaceLineEndings("\n"));
            problems.AddRange(Problems(markdown).Select(p => Path.GetRelativePath(root, readme) + ":" + p));
        }

        Assert.True(problems.Count == 0, "README json blocks that are not a whole configuration:\n" + string.Join("\n", problems));
        Assert.True(blocks >= 8, $"Only {blocks} json blocks were found: the block pattern no longer matches the READMEs.");
    }

    [Fact]
    public void The_check_names_the_line_of_each_block_that_is_a_fragment_lacks_the_section_or_repeats_a_key()
    {
        const string markdown = "# Title\n\n```json\n{ \"LlmStack\": { \"Rag\": { \"Top\": 5 } } }\n```\n\nText.\n\n```json\n\"Rag\": { \"Top\": 5 }\n```\n\n"
            + "1. A step:\n   ```json\n   { \"Rag\": { \"Top\": 5 } }\n   ```\n\n```json\n{ \"LlmStack\": {\n  \"Rag\": { \"Top\": 5 },\n  \"Rag\": { \"Top\": 6 } } }\n```\n";

        string[] problems = [.. Problems(markdown)];

        Assert.Equal(3, problems.Length);
        Assert.StartsWith("9: the json block does not parse (README line 10:", problems[0], StringComparison.Ordinal);
        Assert.Equal("14: the json block is not an object holding the \"LlmStack\" section, as a configuration file is.", problems[1]);
        Assert.StartsWith("18: the json block is not a configuration file AddJsonFile loads:", problems[2], StringComparison.Ordinal);
    }

    /// <summary>The problems of the markdown's json blocks, each as "&lt;line of the opening fence&gt;: &lt;problem&gt;".</summary>
    private static IEnumerable<string> Problems(string markdown)
    {
        markdown = markdown.ReplaceLineEndings("\n");
        foreach (Match block in JsonBlocks().Matches(markdown))
        {
            int fence = 1 + markdown.AsSpan(0, block.Index).Count('\n');
            string json = block.Groups["code"].Value;
            string? problem = null;
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("LlmStack", out JsonElement section)
                    || section.ValueKind != JsonValueKind.Object)
                {
                    problem = "the json block is not an object holding the \"LlmStack\" section, as a configuration file is.";
                }
                else
                {
                    new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
                }
            }
            catch (JsonException e)
            {
                problem = $"the json block does not parse (README line {fence + 1 + e.LineNumber}: {e.Message})";
            }
            catch (FormatException e)
            {
                problem = $"the json block is not a configuration file AddJsonFile loads: {e.Message}";
            }

            if (problem is not null)
            {
                yield return $"{fence}: {problem}";
            }
        }
    }

    [GeneratedRegex(@"^[ \t]*```json[ \t]*\n(?<code>.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex JsonBlocks();
}
