using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>Data of the conformance suite: the record definition, seeded records and the brute-force oracle.</summary>
public static class ConformanceData
{
    public const int Dimensions = 8;

    public static readonly string[] Categories = ["alpha", "beta", "gamma", "delta"];

    /// <summary>Strings that break naive SQL, JSON or filter building: quotes, comment and statement separators, placeholders, backslashes, non-ASCII.</summary>
    public static readonly string[] Hostile =
    [
        "'; DROP TABLE students; --",
        "Robert\"); DELETE FROM x; --",
        "$1",
        "\\' OR '1'='1",
        "a\"b'c`d",
        "100% _match_",
        "é中文🙂",
        "line\nbreak\ttab",
        "{\"$ne\": null}",
    ];

    public static VectorStoreCollectionDefinition Definition(string indexKind, string distanceFunction = DistanceFunction.CosineSimilarity) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(ConformanceRecord.Key), typeof(string)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Category), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(ConformanceRecord.Number), typeof(int)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(ConformanceRecord.Big), typeof(long)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Price), typeof(double)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Flag), typeof(bool)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Note), typeof(string)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Tags), typeof(string[])),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Scores), typeof(List<int>)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Text), typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreDataProperty(nameof(ConformanceRecord.When), typeof(DateTimeOffset)),
            new VectorStoreDataProperty(nameof(ConformanceRecord.Reference), typeof(Guid)),
            new VectorStoreVectorProperty(nameof(ConformanceRecord.Vector), typeof(ReadOnlyMemory<float>?), Dimensions)
            {
                IndexKind = indexKind,
                DistanceFunction = distanceFunction,
            },
        ],
    };

    /// <summary>Seeded records: clustered vectors, every field set, some notes null, every 7th record tagged "rare".</summary>
    public static List<ConformanceRecord> Records(int count, int seed = 42)
    {
        var random = new Random(seed);
        var centers = Enumerable.Range(0, 5).Select(_ => RandomVector(random)).ToArray();
        var records = new List<ConformanceRecord>(count);
        for (int i = 0; i < count; i++)
        {
            float[] center = centers[i % centers.Length];
            float[] vector = [.. center.Select(c => c + ((float)random.NextDouble() - 0.5f) * 0.6f)];
            records.Add(new ConformanceRecord
            {
                Key = $"k{i:D5}",
                Category = Categories[i % Categories.Length],
                Number = i,
                Big = 10_000_000_000L + i,
                Price = Math.Round(random.NextDouble() * 100, 2),
                Flag = i % 3 == 0,
                Note = i % 5 == 0 ? null : $"note {i}",
                Tags = i % 7 == 0 ? ["rare", "t" + (i % 4)] : ["t" + (i % 4)],
                Scores = [i % 10, i % 3],
                Text = $"document {i} about {Categories[i % Categories.Length]} topics" + (i % 11 == 0 ? " volcano eruption" : string.Empty),
                When = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i * 37),
                Reference = new Guid(i, 0, 0, new byte[8]),
                Vector = vector,
            });
        }

        return records;
    }

    public static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    /// <summary>The MEVD score of <paramref name="a"/> against <paramref name="b"/>, computed in double precision.</summary>
    public static double Score(string distanceFunction, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0, l2 = 0, l1 = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
            l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            l1 += Math.Abs((double)a[i] - b[i]);
        }

        double cosine = dot / (Math.Sqrt(na) * Math.Sqrt(nb));
        return distanceFunction switch
        {
            DistanceFunction.CosineSimilarity => cosine,
            DistanceFunction.CosineDistance => 1 - cosine,
            DistanceFunction.DotProductSimilarity => dot,
            DistanceFunction.NegativeDotProductSimilarity => -dot,
            DistanceFunction.EuclideanDistance => Math.Sqrt(l2),
            DistanceFunction.EuclideanSquaredDistance => l2,
            DistanceFunction.ManhattanDistance => l1,
            _ => throw new ArgumentOutOfRangeException(nameof(distanceFunction)),
        };
    }

    public static bool HigherIsBetter(string distanceFunction)
        => distanceFunction is DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity;

    /// <summary>The exact best <paramref name="top"/> of <paramref name="records"/> for <paramref name="query"/>: the oracle.</summary>
    public static List<(string Key, double Score)> Exact(IEnumerable<ConformanceRecord> records, float[] query, string distanceFunction, int top)
    {
        var scored = records.Where(r => r.Vector is not null).Select(r => (r.Key, Score: Score(distanceFunction, r.Vector!.Value.Span, query)));
        return [.. (HigherIsBetter(distanceFunction) ? scored.OrderByDescending(s => s.Score) : scored.OrderBy(s => s.Score)).ThenBy(s => s.Key, StringComparer.Ordinal).Take(top)];
    }
}
