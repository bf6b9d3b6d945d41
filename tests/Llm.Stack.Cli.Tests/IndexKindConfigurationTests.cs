using Llm.Stack.VectorIndex;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>LlmStack:VectorStore:IndexKind</c> reaches the local index: <c>llmstack ingest</c> builds and saves an HNSW graph
/// when it says <c>hnsw</c>, <c>info</c> shows the kind searched; configured <c>flat</c> again, the saved graph is kept
/// until <c>ingest --rebuild</c>. <c>LlmStack:VectorStore:Quantization</c> reaches it the same way.
/// </summary>
public sealed class IndexKindConfigurationTests
{
    [Theory]
    [InlineData("flat", "Int8", "Flat", "int8")]
    [InlineData("flat", "Binary", "Flat", "binary")]
    [InlineData("hnsw", "Int8", "Hnsw", "int8")]
    public async Task Configured_quantization_reaches_the_local_index_and_answers_stay_right(string kind, string quantization, string shownKind, string shownCodes)
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n");
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and releases carbon dioxide, which makes the dough rise.\n");
        cli.Write("llmstack.json", $$"""{ "LlmStack": { "VectorStore": { "IndexKind": "{{kind}}", "Quantization": "{{quantization}}" } } }""");

        CliResult ingest = await cli.RunAsync("ingest", "docs");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        string snapshot = Assert.Single(Directory.GetFiles(Path.Combine(cli.WorkingDirectory, ".llmstack"), "documents.*.lsvi"));
        InMemoryVectorPropertyInfo saved = Assert.Single(InMemoryVectorStore.ReadSnapshotInfo(snapshot).VectorProperties);
        Assert.Equal(Enum.Parse<VectorQuantization>(quantization), saved.Quantization);

        CliResult info = await cli.RunAsync("info");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Matches($@"index kind\s*│?\s*{shownKind} \(CosineSimilarity, {shownCodes} codes", info.Output);

        CliResult ask = await cli.RunAsync("ask", "Which town was buried by Vesuvius?");
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("Pompeii", ask.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_hnsw_is_built_by_ingest_saved_in_the_snapshot_and_shown_by_info()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n");
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and releases carbon dioxide, which makes the dough rise.\n");
        cli.Write("docs/rivers.txt", "The Nile is the longest river in Africa and flows north into the Mediterranean Sea.\n");
        cli.Write("llmstack.json", """{ "LlmStack": { "VectorStore": { "IndexKind": "hnsw" } } }""");

        CliResult ingest = await cli.RunAsync("ingest", "docs");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        string snapshot = Assert.Single(Directory.GetFiles(Path.Combine(cli.WorkingDirectory, ".llmstack"), "documents.*.lsvi"));
        InMemoryVectorPropertyInfo saved = Assert.Single(InMemoryVectorStore.ReadSnapshotInfo(snapshot).VectorProperties);
        Assert.Equal("Hnsw", saved.IndexKind);

        CliResult info = await cli.RunAsync("info");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Matches(@"index kind\s*│?\s*Hnsw", info.Output);

        CliResult ask = await cli.RunAsync("ask", "Which town was buried by Vesuvius?");
        Assert.True(ask.ExitCode == 0, ask.ToString());
        Assert.Contains("Pompeii", ask.Output, StringComparison.Ordinal);
        Assert.Contains("docs/volcanoes.md", ask.Output, StringComparison.Ordinal);

        // Configured flat again: the saved graph is kept when the folder is opened (a snapshot does not record whether its
        // kind came from configuration), and ingest --rebuild makes the index exact.
        cli.Write("llmstack.json", """{ "LlmStack": { "VectorStore": { "IndexKind": "flat" } } }""");
        CliResult kept = await cli.RunAsync("info");
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Matches(@"index kind\s*│?\s*Hnsw", kept.Output);

        CliResult rebuild = await cli.RunAsync("ingest", "docs", "--rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        CliResult flatInfo = await cli.RunAsync("info");
        Assert.True(flatInfo.ExitCode == 0, flatInfo.ToString());
        Assert.Matches(@"index kind\s*│?\s*Flat", flatInfo.Output);
        CliResult flatAsk = await cli.RunAsync("ask", "Which town was buried by Vesuvius?");
        Assert.True(flatAsk.ExitCode == 0, flatAsk.ToString());
        Assert.Contains("Pompeii", flatAsk.Output, StringComparison.Ordinal);
    }
}
