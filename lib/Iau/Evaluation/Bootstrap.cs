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

    /// <summary>
    /// Two-level percentile bootstrap of a mean over examples whose per-example values depend on two pools of models
    /// (the audit's unlearned and retrained pools): each resample draws the models of both pools with replacement
    /// (independently, at their own sizes), recomputes the per-example values <paramref name="valuesOf"/>(pool rows,
    /// reference rows), then draws the examples with replacement and takes their mean. The interval then holds the noise
    /// of drawing other models as well as other examples. The value is the mean over all examples with all models.
    /// <para>
    /// Approximation, stated: a resampled pool repeats models (about a third of its draws are repeats), and a statistic
    /// estimated from N models per side, such as the ε-score, reads repeats as a less spread pool and scores lower, so the
    /// draws lie below the value (at N = 16 the audit's F drew a mean 0.05 below it, and the plain percentile interval
    /// missed the value). The draws are therefore shifted by that bias, value − mean(draws), before their 2.5% and 97.5%
    /// percentiles are taken: the interval is centred on the value and is as wide as the resampling spread.
    /// </para>
    /// </summary>
    public static Interval OverModelsAndExamples(int poolModels, int referenceModels, Func<int[], int[], double[]> valuesOf, int samples, int seed)
    {
        ArgumentNullException.ThrowIfNull(valuesOf);
        var value = valuesOf([.. Enumerable.Range(0, poolModels)], [.. Enumerable.Range(0, referenceModels)]).Average();
        var rng = new Random(seed);
        var draws = new double[samples];
        for (var b = 0; b < samples; b++)
        {
            var pool = Enumerable.Range(0, poolModels).Select(_ => rng.Next(poolModels)).ToArray();
            var reference = Enumerable.Range(0, referenceModels).Select(_ => rng.Next(referenceModels)).ToArray();
            var values = valuesOf(pool, reference);
            var sum = 0.0;
            for (var i = 0; i < values.Length; i++)
            {
                sum += values[rng.Next(values.Length)];
            }

            draws[b] = sum / values.Length;
        }

        var bias = value - draws.Average();
        for (var b = 0; b < samples; b++)
        {
            draws[b] += bias;
        }

        Array.Sort(draws);
        return new Interval(value, Percentile(draws, 0.025), Percentile(draws, 0.975));
    }

    /// <summary>
    /// Percentile bootstrap over crossed factors: every resample draws the examples, the target models of the pool and
    /// those of the reference pool, each with replacement, and passes the drawn indices to <paramref name="statistic"/>
    /// (examples, pool models, reference models). For a statistic of per-(model, example) scores, such as U-LiRA's AUC,
    /// the interval then holds the noise of drawing other target models as well as other examples. Approximation,
    /// stated: scores are not recomputed, so what the models enter beyond being targets (U-LiRA's fitted Gaussians)
    /// stays fitted to the whole pools.
    /// </summary>
    public static Interval OverExamplesAndTargets(int examples, int poolModels, int referenceModels, Func<int[], int[], int[], double> statistic, int samples, int seed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        static int[] All(int n) => [.. Enumerable.Range(0, n)];
        var value = statistic(All(examples), All(poolModels), All(referenceModels));
        var rng = new Random(seed);
        int[] Draw(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.Next(n))];
        var draws = new double[samples];
        for (var b = 0; b < samples; b++)
        {
            var e = Draw(examples);
            var p = Draw(poolModels);
            draws[b] = statistic(e, p, Draw(referenceModels));
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
