using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// Computes <see cref="InteractionStatistics"/> over the tables of <see cref="SqliteInteractionStore"/> with grouped SQL
/// aggregates: records are never read one by one, so the cost grows with the rows scanned, not with what is returned.
/// </summary>
/// <remarks>Not thread-safe: the store calls it under its gate, on its one connection.</remarks>
internal static class SqliteInteractionStatistics
{
    /// <summary>Latency histogram bins per unit of natural log: each bin is e^(1/20) ≈ 5.1% wide.</summary>
    private const int BinsPerLogUnit = 20;

    private const int ScoreBins = 20;

    private static readonly TimeSpan[] Widths =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(7),
    ];

    public static InteractionStatistics Compute(SqliteConnection connection, InteractionStatisticsQuery query, DateTimeOffset now)
    {
        (long from, long to) = Range(connection, query, now);
        long width = (long)BucketWidth(to - from, query.MaxBuckets).TotalMilliseconds;
        long origin = Math.DivRem(from, width, out long remainder) * width - (remainder < 0 ? width : 0);
        int bucketCount = (int)((to - origin + width - 1) / width);
        var filter = new Filter(from, to, query.ModelId, query.TenantId, origin, width);

        // Per bucket: counts, errors, RAG answers, unanswered, blocks, and the best retrieval scores.
        var counts = new long[bucketCount];
        var errors = new long[bucketCount];
        var scoreSums = new double[bucketCount];
        var scoreCounts = new long[bucketCount];
        long answers = 0, unanswered = 0, blocked = 0;
        double? lowScore = null, highScore = null;
        using (SqliteCommand command = filter.Command(
            connection,
            "SELECT (ts - @origin) / @width AS b, count(*), count(error), coalesce(sum(operation = 'rag'), 0), " +
            "coalesce(sum(operation = 'rag' AND error IS NULL AND cited = '[]'), 0), coalesce(sum(guardrails LIKE '%\"blocked:%'), 0), " +
            "total(top_score), count(top_score), min(top_score), max(top_score) FROM interactions WHERE {0} GROUP BY b"))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                int b = reader.GetInt32(0);
                counts[b] = reader.GetInt64(1);
                errors[b] = reader.GetInt64(2);
                answers += reader.GetInt64(3);
                unanswered += reader.GetInt64(4);
                blocked += reader.GetInt64(5);
                scoreSums[b] = reader.GetDouble(6);
                scoreCounts[b] = reader.GetInt64(7);
                if (!reader.IsDBNull(8))
                {
                    lowScore = Math.Min(lowScore ?? double.MaxValue, reader.GetDouble(8));
                    highScore = Math.Max(highScore ?? double.MinValue, reader.GetDouble(9));
                }
            }
        }

        Histogram[] latency = LatencyHistograms(connection, filter, "duration_ms", bucketCount);
        Histogram[] ttft = LatencyHistograms(connection, filter, "ttft_ms", bucketCount);

        var buckets = new InteractionStatisticsBucket[bucketCount];
        for (int b = 0; b < bucketCount; b++)
        {
            buckets[b] = new InteractionStatisticsBucket
            {
                Start = DateTimeOffset.FromUnixTimeMilliseconds(origin + (b * width)),
                Count = counts[b],
                ErrorCount = errors[b],
                LatencyP50 = latency[b].Percentile(0.50),
                LatencyP95 = latency[b].Percentile(0.95),
                TimeToFirstTokenP50 = ttft[b].Percentile(0.50),
                TimeToFirstTokenP95 = ttft[b].Percentile(0.95),
                MeanTopScore = scoreCounts[b] == 0 ? null : scoreSums[b] / scoreCounts[b],
            };
        }

        Histogram allLatency = Histogram.Merge(latency), allTtft = Histogram.Merge(ttft);
        List<InteractionModelDay> modelDays = ModelDays(connection, filter);
        (long positive, long negative) = Feedback(connection, filter);
        long scored = scoreCounts.Sum();
        return new InteractionStatistics
        {
            From = DateTimeOffset.FromUnixTimeMilliseconds(from),
            To = DateTimeOffset.FromUnixTimeMilliseconds(to),
            BucketWidth = TimeSpan.FromMilliseconds(width),
            Count = counts.Sum(),
            ErrorCount = errors.Sum(),
            AnswerCount = answers,
            UnansweredCount = unanswered,
            GuardrailBlockCount = blocked,
            GuardrailBlocks = GuardrailBlocks(connection, filter),
            PositiveFeedbackCount = positive,
            NegativeFeedbackCount = negative,
            InputTokens = modelDays.Sum(d => d.InputTokens),
            OutputTokens = modelDays.Sum(d => d.OutputTokens),
            Cost = modelDays.Sum(d => d.Cost),
            LatencyP50 = allLatency.Percentile(0.50),
            LatencyP95 = allLatency.Percentile(0.95),
            TimeToFirstTokenP50 = allTtft.Percentile(0.50),
            TimeToFirstTokenP95 = allTtft.Percentile(0.95),
            MeanTopScore = scored == 0 ? null : scoreSums.Sum() / scored,
            Buckets = buckets,
            ModelDays = modelDays,
            TopScoreHistogram = lowScore is { } low && highScore is { } high ? ScoreHistogram(connection, filter, low, high) : [],
            Models = Distinct(connection, "model_id"),
            Tenants = Distinct(connection, "tenant_id"),
        };
    }

    /// <summary>The range in Unix milliseconds: the query's bounds, or the stored interactions' oldest and newest times.</summary>
    private static (long From, long To) Range(SqliteConnection connection, InteractionStatisticsQuery query, DateTimeOffset now)
    {
        if (query.From is { } f && query.To is { } t && t <= f)
        {
            throw new ArgumentException($"The range's end ({t:O}) must be after its start ({f:O}).", nameof(query));
        }

        long? from = query.From?.ToUnixTimeMilliseconds();
        long? to = query.To?.ToUnixTimeMilliseconds();
        if (from is null || to is null)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT min(ts), max(ts) FROM interactions WHERE ts >= @from AND ts < @to";
            command.Parameters.AddWithValue("@from", from ?? long.MinValue);
            command.Parameters.AddWithValue("@to", to ?? long.MaxValue);
            using SqliteDataReader reader = command.ExecuteReader();
            reader.Read();
            if (!reader.IsDBNull(0))
            {
                from ??= reader.GetInt64(0);
                to ??= reader.GetInt64(1) + 1;
            }
        }

        // An empty store with an open range: the day up to now, or up to the given end.
        to ??= Math.Max(now.ToUnixTimeMilliseconds(), (from ?? long.MinValue) + 1);
        from ??= to.Value - (long)TimeSpan.FromDays(1).TotalMilliseconds;
        return (from.Value, Math.Max(to.Value, from.Value + 1));
    }

    /// <summary>The smallest round width that cuts <paramref name="spanMilliseconds"/> into at most <paramref name="maxBuckets"/> buckets (plus one for alignment).</summary>
    private static TimeSpan BucketWidth(long spanMilliseconds, int maxBuckets)
    {
        foreach (TimeSpan width in Widths)
        {
            if (Math.Ceiling(spanMilliseconds / width.TotalMilliseconds) <= maxBuckets)
            {
                return width;
            }
        }

        TimeSpan week = Widths[^1];
        return week * Math.Ceiling(spanMilliseconds / (week.TotalMilliseconds * maxBuckets));
    }

    private static Histogram[] LatencyHistograms(SqliteConnection connection, Filter filter, string column, int bucketCount)
    {
        var histograms = new Histogram[bucketCount];
        for (int b = 0; b < bucketCount; b++)
        {
            histograms[b] = new Histogram();
        }

        using SqliteCommand command = filter.Command(
            connection,
            $"SELECT (ts - @origin) / @width AS b, CAST(floor(ln(max({column}, 0.001)) * {BinsPerLogUnit}) AS INTEGER) AS h, count(*), min({column}), max({column}) " +
            $"FROM interactions WHERE {{0}} AND {column} IS NOT NULL GROUP BY b, h");
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            histograms[reader.GetInt32(0)].Add(reader.GetInt32(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4));
        }

        return histograms;
    }

    private static List<InteractionModelDay> ModelDays(SqliteConnection connection, Filter filter)
    {
        using SqliteCommand command = filter.Command(
            connection,
            "SELECT ts / 86400000 AS d, model_id, count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), total(CAST(cost AS REAL)) " +
            "FROM interactions WHERE {0} GROUP BY d, model_id ORDER BY d, model_id");
        using SqliteDataReader reader = command.ExecuteReader();
        var days = new List<InteractionModelDay>();
        while (reader.Read())
        {
            days.Add(new InteractionModelDay
            {
                Day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0) * 86_400_000).UtcDateTime),
                ModelId = reader.IsDBNull(1) ? null : reader.GetString(1),
                Count = reader.GetInt64(2),
                InputTokens = reader.GetInt64(3),
                OutputTokens = reader.GetInt64(4),

                // Costs are stored as exact decimals; their sum is taken in double precision and rounded back.
                Cost = Math.Round((decimal)reader.GetDouble(5), 10),
            });
        }

        return days;
    }

    private static (long Positive, long Negative) Feedback(SqliteConnection connection, Filter filter)
    {
        using SqliteCommand command = filter.Command(
            connection,
            "SELECT coalesce(sum(CASE WHEN f.rating >= 4 OR (f.rating IS NULL AND f.labels LIKE '%\"correct\"%') THEN 1 ELSE 0 END), 0), " +
            "coalesce(sum(CASE WHEN f.rating <= 2 OR (f.rating IS NULL AND f.labels LIKE '%\"incorrect\"%') THEN 1 ELSE 0 END), 0) " +
            "FROM feedback f JOIN interactions ON interactions.id = f.interaction_id WHERE {0}");
        using SqliteDataReader reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static KeyValuePair<string, long>[] GuardrailBlocks(SqliteConnection connection, Filter filter)
    {
        using SqliteCommand command = filter.Command(
            connection,
            "SELECT j.value, count(*) FROM interactions, json_each(interactions.guardrails) AS j " +
            "WHERE {0} AND interactions.guardrails LIKE '%\"blocked:%' AND j.value LIKE 'blocked:%' GROUP BY j.value ORDER BY count(*) DESC, j.value");
        using SqliteDataReader reader = command.ExecuteReader();
        var blocks = new List<KeyValuePair<string, long>>();
        while (reader.Read())
        {
            blocks.Add(new(reader.GetString(0), reader.GetInt64(1)));
        }

        return [.. blocks];
    }

    private static InteractionScoreBin[] ScoreHistogram(SqliteConnection connection, Filter filter, double low, double high)
    {
        var bins = new InteractionScoreBin[high > low ? ScoreBins : 1];
        double width = (high - low) / bins.Length;
        var counts = new long[bins.Length];
        using (SqliteCommand command = filter.Command(
            connection,
            "SELECT min(@last, max(0, CAST((top_score - @low) / @binWidth AS INTEGER))) AS k, count(*) FROM interactions WHERE {0} AND top_score IS NOT NULL GROUP BY k"))
        {
            command.Parameters.AddWithValue("@last", bins.Length - 1);
            command.Parameters.AddWithValue("@low", low);
            command.Parameters.AddWithValue("@binWidth", width > 0 ? width : 1.0);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        for (int k = 0; k < bins.Length; k++)
        {
            bins[k] = new InteractionScoreBin(low + (k * width), k == bins.Length - 1 ? high : low + ((k + 1) * width), counts[k]);
        }

        return bins;
    }

    /// <summary>The distinct non-null values of an indexed column, by skipping through its index (one lookup per value, not a scan).</summary>
    private static string[] Distinct(SqliteConnection connection, string column)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText =
            $"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM interactions " +
            $"UNION ALL SELECT (SELECT min({column}) FROM interactions WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL) " +
            "SELECT x FROM v WHERE x IS NOT NULL";
        using SqliteDataReader reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        // SQLite's default collation (BINARY) orders UTF-8 bytes, which is the ordinal order of the code points.
        return [.. values];
    }

    /// <summary>The query's filter as a WHERE clause over <c>interactions</c>, with its parameters.</summary>
    private sealed record Filter(long From, long To, string? ModelId, string? TenantId, long Origin, long Width)
    {
        public SqliteCommand Command(SqliteConnection connection, string sqlWithWhere)
        {
            string where = "interactions.ts >= @from AND interactions.ts < @to"
                + (ModelId is null ? "" : " AND interactions.model_id = @model")
                + (TenantId is null ? "" : " AND interactions.tenant_id = @tenant");
            SqliteCommand command = connection.CreateCommand();
            command.CommandText = string.Format(CultureInfo.InvariantCulture, sqlWithWhere, where);
            command.Parameters.AddWithValue("@from", From);
            command.Parameters.AddWithValue("@to", To);
            command.Parameters.AddWithValue("@origin", Origin);
            command.Parameters.AddWithValue("@width", Width);
            if (ModelId is not null)
            {
                command.Parameters.AddWithValue("@model", ModelId);
            }

            if (TenantId is not null)
            {
                command.Parameters.AddWithValue("@tenant", TenantId);
            }

            return command;
        }
    }

    /// <summary>A log-scale histogram of millisecond values, for percentiles within 2.5% of the exact ones.</summary>
    private sealed class Histogram
    {
        private readonly SortedDictionary<int, (long Count, double Min, double Max)> _bins = [];

        public long Count { get; private set; }

        public void Add(int bin, long count, double min, double max)
        {
            Count += count;
            _bins[bin] = _bins.TryGetValue(bin, out var had)
                ? (had.Count + count, Math.Min(had.Min, min), Math.Max(had.Max, max))
                : (count, min, max);
        }

        public static Histogram Merge(Histogram[] histograms)
        {
            var all = new Histogram();
            foreach (Histogram h in histograms)
            {
                foreach ((int bin, (long count, double min, double max)) in h._bins)
                {
                    all.Add(bin, count, min, max);
                }
            }

            return all;
        }

        /// <summary>The nearest-rank percentile: the bin holding the value of rank ⌈p·n⌉, read at its log-scale middle, clamped to the values seen in it.</summary>
        public TimeSpan? Percentile(double p)
        {
            if (Count == 0)
            {
                return null;
            }

            long rank = Math.Max(1, (long)Math.Ceiling(p * Count));
            long seen = 0;
            foreach ((int bin, (long count, double min, double max)) in _bins)
            {
                seen += count;
                if (seen >= rank)
                {
                    double middle = Math.Exp((bin + 0.5) / BinsPerLogUnit);
                    return TimeSpan.FromMilliseconds(Math.Clamp(middle, min, max));
                }
            }

            throw new InvalidOperationException("The histogram's counts do not add up.");
        }
    }
}
