namespace Iau.Audit;

/// <summary>
/// Percentile bootstrap over the forget examples: resample the |D_f| examples with replacement (seeded),
/// recompute the statistic, and take the 2.5th and 97.5th percentiles. The models are held fixed, so the
/// interval reflects which examples were forgotten, not which seeds trained the pools.
/// </summary>
public static class Bootstrap
{
    /// <summary>The interval of <paramref name="statistic"/>(resampled example indices).</summary>
    public static Interval Of(int examples, Func<int[], double> statistic, int samples, int seed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        var all = Enumerable.Range(0, examples).ToArray();
        var value = statistic(all);
        var rng = new Random(seed);
        var draws = new double[samples];
        var idx = new int[examples];
        for (var b = 0; b < samples; b++)
        {
            for (var i = 0; i < examples; i++)
            {
                idx[i] = rng.Next(examples);
            }

            draws[b] = statistic(idx);
        }

        Array.Sort(draws);
        return new Interval(value, Percentile(draws, 0.025), Percentile(draws, 0.975));
    }

    /// <summary>Linear-interpolated percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }
}
