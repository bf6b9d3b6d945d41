using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// Computes <see cref="InteractionStatistics"/> for <see cref="SqliteInteractionStore"/>: the whole hours of the range
/// from the roll-ups the store keeps (<see cref="SqliteInteractionRollups"/>), so that the cost grows with the hours,
/// models and tenants summarised, not with the interactions; the partial hours at the range's ends, and ranges cut into
/// buckets narrower than an hour, from the rows.
/// </summary>
/// <remarks>Not thread-safe: the store calls it under its gate, on its one connection.</remarks>
internal static class SqliteInteractionStatistics
{
    private const int ScoreBins = 20;

    private static readonly TimeSpan[] Widths =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(7),
    ];

    /// <summary>Summarises the interactions <paramref name="query"/> selects.</summary>
    /// <param name="connection">The store's connection.</param>
    /// <param name="query">The query.</param>
    /// <param name="now">The clock's time, for an empty store with an open range.</param>
    /// <param name="fromRows">Whether to read every row instead of the stored roll-ups (the tests' oracle for them).</param>
    public static InteractionStatistics Compute(SqliteConnection connection, InteractionStatisticsQuery query, DateTimeOffset now, bool fromRows = false)
    {
        (long from, long to) = Range(connection, query, now);
        long width = (long)BucketWidth(to - from, query.MaxBuckets).TotalMilliseconds;
        long origin = Math.DivRem(from, width, out long remainder) * width - (remainder < 0 ? width : 0);
        int bucketCount = (int)((to - origin + width - 1) / width);
        var sums = new Sums(origin, width, bucketCount);

        // Whole hours come from the roll-ups when the buckets are whole hours too; the rest of the range (the partial
        // hours at its ends, or all of it for narrower buckets) from the rows.
        const long Hour = SqliteInteractionRollups.HourMs;
        long firstHour = -SqliteInteractionRollups.HourOf(-from), endHour = SqliteInteractionRollups.HourOf(to);
        if (!fromRows && width % Hour == 0 && firstHour < endHour)
        {
            SqliteInteractionRollups.Read(connection, firstHour, endHour, query.ModelId, query.TenantId, (hour, model, rollup) => sums.Add(hour * Hour, model, rollup));
            AddRows(connection, sums, from, firstHour * Hour, query);
            AddRows(connection, sums, endHour * Hour, to, query);
        }
        else
        {
            AddRows(connection, sums, from, to, query);
        }

        InteractionRollup all = sums.All;
        InteractionSummary summary = InteractionSummary.Of(all);
        return new InteractionStatistics
        {
            From = DateTimeOffset.FromUnixTimeMilliseconds(from),
            To = DateTimeOffset.FromUnixTimeMilliseconds(to),
            BucketWidth = TimeSpan.FromMilliseconds(width),
            Count = all.Count,
            ErrorCount = all.ErrorCount,
            AnswerCount = all.AnswerCount,
            UnansweredCount = all.UnansweredCount,
            GuardrailBlockCount = all.BlockedCount,
            GuardrailBlocks = [.. all.Blocks.OrderByDescending(b => b.Value).ThenBy(b => b.Key, StringComparer.Ordinal)],
            PositiveFeedbackCount = all.PositiveFeedback,
            NegativeFeedbackCount = all.NegativeFeedback,
            InputTokens = all.InputTokens,
            OutputTokens = all.OutputTokens,
            Cost = all.Cost,
            LatencyP50 = summary.LatencyP50,
            LatencyP95 = summary.LatencyP95,
            TimeToFirstTokenP50 = summary.TimeToFirstTokenP50,
            TimeToFirstTokenP95 = summary.TimeToFirstTokenP95,
            MeanTopScore = summary.MeanTopScore,
            Buckets = sums.Buckets(),
            ModelDays = sums.ModelDays(),
            TopScoreHistogram = ScoreHistogram(all),
            Models = Distinct(connection, "model_id"),
            Tenants = Distinct(connection, "tenant_id"),
        };
    }

    /// <summary>Adds the rows of [<paramref name="fromMs"/>, <paramref name="toMs"/>) that the query selects, grouped by bucket (or by hour when buckets are whole hours) and model.</summary>
    private static void AddRows(SqliteConnection connection, Sums sums, long fromMs, long toMs, InteractionStatisticsQuery query)
    {
        if (fromMs >= toMs)
        {
            return;
        }

        long slot = sums.Width % SqliteInteractionRollups.HourMs == 0 ? SqliteInteractionRollups.HourMs : sums.Width;
        var groups = new Dictionary<(long Start, string? Model), InteractionRollup>();
        SqliteInteractionRollups.ReadRows(connection, null, fromMs, toMs, query.ModelId, query.TenantId, (ts, model, _) =>
        {
            long start = sums.Origin + (Math.DivRem(ts - sums.Origin, slot, out long remainder) - (remainder < 0 ? 1 : 0)) * slot;
            if (!groups.TryGetValue((start, model), out InteractionRollup? group))
            {
                groups[(start, model)] = group = new InteractionRollup();
            }

            return (group, null);
        });
        foreach (((long start, string? model), InteractionRollup group) in groups)
        {
            sums.Add(start, model, group);
        }
    }

    /// <summary>The best retrieval scores in equal bins from the lowest to the highest; each score counts in the bin of its fine bin's middle (within 1/2048 of it, relatively).</summary>
    private static InteractionScoreBin[] ScoreHistogram(InteractionRollup all)
    {
        if (all.ScoreCount == 0)
        {
            return [];
        }

        double low = all.ScoreMin, high = all.ScoreMax;
        var bins = new InteractionScoreBin[high > low ? ScoreBins : 1];
        double width = (high - low) / bins.Length;
        var counts = new long[bins.Length];
        foreach ((long bin, long count) in all.Scores)
        {
            double middle = Math.Clamp(InteractionRollup.ScoreBinMiddle(bin), low, high);
            counts[width > 0 ? Math.Clamp((int)((middle - low) / width), 0, bins.Length - 1) : 0] += count;
        }

        for (int k = 0; k < bins.Length; k++)
        {
            bins[k] = new InteractionScoreBin(low + (k * width), k == bins.Length - 1 ? high : low + ((k + 1) * width), counts[k]);
        }

        return bins;
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

    /// <summary>The roll-ups of a query added up: per bucket, per model and UTC day, and in all.</summary>
    private sealed class Sums(long origin, long width, int bucketCount)
    {
        private const long DayMs = 86_400_000;
        private readonly Bucket[] _buckets = [.. Enumerable.Range(0, bucketCount).Select(_ => new Bucket())];
        private readonly Dictionary<(long Day, string? Model), (long Count, long Input, long Output, decimal Cost)> _days = [];

        public long Origin => origin;

        public long Width => width;

        public InteractionRollup All { get; } = new();

        /// <summary>Adds the roll-up of one model's interactions that started in [<paramref name="start"/>, <paramref name="start"/> + an hour or a bucket).</summary>
        public void Add(long start, string? modelId, InteractionRollup rollup)
        {
            All.Merge(rollup);
            _buckets[(int)((start - origin) / width)].Add(rollup);
            if (rollup.Count > 0)
            {
                long day = Math.DivRem(start, DayMs, out long remainder) - (remainder < 0 ? 1 : 0);
                (long count, long input, long output, decimal cost) = _days.GetValueOrDefault((day, modelId));
                _days[(day, modelId)] = (count + rollup.Count, input + rollup.InputTokens, output + rollup.OutputTokens, cost + rollup.Cost);
            }
        }

        public InteractionStatisticsBucket[] Buckets()
        {
            var buckets = new InteractionStatisticsBucket[_buckets.Length];
            for (int i = 0; i < buckets.Length; i++)
            {
                Bucket b = _buckets[i];
                InteractionSummary summary = InteractionSummary.Of(b.Latency, b.TimeToFirstToken, b.ScoreSum, b.ScoreCount);
                buckets[i] = new InteractionStatisticsBucket
                {
                    Start = DateTimeOffset.FromUnixTimeMilliseconds(origin + (i * width)),
                    Count = b.Count,
                    ErrorCount = b.ErrorCount,
                    LatencyP50 = summary.LatencyP50,
                    LatencyP95 = summary.LatencyP95,
                    TimeToFirstTokenP50 = summary.TimeToFirstTokenP50,
                    TimeToFirstTokenP95 = summary.TimeToFirstTokenP95,
                    MeanTopScore = summary.MeanTopScore,
                };
            }

            return buckets;
        }

        /// <summary>Tokens and cost per model and day, oldest day first, then by model id (ordinal; no model first).</summary>
        public List<InteractionModelDay> ModelDays() =>
        [
            .. _days.OrderBy(d => d.Key.Day).ThenBy(d => d.Key.Model, StringComparer.Ordinal).Select(d => new InteractionModelDay
            {
                Day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(d.Key.Day * DayMs).UtcDateTime),
                ModelId = d.Key.Model,
                Count = d.Value.Count,
                InputTokens = d.Value.Input,
                OutputTokens = d.Value.Output,
                Cost = d.Value.Cost,
            }),
        ];

        /// <summary>What a bucket reports of the roll-ups added to it: counts, and what <see cref="InteractionSummary"/> reads.</summary>
        private sealed class Bucket
        {
            public long Count { get; private set; }

            public long ErrorCount { get; private set; }

            public LatencyHistogram Latency { get; } = new();

            public LatencyHistogram TimeToFirstToken { get; } = new();

            public double ScoreSum { get; private set; }

            public long ScoreCount { get; private set; }

            public void Add(InteractionRollup rollup)
            {
                Count += rollup.Count;
                ErrorCount += rollup.ErrorCount;
                Latency.Merge(rollup.Latency);
                TimeToFirstToken.Merge(rollup.TimeToFirstToken);
                ScoreSum += rollup.ScoreSum;
                ScoreCount += rollup.ScoreCount;
            }
        }
    }
}
