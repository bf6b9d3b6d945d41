namespace Llm.Stack.Evaluation;

/// <summary>Bootstrap resampling of per-example measures, with NumPy-compatible percentiles.</summary>
internal static class Bootstrap
{
    /// <summary>
    /// Resamples the rows of <paramref name="matrix"/> (example × measure) <paramref name="samples"/> times and returns
    /// the low/median/high percentiles of the per-sample means and the plain mean, per measure.
    /// </summary>
    public static (double[] Low, double[] Mid, double[] High, double[] Mean) Resample(double[][] matrix, int samples, double confidence, int seed)
    {
        var rows = matrix.Length;
        var measures = rows == 0 ? 0 : matrix[0].Length;
        var mean = new double[measures];
        if (rows == 0)
        {
            return (mean, mean, mean, mean);
        }

        foreach (var row in matrix)
        {
            for (var m = 0; m < measures; m++)
            {
                mean[m] += row[m];
            }
        }

        for (var m = 0; m < measures; m++)
        {
            mean[m] /= rows;
        }

        var random = new Random(seed);
        var means = new double[measures][];
        for (var m = 0; m < measures; m++)
        {
            means[m] = new double[samples];
        }

        var sums = new double[measures];
        for (var s = 0; s < samples; s++)
        {
            Array.Clear(sums);
            for (var i = 0; i < rows; i++)
            {
                var row = matrix[random.Next(rows)];
                for (var m = 0; m < measures; m++)
                {
                    sums[m] += row[m];
                }
            }

            for (var m = 0; m < measures; m++)
            {
                means[m][s] = sums[m] / rows;
            }
        }

        var delta = (1 - confidence) / 2;
        var low = new double[measures];
        var mid = new double[measures];
        var high = new double[measures];
        for (var m = 0; m < measures; m++)
        {
            Array.Sort(means[m]);
            low[m] = Percentile(means[m], 100 * delta);
            mid[m] = Percentile(means[m], 50);
            high[m] = Percentile(means[m], 100 * (1 - delta));
        }

        return (low, mid, high, mean);
    }

    /// <summary>NumPy's default (<c>linear</c>) percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = q / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        var fraction = position - lower;
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * fraction);
    }
}
