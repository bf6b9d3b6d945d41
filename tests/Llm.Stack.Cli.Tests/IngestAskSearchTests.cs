namespace Llm.Stack.Cli.Tests;

/// <summary>End to end with the real MiniLM embedder and the persisted in-memory index, as a user runs the CLI.</summary>
public class IngestAskSearchTests
{
    private const string Volcanoes = """
        # Volcanoes

        ## Eruptions

        A volcanic eruption happens when magma rises through the crust and escapes at the surface as lava, ash and gas.
        Explosive eruptions are driven by dissolved gases expanding as the pressure falls.

        ## Famous volcanoes

        Mount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.
        """;

    private const string Bread = """
        # Baking bread

        Yeast ferments the sugars in flour and releases carbon dioxide, which makes the dough rise.
        Knead the dough for ten minutes, let it rise for an hour, then bake it at 220 degrees Celsius.
        """;

    private const string Rivers = """
        The Nile is the longest river in Africa and flows north into the Mediterranean Sea.
        The Amazon carries more water than any other river on Earth.
        """;

    [Fact]
    public async Task Ingest_then_ask_answers_extractively_with_a_citation_of_the_right_document()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        cli.Write("docs/bread.md", Bread);
        cli.Write("docs/rivers.txt", Rivers);

        CliResult ingest = await cli.RunAsync("ingest", "docs");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.Contains("3 added", ingest.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cli.WorkingDirectory, ".llmstack", "index.json")), "the index is committed under .llmstack/");
        Assert.Single(Directory.GetFiles(Path.Combine(cli.WorkingDirectory, ".llmstack"), "documents.*.lsvi"));

        CliResult ask = await cli.RunAsync("ask", "Which town was buried by Vesuvius?");
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("Pompeii", ask.Output, StringComparison.Ordinal);
        Assert.Contains("[1]", ask.Output, StringComparison.Ordinal);
        Assert.Contains("Sources", ask.Output, StringComparison.Ordinal);
        Assert.Contains("docs/volcanoes.md", ask.Output, StringComparison.Ordinal);
        Assert.Contains("xtractive", ask.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_with_docs_ingests_and_answers_in_one_go_and_search_shows_scores_and_sections()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        cli.Write("docs/bread.md", Bread);

        CliResult ask = await cli.RunAsync("ask", "How long should bread dough rise?", "--docs", "docs");
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("hour", ask.Output, StringComparison.Ordinal);
        Assert.Contains("docs/bread.md", ask.Output, StringComparison.Ordinal);

        CliResult search = await cli.RunAsync("search", "what makes magma escape", "--top", "2");
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Contains("1. score", search.Output, StringComparison.Ordinal);
        Assert.Contains("docs/volcanoes.md", search.Output, StringComparison.Ordinal);
        Assert.Contains("Volcanoes", search.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("3. score", search.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reingest_after_a_change_and_a_deletion_updates_only_what_changed()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        cli.Write("docs/bread.md", Bread);
        cli.Write("docs/rivers.txt", Rivers);
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);

        CliResult again = await cli.RunAsync("ingest", "docs");
        Assert.Contains("0 added", again.Output, StringComparison.Ordinal);
        Assert.Contains("3 unchanged", again.Output, StringComparison.Ordinal);

        cli.Write("docs/rivers.txt", Rivers + "\nThe Danube flows through ten countries, more than any other river.\n");
        File.Delete(Path.Combine(cli.WorkingDirectory, "docs", "bread.md"));
        CliResult changed = await cli.RunAsync("ingest", "docs");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("1 changed", changed.Output, StringComparison.Ordinal);
        Assert.Contains("1 unchanged", changed.Output, StringComparison.Ordinal);
        Assert.Contains("1 removed", changed.Output, StringComparison.Ordinal);

        CliResult danube = await cli.RunAsync("search", "Which river flows through ten countries?", "--top", "1");
        Assert.Contains("docs/rivers.txt", danube.Output, StringComparison.Ordinal);
        Assert.Contains("Danube", danube.Output, StringComparison.Ordinal);

        CliResult bread = await cli.RunAsync("search", "yeast dough knead bake", "--top", "5");
        Assert.DoesNotContain("bread.md", bread.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_built_by_another_embedder_is_refused_until_rebuilt()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);

        // What index.json says when the index was built with another embedder.
        string metadataPath = Path.Combine(cli.WorkingDirectory, ".llmstack", "index.json");
        string metadata = File.ReadAllText(metadataPath);
        File.WriteAllText(metadataPath, metadata
            .Replace("sentence-transformers/all-MiniLM-L6-v2", "text-embedding-3-small", StringComparison.Ordinal)
            .Replace("\"Dimensions\": 384", "\"Dimensions\": 1536", StringComparison.Ordinal));

        CliResult refused = await cli.RunAsync("ask", "What is an eruption?");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("text-embedding-3-small", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--rebuild", refused.Error, StringComparison.Ordinal);

        CliResult rebuilt = await cli.RunAsync("ingest", "docs", "--rebuild");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Contains("1 added", rebuilt.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("ask", "What is an eruption?")).ExitCode);
    }

    [Fact]
    public async Task Info_reports_the_embedder_and_the_index()
    {
        using var cli = new CliRunner();
        CliResult empty = await cli.RunAsync("info");
        Assert.Equal(0, empty.ExitCode);
        Assert.Contains("all-MiniLM-L6-v2", empty.Output, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Output, StringComparison.Ordinal);

        cli.Write("docs/rivers.txt", Rivers);
        await cli.RunAsync("ingest", "docs");
        CliResult info = await cli.RunAsync("info");
        Assert.Contains("documents.00000001.lsvi", info.Output, StringComparison.Ordinal);
        Assert.Contains("1 documents", info.Output, StringComparison.Ordinal);
        Assert.Contains("ok: state and chunks agree", info.Output, StringComparison.Ordinal);

        // A damaged state file is reported, not a crash; the next ingest repairs it without re-embedding.
        string state = Directory.GetFiles(Path.Combine(cli.WorkingDirectory, ".llmstack"), "*.state.json").Max(StringComparer.Ordinal)!;
        File.WriteAllText(state, "{ damaged");
        CliResult damaged = await cli.RunAsync("info");
        Assert.True(damaged.ExitCode == 0, damaged.ToString());
        Assert.Contains("repair needed", damaged.Output, StringComparison.Ordinal);
        CliResult repaired = await cli.RunAsync("ingest", "docs");
        Assert.Contains("0 chunks embedded", repaired.Output, StringComparison.Ordinal);
        Assert.Contains("ok: state and chunks agree", (await cli.RunAsync("info")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_read_as_windows_1252_and_said_per_file()
    {
        using var cli = new CliRunner();
        cli.Write("docs/rivers.txt", Rivers);
        // "Café crème near the Rhône." in Latin-1: 0xE9, 0xE8 and 0xF4 are not valid UTF-8 on their own.
        File.WriteAllBytes(Path.Combine(cli.WorkingDirectory, "docs", "latin1.txt"), System.Text.Encoding.Latin1.GetBytes("Caf\u00e9 cr\u00e8me near the Rh\u00f4ne.\n"));

        CliResult ingest = await cli.RunAsync("ingest", "docs");

        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.Contains("2 added", ingest.Output, StringComparison.Ordinal);
        string line = Assert.Single(ingest.Error.Split('\n'), l => l.StartsWith("encoding: ", StringComparison.Ordinal));
        Assert.Contains("latin1.txt: read as windows-1252", line, StringComparison.Ordinal);
        CliResult search = await cli.RunAsync("search", "Rh\u00f4ne");
        Assert.Contains("Caf\u00e9 cr\u00e8me", search.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("index.json")]
    [InlineData("snapshot")]
    [InlineData("state")]
    public async Task Info_reports_each_kind_of_damaged_file_without_crashing_and_ingest_repairs_it(string damaged)
    {
        using var cli = new CliRunner();
        cli.Write("docs/rivers.txt", Rivers);
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);
        string data = Path.Combine(cli.WorkingDirectory, ".llmstack");
        string path = damaged switch
        {
            "index.json" => Path.Combine(data, "index.json"),
            "snapshot" => Directory.GetFiles(data, "*.lsvi").Max(StringComparer.Ordinal)!,
            _ => Directory.GetFiles(data, "*.state.json").Max(StringComparer.Ordinal)!,
        };
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))]);

        CliResult info = await cli.RunAsync("info");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("index check", info.Output, StringComparison.Ordinal);
        Assert.Contains("repair needed", info.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", info.Output + info.Error, StringComparison.Ordinal);

        CliResult repaired = await cli.RunAsync("ingest", "docs");
        Assert.True(repaired.ExitCode == 0, repaired.ToString());
        Assert.Contains("ok: state and chunks agree", (await cli.RunAsync("info")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_file_is_ingested_and_asked_about_and_ids_do_not_depend_on_the_working_directory()
    {
        using var cli = new CliRunner();
        string file = cli.Write("notes/volcanoes.md", Volcanoes);

        CliResult ask = await cli.RunAsync("ask", "Which town was buried by Vesuvius?", "--docs", "notes/volcanoes.md");
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("Pompeii", ask.Output, StringComparison.Ordinal);

        cli.Write("notes/README", Rivers);
        CliResult folder = await cli.RunAsync("ingest", "notes");
        Assert.True(folder.ExitCode == 0, folder.ToString());
        Assert.Contains("1 added", folder.Output, StringComparison.Ordinal);

        // The same folder from another working directory (absolute paths, the same data folder): nothing changed.
        string data = Path.Combine(cli.WorkingDirectory, ".llmstack");
        var output = new StringWriter();
        int code = await new CliApp(output, new StringWriter(), Path.GetTempPath()).RunAsync(["ingest", Path.GetDirectoryName(file)!, "--data", data], CancellationToken.None);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("0 added, 0 changed, 2 unchanged", output.ToString(), StringComparison.Ordinal);
        CliResult again = await cli.RunAsync("ingest", "notes");
        Assert.Contains("0 added, 0 changed, 2 unchanged", again.Output, StringComparison.Ordinal);
    }
}
