namespace Llm.Stack.Monitoring;

/// <summary>
/// A log-scale histogram of millisecond values, for percentiles within 2.5% of the exact ones: each bin is
/// e^(1/20) ≈ 5.1% wide and remembers the smallest and largest value it holds, so that a percentile read from it is
/// the bin's log-scale middle clamped to what was seen.
/// </summary>
/// <remarks>Histograms add up (<see cref="Merge"/>), so the store keeps them in its roll-ups. Not thread-safe.</remarks>
internal sealed class LatencyHistogram
{
    /// <summary>Bins per unit of natural log.</summary>
    private const int BinsPerLogUnit = 20;

    private readonly Dictionary<int, (long Count, double Min, double Max)> _bins = [];

    public long Count { get; private set; }

    /// <summary>The bin of a value: values at or below 0.001 ms share the lowest.</summary>
    public static int Bin(double milliseconds) => (int)Math.Floor(Math.Log(Math.Max(milliseconds, 0.001)) * BinsPerLogUnit);

    public void Add(double milliseconds) => Add(Bin(milliseconds), 1, milliseconds, milliseconds);

    public void Merge(LatencyHistogram other)
    {
        foreach ((int bin, (long count, double min, double max)) in other._bins)
        {
            Add(bin, count, min, max);
        }
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
        foreach ((int bin, (long count, double min, double max)) in _bins.OrderBy(b => b.Key))
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

    public void Write(BinaryWriter writer)
    {
        writer.Write7BitEncodedInt(_bins.Count);
        foreach ((int bin, (long count, double min, double max)) in _bins)
        {
            writer.Write(bin);
            writer.Write7BitEncodedInt64(count);
            writer.Write(min);
            writer.Write(max);
        }
    }

    public void Read(BinaryReader reader)
    {
        int bins = reader.Read7BitEncodedInt();
        for (int i = 0; i < bins; i++)
        {
            Add(reader.ReadInt32(), reader.Read7BitEncodedInt64(), reader.ReadDouble(), reader.ReadDouble());
        }
    }

    private void Add(int bin, long count, double min, double max)
    {
        Count += count;
        _bins[bin] = _bins.TryGetValue(bin, out var had)
            ? (had.Count + count, Math.Min(had.Min, min), Math.Max(had.Max, max))
            : (count, min, max);
    }
}
