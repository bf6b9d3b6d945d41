using System.Globalization;
using System.Text;

namespace Llm.Stack;

/// <summary>Builds an answer from the best sentences of the best chunks when no chat model is available.</summary>
internal static class ExtractiveAnswerer
{
    /// <summary>The label that starts every extractive answer.</summary>
    public const string Label = "Extractive answer (no chat model is configured; the most relevant sentences are quoted from the sources):";

    public static RagAnswer Build(string query, IReadOnlyList<RetrievedChunk> sources, int sentenceCount)
    {
        if (sources.Count == 0)
        {
            return new RagAnswer(Label + "\nNo relevant sources were found.", []) { IsExtractive = true, Query = query, Sources = sources };
        }

        var queryWords = new HashSet<string>(TextSegmentation.ContentWords(query), StringComparer.Ordinal);

        // Candidate sentences with their words; document frequency over sentences gives an IDF weight.
        var candidates = new List<(int Source, int Start, int Length, List<string> Words)>();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int s = 0; s < sources.Count; s++)
        {
            string text = sources[s].Chunk.Text;
            foreach ((int start, int length) in TextSegmentation.Sentences(text))
            {
                List<string> words = TextSegmentation.ContentWords(text.Substring(start, length));
                if (words.Count == 0)
                {
                    continue;
                }

                candidates.Add((s, start, length, words));
                foreach (string w in new HashSet<string>(words, StringComparer.Ordinal))
                {
                    df[w] = df.GetValueOrDefault(w) + 1;
                }
            }
        }

        int n = Math.Max(1, candidates.Count);
        double Idf(string word) => Math.Log(1 + (n / (double)(1 + df.GetValueOrDefault(word))));

        var scored = new List<(double Score, int Index)>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            (int source, int start, _, List<string> words) = candidates[i];
            double overlap = TextSegmentation.Overlap(queryWords, words, Idf);

            // Prefer better-ranked chunks and earlier sentences a little, so ties go to the best source's lead.
            double score = overlap + (0.15 / (1 + source)) + (0.02 / (1 + (start / 200.0)));
            if (words.Count < 3)
            {
                score *= 0.3; // headings and fragments make poor answers
            }

            scored.Add((score, i));
        }

        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        var chosen = scored.Take(sentenceCount).Select(x => x.Index)
            .OrderBy(i => candidates[i].Source).ThenBy(i => candidates[i].Start).ToList();

        var sb = new StringBuilder(Label).Append('\n');
        var cited = new SortedDictionary<int, (int Start, int Length)>();
        foreach (int i in chosen)
        {
            (int source, int start, int length, _) = candidates[i];
            string sentence = sources[source].Chunk.Text.Substring(start, length).Replace('\n', ' ');
            int marker = source + 1;
            sb.Append(sentence).Append(" [").Append(marker.ToString(CultureInfo.InvariantCulture)).Append("]\n");
            cited.TryAdd(marker, (start, length));
        }

        var citations = new List<RagCitation>(cited.Count);
        foreach ((int marker, (int start, int length)) in cited)
        {
            RetrievedChunk source = sources[marker - 1];
            citations.Add(new RagCitation(marker, source.Chunk, source.Score)
            {
                Source = SourceFormatter.GetSource(source.Chunk),
                Quote = source.Chunk.Text.Substring(start, length),
                QuoteStart = start,
            });
        }

        return new RagAnswer(sb.ToString().TrimEnd(), citations) { IsExtractive = true, Query = query, Sources = sources };
    }
}
