using System.Globalization;
using System.Text.Json;

namespace Llm.Stack.Cli.Tests;

/// <summary><c>tune-embeddings</c> and <c>--adapter</c> with the real MiniLM embedder and the persisted index.</summary>
public class TuneEmbeddingsTests
{
    private static readonly string[] Animals = ["otter", "heron", "badger", "lynx", "salmon", "beaver", "owl", "moose", "wolf", "seal", "puffin", "marten", "hare", "eagle", "toad", "newt", "viper", "bison", "ibex", "crane", "stork", "walrus", "lemming", "vole", "weasel", "falcon", "pike", "trout", "eel", "reindeer"];
    private static readonly string[] Places = ["rivers", "marshes", "forests", "mountains", "coasts", "lakes", "meadows", "tundra", "cliffs", "caves"];
    private static readonly string[] Foods = ["fish", "frogs", "roots", "hares", "insects", "bark", "mice", "grass", "lichen", "berries"];

    [Fact]
    public async Task Trains_against_the_index_reports_before_and_after_and_saves_only_an_adapter_that_is_better()
    {
        using var cli = new CliRunner();
        var pairs = new List<string>();
        for (int i = 0; i < Animals.Length; i++)
        {
            string passage = string.Create(CultureInfo.InvariantCulture,
                $"The {Animals[i]} lives in {Places[i % Places.Length]} and feeds mostly on {Foods[(i * 3) % Foods.Length]}. Its young are born in spring.");
            cli.Write($"docs/{Animals[i]}.txt", passage);
            pairs.Add(JsonSerializer.Serialize(new { query = $"what does the {Animals[i]} eat", passage }));
        }

        pairs.Add(JsonSerializer.Serialize(new { query = "what does the dragon eat", passage = "Dragons are not in the index, so this pair matches no chunk." }));
        cli.Write("pairs.jsonl", string.Join('\n', pairs));
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);

        CliResult tune = await cli.RunAsync("tune-embeddings", "pairs.jsonl", "--out", "tuned.lsea");

        Assert.Contains("held out (6)", tune.Output, StringComparison.Ordinal);
        Assert.Contains("trained on (24)", tune.Output, StringComparison.Ordinal);
        Assert.Contains("1 pairs matched no indexed chunk", tune.Output, StringComparison.Ordinal);
        string adapterPath = Path.Combine(cli.WorkingDirectory, "tuned.lsea");
        if (tune.ExitCode == 0)
        {
            Assert.True(File.Exists(adapterPath), tune.ToString());
            CliResult search = await cli.RunAsync("search", "what does the otter eat", "--adapter", "tuned.lsea", "--top", "1");
            Assert.True(search.ExitCode == 0, search.ToString());
        }
        else
        {
            Assert.True(tune.ExitCode == 8, tune.ToString());
            Assert.False(File.Exists(adapterPath));
            Assert.Contains("was not saved", tune.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_adapter_for_the_embedder_changes_nothing_when_it_is_the_identity_and_another_embedders_adapter_is_refused_in_one_line()
    {
        using var cli = new CliRunner();
        cli.Write("docs/a.txt", "Herons wade in shallow water and catch fish with their long beaks.");
        cli.Write("docs/b.txt", "Badgers dig setts in forests and eat earthworms at night.");
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);
        await new EmbeddingAdapter("sentence-transformers/all-MiniLM-L6-v2", 384, 0, new float[384 * 384]).SaveAsync(Path.Combine(cli.WorkingDirectory, "identity.lsea"));
        await new EmbeddingAdapter("text-embedding-3-small", 384, 0, new float[384 * 384]).SaveAsync(Path.Combine(cli.WorkingDirectory, "other.lsea"));

        CliResult plain = await cli.RunAsync("search", "where do badgers live", "--top", "2");
        CliResult identity = await cli.RunAsync("search", "where do badgers live", "--top", "2", "--adapter", "identity.lsea");
        CliResult other = await cli.RunAsync("search", "where do badgers live", "--adapter", "other.lsea");
        await File.WriteAllTextAsync(Path.Combine(cli.WorkingDirectory, "damaged.lsea"), "LSEADAPT and then garbage");
        CliResult damaged = await cli.RunAsync("search", "where do badgers live", "--adapter", "damaged.lsea");

        Assert.True(identity.ExitCode == 0, identity.ToString());
        Assert.Equal(plain.Output, identity.Output);
        Assert.True(other.ExitCode == 2, other.ToString());
        Assert.Contains("'text-embedding-3-small'", other.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", other.Error, StringComparison.Ordinal);
        Assert.True(damaged.ExitCode == 2, damaged.ToString());
        Assert.Contains("LlmStack:Embeddings:Adapter", damaged.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_pairs_file_is_reported_with_its_line()
    {
        using var cli = new CliRunner();
        cli.Write("pairs.jsonl", "{\"query\": \"q\", \"passage\": \"p\"}\n{\"query\": 3}\n");

        CliResult result = await cli.RunAsync("tune-embeddings", "pairs.jsonl", "--out", "x.lsea");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Line 2", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Llm.Stack.", result.Error, StringComparison.Ordinal);
    }
}
