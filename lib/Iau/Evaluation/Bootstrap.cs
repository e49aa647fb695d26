using System.Globalization;

namespace Iau.Evaluation;

/// <summary>A value with its bootstrap 95% percentile interval.</summary>
/// <param name="Value">The estimate on all units (examples, seeds).</param>
/// <param name="Low">2.5th percentile of the resampled estimates.</param>
/// <param name="High">97.5th percentile.</param>
public sealed record Interval(double Value, double Low, double High)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value:F3} [{Low:F3}, {High:F3}]");
}

/// <summary>
/// Percentile bootstrap: resample the n units (forget examples in the audit, forget-set seeds in the comparisons)
/// with replacement (seeded), recompute the statistic, and take the 2.5th and 97.5th percentiles. The same seed and
/// n give the same resamples, so statistics of several methods over the same seeds are resampled in pairs.
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
