using System.Text.Json;

namespace Llm.Stack.Monitoring;

/// <summary>
/// The dashboard's numbers for a set of interactions, in a form that adds up: counts and sums, latency histograms
/// with each bin's smallest and largest value, fine score bins, guardrail blocks and feedback. The store keeps one per
/// hour and model (and per hour, tenant and model) as it writes, and the statistics add them up instead of reading rows.
/// </summary>
/// <remarks>
/// Adding an interaction or merging another roll-up only grows it; removing is done by building the hour again from
/// its rows, so each bin's smallest and largest values and the score range stay exact. Not thread-safe.
/// </remarks>
internal sealed class InteractionRollup
{
    private const byte FormatVersion = 1;

    /// <summary>The fine score bins keep the sign, the exponent and this many leading mantissa bits of a score (a relative width of 1/1024).</summary>
    private const int ScoreMantissaBits = 10;

    private const int ScoreShift = 52 - ScoreMantissaBits;

    public long Count { get; private set; }

    public long ErrorCount { get; private set; }

    public long AnswerCount { get; private set; }

    public long UnansweredCount { get; private set; }

    public long BlockedCount { get; private set; }

    public long InputTokens { get; private set; }

    public long OutputTokens { get; private set; }

    public decimal Cost { get; private set; }

    public long PositiveFeedback { get; private set; }

    public long NegativeFeedback { get; private set; }

    public long ScoreCount { get; private set; }

    public double ScoreSum { get; private set; }

    /// <summary>Gets the lowest best-retrieval score; meaningful only when <see cref="ScoreCount"/> is positive.</summary>
    public double ScoreMin { get; private set; } = double.PositiveInfinity;

    /// <summary>Gets the highest best-retrieval score; meaningful only when <see cref="ScoreCount"/> is positive.</summary>
    public double ScoreMax { get; private set; } = double.NegativeInfinity;

    public LatencyHistogram Latency { get; } = new();

    public LatencyHistogram TimeToFirstToken { get; } = new();

    /// <summary>Gets how many best-retrieval scores fell in each fine bin (<see cref="ScoreBin"/>).</summary>
    public Dictionary<long, long> Scores { get; } = [];

    /// <summary>Gets how many times each guardrail block decision was taken.</summary>
    public Dictionary<string, long> Blocks { get; } = new(StringComparer.Ordinal);

    /// <summary>The fine bin of a score: its bits with the low mantissa bits dropped.</summary>
    public static long ScoreBin(double score) => BitConverter.DoubleToInt64Bits(score) >> ScoreShift;

    /// <summary>The middle of a fine bin.</summary>
    public static double ScoreBinMiddle(long bin)
    {
        double first = BitConverter.Int64BitsToDouble(bin << ScoreShift);
        double last = BitConverter.Int64BitsToDouble((bin << ScoreShift) | ((1L << ScoreShift) - 1));
        return (first + last) / 2;
    }

    /// <summary>Adds one interaction, described by the values its row holds.</summary>
    public void Add(
        bool rag, bool failed, bool citesNothing, IEnumerable<string> guardrailDecisions, long? inputTokens, long? outputTokens,
        double? timeToFirstTokenMs, double durationMs, decimal? cost, double? topScore)
    {
        Count++;
        ErrorCount += failed ? 1 : 0;
        AnswerCount += rag ? 1 : 0;
        UnansweredCount += rag && !failed && citesNothing ? 1 : 0;
        bool blocked = false;
        foreach (string decision in guardrailDecisions)
        {
            if (decision.StartsWith("blocked:", StringComparison.Ordinal))
            {
                blocked = true;
                Blocks[decision] = Blocks.GetValueOrDefault(decision) + 1;
            }
        }

        BlockedCount += blocked ? 1 : 0;
        InputTokens += inputTokens ?? 0;
        OutputTokens += outputTokens ?? 0;
        Cost += cost ?? 0;
        Latency.Add(durationMs);
        if (timeToFirstTokenMs is { } ttft)
        {
            TimeToFirstToken.Add(ttft);
        }

        if (topScore is { } score)
        {
            ScoreCount++;
            ScoreSum += score;
            ScoreMin = Math.Min(ScoreMin, score);
            ScoreMax = Math.Max(ScoreMax, score);
            long bin = ScoreBin(score);
            Scores[bin] = Scores.GetValueOrDefault(bin) + 1;
        }
    }

    /// <summary>Adds one feedback entry: positive when rated 4 or 5 (or unrated and labelled <c>correct</c>), negative when rated 1 or 2 (or unrated and labelled <c>incorrect</c>).</summary>
    public void AddFeedback(int? rating, IEnumerable<string> labels)
    {
        (bool positive, bool negative) = Classify(rating, labels);
        PositiveFeedback += positive ? 1 : 0;
        NegativeFeedback += negative ? 1 : 0;
    }

    /// <summary>Whether a feedback entry counts as positive or negative on the dashboard.</summary>
    public static (bool Positive, bool Negative) Classify(int? rating, IEnumerable<string> labels)
    {
        if (rating is int r)
        {
            return (r >= 4, r <= 2);
        }

        bool positive = false, negative = false;
        foreach (string label in labels)
        {
            positive |= label == InteractionLabels.Correct;
            negative |= label == InteractionLabels.Incorrect;
        }

        return (positive, negative);
    }

    /// <summary>Adds the labels of a feedback row (a JSON array of strings) to <see cref="AddFeedback(int?, IEnumerable{string})"/>.</summary>
    public void AddFeedback(int? rating, string labelsJson)
    {
        if (rating is not null)
        {
            AddFeedback(rating, []);
            return;
        }

        using JsonDocument document = JsonDocument.Parse(labelsJson);
        AddFeedback(null, document.RootElement.EnumerateArray().Select(e => e.GetString() ?? string.Empty));
    }

    /// <summary>Adds everything <paramref name="other"/> holds.</summary>
    public void Merge(InteractionRollup other)
    {
        Count += other.Count;
        ErrorCount += other.ErrorCount;
        AnswerCount += other.AnswerCount;
        UnansweredCount += other.UnansweredCount;
        BlockedCount += other.BlockedCount;
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        Cost += other.Cost;
        PositiveFeedback += other.PositiveFeedback;
        NegativeFeedback += other.NegativeFeedback;
        ScoreCount += other.ScoreCount;
        ScoreSum += other.ScoreSum;
        ScoreMin = Math.Min(ScoreMin, other.ScoreMin);
        ScoreMax = Math.Max(ScoreMax, other.ScoreMax);
        Latency.Merge(other.Latency);
        TimeToFirstToken.Merge(other.TimeToFirstToken);
        foreach ((long bin, long count) in other.Scores)
        {
            Scores[bin] = Scores.GetValueOrDefault(bin) + count;
        }

        foreach ((string decision, long count) in other.Blocks)
        {
            Blocks[decision] = Blocks.GetValueOrDefault(decision) + count;
        }
    }

    /// <summary>Writes the roll-up in a compact binary form (<see cref="Read"/> reads it back).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream(256);
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write7BitEncodedInt64(Count);
            writer.Write7BitEncodedInt64(ErrorCount);
            writer.Write7BitEncodedInt64(AnswerCount);
            writer.Write7BitEncodedInt64(UnansweredCount);
            writer.Write7BitEncodedInt64(BlockedCount);
            writer.Write7BitEncodedInt64(InputTokens);
            writer.Write7BitEncodedInt64(OutputTokens);
            writer.Write(Cost);
            writer.Write7BitEncodedInt64(PositiveFeedback);
            writer.Write7BitEncodedInt64(NegativeFeedback);
            writer.Write7BitEncodedInt64(ScoreCount);
            writer.Write(ScoreSum);
            writer.Write(ScoreMin);
            writer.Write(ScoreMax);
            Latency.Write(writer);
            TimeToFirstToken.Write(writer);
            writer.Write7BitEncodedInt(Scores.Count);
            foreach ((long bin, long count) in Scores)
            {
                writer.Write7BitEncodedInt64(bin);
                writer.Write7BitEncodedInt64(count);
            }

            writer.Write7BitEncodedInt(Blocks.Count);
            foreach ((string decision, long count) in Blocks)
            {
                writer.Write(decision);
                writer.Write7BitEncodedInt64(count);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Reads a roll-up written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a roll-up of this format.</exception>
    public static InteractionRollup Read(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        byte version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"A stored roll-up has format {version}; this version reads format {FormatVersion}.");
        }

        var rollup = new InteractionRollup
        {
            Count = reader.Read7BitEncodedInt64(),
            ErrorCount = reader.Read7BitEncodedInt64(),
            AnswerCount = reader.Read7BitEncodedInt64(),
            UnansweredCount = reader.Read7BitEncodedInt64(),
            BlockedCount = reader.Read7BitEncodedInt64(),
            InputTokens = reader.Read7BitEncodedInt64(),
            OutputTokens = reader.Read7BitEncodedInt64(),
            Cost = reader.ReadDecimal(),
            PositiveFeedback = reader.Read7BitEncodedInt64(),
            NegativeFeedback = reader.Read7BitEncodedInt64(),
            ScoreCount = reader.Read7BitEncodedInt64(),
            ScoreSum = reader.ReadDouble(),
            ScoreMin = reader.ReadDouble(),
            ScoreMax = reader.ReadDouble(),
        };
        rollup.Latency.Read(reader);
        rollup.TimeToFirstToken.Read(reader);
        int scores = reader.Read7BitEncodedInt();
        for (int i = 0; i < scores; i++)
        {
            rollup.Scores.Add(reader.Read7BitEncodedInt64(), reader.Read7BitEncodedInt64());
        }

        int blocks = reader.Read7BitEncodedInt();
        for (int i = 0; i < blocks; i++)
        {
            rollup.Blocks.Add(reader.ReadString(), reader.Read7BitEncodedInt64());
        }

        return rollup;
    }
}
