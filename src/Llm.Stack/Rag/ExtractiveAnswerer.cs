using System.Globalization;
using System.Text;

namespace Llm.Stack;

/// <summary>Builds an answer from the best sentences of the best chunks when no chat model is available.</summary>
internal static class ExtractiveAnswerer
{
    /// <summary>The label that starts every extractive answer.</summary>
    public const string Label = "Extractive answer (no chat model is configured; the most relevant sentences are quoted from the sources):";

    /// <summary>The share of the best sentence's question overlap that another sentence of the same document needs to be quoted.</summary>
    private const double RelativeRelevance = 0.5;

    /// <summary>The share of the best sentence's question overlap that a sentence of another document needs to be quoted.</summary>
    /// <remarks>
    /// A sentence about another subject that shares only the question's common words ("erupted", "volcano") reads as
    /// part of the answer when quoted beside it; from another document, only a sentence that matches the question as
    /// well as the best one is quoted.
    /// </remarks>
    private const double OtherDocumentRelevance = 1.0;

    /// <summary>The weight of a question word found only in the headings above a sentence, relative to one in the sentence.</summary>
    private const double HeadingWeight = 0.5;

    public static RagAnswer Build(string query, IReadOnlyList<RetrievedChunk> sources, int sentenceCount)
    {
        if (sources.Count == 0)
        {
            return new RagAnswer(Label + "\nNo relevant sources were found.", []) { IsExtractive = true, Query = query, Sources = sources };
        }

        var queryWords = new HashSet<string>(TextSegmentation.ContentWords(query), StringComparer.Ordinal);

        // Candidate sentences with their words and the words of the headings above them in their chunk (its section
        // path and any heading line before the sentence); document frequency over sentences gives an IDF weight.
        // Headings themselves are context, never quoted: "Iceland > Government > National symbol(s)" names the
        // subject that the line below it ("gyrfalcon; ...") answers.
        var candidates = new List<(int Source, int Start, int Length, HashSet<string> Words, HashSet<string> Context)>();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int s = 0; s < sources.Count; s++)
        {
            DocumentChunk chunk = sources[s].Chunk;
            string text = chunk.Text;
            string sectionPrefix = string.Join(" > ", chunk.SectionPath);
            var context = new HashSet<string>(chunk.SectionPath.SelectMany(TextSegmentation.ContentWords), StringComparer.Ordinal);
            foreach ((int start, int length) in TextSegmentation.Sentences(text))
            {
                string sentence = text.Substring(start, length);
                List<string> words = TextSegmentation.ContentWords(sentence);
                if (words.Count == 0 || sentence == sectionPrefix)
                {
                    continue;
                }

                if (TextSegmentation.IsHeading(text, start, length))
                {
                    context = new HashSet<string>(context, StringComparer.Ordinal);
                    context.UnionWith(words);
                    continue;
                }

                var distinct = new HashSet<string>(words, StringComparer.Ordinal);
                candidates.Add((s, start, length, distinct, context));
                foreach (string w in distinct)
                {
                    df[w] = df.GetValueOrDefault(w) + 1;
                }
            }
        }

        int n = Math.Max(1, candidates.Count);
        double Idf(string word) => Math.Log(1 + (n / (double)(1 + df.GetValueOrDefault(word))));
        double totalWeight = queryWords.Sum(Idf);

        var scored = new List<(double Score, double Overlap, int Index)>(candidates.Count);
        double bestOverlap = 0;
        for (int i = 0; i < candidates.Count; i++)
        {
            (int source, int start, _, HashSet<string> words, HashSet<string> context) = candidates[i];

            // The IDF-weighted share of the question's words in the sentence; a word only in its headings counts half.
            double hit = 0;
            foreach (string word in queryWords)
            {
                hit += words.Contains(word) ? Idf(word) : context.Contains(word) ? Idf(word) * HeadingWeight : 0;
            }

            double overlap = totalWeight > 0 ? hit / totalWeight : 0;
            if (words.Count < 3)
            {
                overlap *= 0.3; // fragments make poor answers
            }

            // Prefer better-ranked chunks and earlier sentences a little, so ties go to the best source's lead.
            double score = overlap + (0.15 / (1 + source)) + (0.02 / (1 + (start / 200.0)));
            scored.Add((score, overlap, i));
            bestOverlap = Math.Max(bestOverlap, overlap);
        }

        // Only sentences that answer: those that share (by IDF weight) at least half as much of the question as the
        // best one, or as much as the best one when they come from another document than the best-scored sentence.
        // When no sentence shares a word with the question (the retriever matched on meaning), the best ranked
        // source's lead sentence stands alone.
        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        string answerDocument = scored.Count > 0 ? sources[candidates[scored[0].Index].Source].Chunk.DocumentId : "";
        var chosen = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((_, double overlap, int index) in scored)
        {
            if (chosen.Count == sentenceCount)
            {
                break;
            }

            (int source, int start, int length, _, _) = candidates[index];
            double threshold = bestOverlap * (sources[source].Chunk.DocumentId == answerDocument ? RelativeRelevance : OtherDocumentRelevance);
            if (bestOverlap > 0 && overlap < threshold)
            {
                continue;
            }

            if (seen.Add(TextSegmentation.Normalize(sources[source].Chunk.Text.AsSpan(start, length))))
            {
                chosen.Add(index); // overlapping chunks repeat sentences: quote each once
            }

            if (bestOverlap == 0)
            {
                break;
            }
        }

        if (chosen.Count == 0)
        {
            // The sources hold only headings: nothing to quote.
            return new RagAnswer(Label + "\nThe retrieved sources hold no sentence to quote.", []) { IsExtractive = true, Query = query, Sources = sources };
        }

        chosen.Sort((a, b) => candidates[a].Source != candidates[b].Source
            ? candidates[a].Source.CompareTo(candidates[b].Source)
            : candidates[a].Start.CompareTo(candidates[b].Start));

        // Markers are numbered in the order the answer cites its sources: [1], [2], [3].
        var sb = new StringBuilder(Label).Append('\n');
        var markers = new Dictionary<int, int>();
        var citations = new List<RagCitation>();
        foreach (int i in chosen)
        {
            (int source, int start, int length, _, _) = candidates[i];
            RetrievedChunk chunk = sources[source];
            if (!markers.TryGetValue(source, out int marker))
            {
                marker = markers.Count + 1;
                markers[source] = marker;
                citations.Add(new RagCitation(marker, chunk.Chunk, chunk.Score)
                {
                    Source = SourceFormatter.GetSource(chunk.Chunk),
                    Quote = chunk.Chunk.Text.Substring(start, length),
                    QuoteStart = start,
                });
            }

            sb.Append(TextSegmentation.Normalize(chunk.Chunk.Text.AsSpan(start, length)))
                .Append(" [").Append(marker.ToString(CultureInfo.InvariantCulture)).Append("]\n");
        }

        return new RagAnswer(sb.ToString().TrimEnd(), citations) { IsExtractive = true, Query = query, Sources = sources };
    }
}
