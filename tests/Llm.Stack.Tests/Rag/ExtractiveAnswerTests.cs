namespace Llm.Stack.Tests.Rag;

/// <summary>Extractive answers (no chat model): whole sentences across hard wraps, only sentences that answer, markers in order.</summary>
public sealed class ExtractiveAnswerTests
{
    // A README.Debian-style paragraph wrapped at 72 columns: the fact ("at 6:00") is on the line after the one
    // that holds most of the question's words.
    private const string Wrapped = """
        This package installs security updates without anyone having to log in.
        It is started by the apt-daily-upgrade.timer systemd unit, which by
        default fires once a day at 6:00 with a randomized delay of up to 60
        minutes, after the package lists have been refreshed by apt-daily.timer.
        Both timers can be changed with systemctl edit.
        """;

    [Fact]
    public void A_sentence_of_a_hard_wrapped_paragraph_is_whole()
    {
        List<string> sentences = TextSegmentation.Sentences(Wrapped).Select(s => TextSegmentation.Normalize(Wrapped.AsSpan(s.Start, s.Length))).ToList();

        Assert.Equal(
            [
                "This package installs security updates without anyone having to log in.",
                "It is started by the apt-daily-upgrade.timer systemd unit, which by default fires once a day at 6:00 with a randomized delay of up to 60 minutes, after the package lists have been refreshed by apt-daily.timer.",
                "Both timers can be changed with systemctl edit.",
            ],
            sentences);
    }

    [Fact]
    public void Headings_list_items_table_rows_and_lines_broken_on_purpose_stay_apart()
    {
        const string text = """
            # Install

            Run the installer as root. The files it copies all go to the directory
            /opt/tool and the service starts at once.
            - first item that is long enough to wrap onto
              a second line
            - second item
            | a | b |
            | 1 | 2 |
            Name: tool
            Version: 2.1
            DESCRIPTION
                   tool copies files from one place to another and keeps the
                   two in step.
            Settings
            ------------
            Timeout in seconds.
            """;

        List<string> sentences = TextSegmentation.Sentences(text).Select(s => TextSegmentation.Normalize(text.AsSpan(s.Start, s.Length))).ToList();

        Assert.Equal(
            [
                "# Install",
                "Run the installer as root.",
                "The files it copies all go to the directory /opt/tool and the service starts at once.",
                "- first item that is long enough to wrap onto a second line",
                "- second item",
                "| a | b |",
                "| 1 | 2 |",
                "Name: tool",
                "Version: 2.1",
                "DESCRIPTION",
                "tool copies files from one place to another and keeps the two in step.",
                "Settings",
                "------------",
                "Timeout in seconds.",
            ],
            sentences);
        Assert.True(TextSegmentation.IsHeading(text, text.IndexOf("DESCRIPTION", StringComparison.Ordinal), "DESCRIPTION".Length));
        Assert.True(TextSegmentation.IsHeading(text, text.IndexOf("Settings", StringComparison.Ordinal), "Settings".Length));
        Assert.False(TextSegmentation.IsHeading(text, text.IndexOf("Name: tool", StringComparison.Ordinal), "Name: tool".Length));
    }

    [Fact]
    public void A_long_line_does_not_make_the_wrapped_lines_of_a_text_look_short()
    {
        // Wrapped at 72: the first line ends mid-sentence before a capitalised word. A wrap width taken from the
        // URL's line would make it look broken on purpose.
        string text = "See https://example.invalid/" + new string('x', 150) + " for the list.\n\n"
            + "The archive keys are kept in /usr/share/keyrings and are updated by the\n"
            + "Debian archive keyring package whenever a new release is signed.";

        Assert.Contains(
            TextSegmentation.Sentences(text),
            s => text.Substring(s.Start, s.Length) == "The archive keys are kept in /usr/share/keyrings and are updated by the\nDebian archive keyring package whenever a new release is signed.");
    }

    [Fact]
    public async Task The_answer_quotes_the_whole_wrapped_sentence_that_holds_the_fact()
    {
        var pipeline = new RagPipeline(new FixedRetriever([Corpus.Chunk("README.Debian", 0, Wrapped, 0.9)]));

        RagAnswer answer = await pipeline.AskAsync("When does the apt-daily-upgrade timer fire?");

        Assert.Contains("which by default fires once a day at 6:00 with a randomized delay of up to 60 minutes", answer.Text, StringComparison.Ordinal);
        RagCitation citation = Assert.Single(answer.Citations);
        Assert.Equal(citation.Quote, Wrapped.Substring(citation.QuoteStart, citation.Quote.Length));
        Assert.Contains("\n", citation.Quote, StringComparison.Ordinal); // the quote is the source's own text
    }

    [Fact]
    public async Task Only_sentences_that_answer_are_quoted_and_markers_are_numbered_in_order()
    {
        RetrievedChunk[] sources =
        [
            Corpus.Chunk("volga.md", 0, "The Volga is the longest river in Europe. Its basin is home to many cities.", 0.9),
            Corpus.Chunk("danube.md", 0, "The Danube is the second-longest river in Europe. It flows through ten countries.", 0.8),
            Corpus.Chunk("bread.md", 0, "Knead the dough for ten minutes. Bake it at 220 degrees.", 0.7),
            Corpus.Chunk("rhine.md", 0, "The Rhine is not the longest river in Europe; it ends in the North Sea.", 0.6),
            Corpus.Chunk("nile.md", 0, "The Nile is a long river in Africa.", 0.5),
        ];
        var pipeline = new RagPipeline(new FixedRetriever(sources));

        RagAnswer answer = await pipeline.AskAsync("Which is the longest river in Europe?", new RagOptions { ExtractiveSentences = 5 });

        string[] lines = answer.Text.Split('\n')[1..];
        Assert.Equal(
            [
                "The Volga is the longest river in Europe. [1]",
                "The Danube is the second-longest river in Europe. [2]",
                "The Rhine is not the longest river in Europe; it ends in the North Sea. [3]",
            ],
            lines);
        Assert.Equal([1, 2, 3], answer.Citations.Select(c => c.Marker));
        Assert.Equal(["volga.md", "danube.md", "rhine.md"], answer.Citations.Select(c => c.DocumentId));
    }

    [Fact]
    public async Task A_sentence_of_another_document_that_shares_only_the_questions_common_words_is_not_quoted()
    {
        // README's question over the sample corpus: Peru's and Kenya's volcano sentences share "erupted" and
        // "volcano" with it (more than half of the best sentence's weighted overlap) but are about other countries.
        RetrievedChunk[] sources =
        [
            Corpus.Chunk("iceland.md", 0, "volcanism: Iceland experiences severe volcanic activity; Eyjafjallajokull erupted in 2010, sending ash high into the atmosphere. Grimsvoetn and Hekla are Iceland's most active volcanoes. Fallout from the Askja volcano of 1875 devastated the Icelandic economy.", 0.9),
            Corpus.Chunk("peru.md", 0, "volcanism: Ubinas, which last erupted in 2009, is the country's most active volcano.", 0.8),
            Corpus.Chunk("kenya.md", 0, "volcanism: the Barrier last erupted in 1921; South Island is the only other historically active volcano.", 0.7),
        ];
        var pipeline = new RagPipeline(new FixedRetriever(sources));

        RagAnswer answer = await pipeline.AskAsync("Which volcano in Iceland erupted in 2010?", new RagOptions { ExtractiveSentences = 5 });

        Assert.StartsWith(ExtractiveAnswerer.Label + "\nvolcanism: Iceland experiences severe volcanic activity; Eyjafjallajokull erupted in 2010", answer.Text, StringComparison.Ordinal);
        Assert.Equal(["iceland.md"], answer.Citations.Select(c => c.DocumentId));
        Assert.DoesNotContain("Ubinas", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Barrier", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_heading_is_context_for_the_line_below_it_and_never_quoted()
    {
        RetrievedChunk source = new(new DocumentChunk("iceland.md", 0, "Iceland > Government > National symbol(s)\n\ngyrfalcon; national colors: blue, white, red")
        {
            SectionPath = ["Iceland", "Government", "National symbol(s)"],
        }, 0.9);
        var pipeline = new RagPipeline(new FixedRetriever([source]));

        RagAnswer answer = await pipeline.AskAsync("What is the national bird symbol of Iceland?");

        Assert.Equal(ExtractiveAnswerer.Label + "\ngyrfalcon; national colors: blue, white, red [1]", answer.Text);
    }

    [Fact]
    public async Task A_sentence_repeated_by_overlapping_chunks_is_quoted_once()
    {
        RetrievedChunk[] sources =
        [
            Corpus.Chunk("rivers.md", 0, "The Volga is the longest river in Europe. It flows into the Caspian Sea.", 0.9),
            Corpus.Chunk("rivers.md", 1, "It flows into the Caspian Sea. The Volga is the longest river in Europe.", 0.8),
        ];
        var pipeline = new RagPipeline(new FixedRetriever(sources));

        RagAnswer answer = await pipeline.AskAsync("Which is the longest river in Europe?");

        Assert.Equal(ExtractiveAnswerer.Label + "\nThe Volga is the longest river in Europe. [1]", answer.Text);
    }
}
