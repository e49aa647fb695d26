namespace Iau.Evaluation;

/// <summary>A paired comparison of two methods over the same seeds.</summary>
/// <param name="MeanDifference">Mean over the shared seeds of (this method − the other).</param>
/// <param name="Seeds">Shared seeds (pairs).</param>
/// <param name="P">Two-sided p-value of the paired sign-flip permutation test.</param>
/// <param name="HolmP">P adjusted by Holm's step-down procedure over its family (the methods compared with one reference).</param>
public sealed record PairedComparison(double MeanDifference, int Seeds, double P, double HolmP)
{
    /// <summary>Whether the difference is distinguishable at 95% after the Holm correction.</summary>
    public bool Significant => HolmP < 0.05;
}

/// <summary>
/// Paired tests over seeds. The kit uses the paired sign-flip permutation test on the mean difference rather than
/// the Wilcoxon signed-rank test because the tables report means (the permutation test tests the mean itself, where
/// Wilcoxon tests a location through ranks), because it is exact for the seed counts the kit runs (all 2ⁿ sign
/// patterns are enumerated for n ≤ 20), and because deterministic methods give exactly equal pairs, which Wilcoxon
/// drops or must correct for while sign flips of a zero change nothing:
/// <code>
///     d_i = a_i − b_i,   T = |mean(d)|,   p = |{ s ∈ {±1}ⁿ : |mean(s ⊙ d)| ≥ T }| / 2ⁿ
/// </code>
/// With n seeds the smallest possible p is 2 / 2ⁿ (0.25 at n = 3, 0.002 at n = 10): three seeds can never show a
/// difference at 95%. Above 20 pairs the p-value is estimated from 100,000 seeded random sign patterns.
/// </summary>
public static class PairedTest
{
    /// <summary>Exact enumeration up to this many pairs.</summary>
    public const int ExactLimit = 20;

    /// <summary>Two-sided p-value of the paired sign-flip test on <paramref name="a"/> − <paramref name="b"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a value is not finite.</exception>
    public static double SignFlipP(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Paired values differ in number: {a.Count} and {b.Count}.");
        }

        var d = a.Select((x, i) => x - b[i]).ToArray();
        if (d.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Paired values must be finite.");
        }

        var n = d.Length;
        if (n == 0)
        {
            return 1;
        }

        var observed = Math.Abs(d.Sum());
        var tolerance = 1e-12 * Math.Max(1, d.Sum(Math.Abs));
        if (n <= ExactLimit)
        {
            long hits = 0, total = 1L << n;
            for (long mask = 0; mask < total; mask++)
            {
                var s = 0.0;
                for (var i = 0; i < n; i++)
                {
                    s += (mask & (1L << i)) != 0 ? -d[i] : d[i];
                }

                if (Math.Abs(s) >= observed - tolerance)
                {
                    hits++;
                }
            }

            return (double)hits / total;
        }

        const int draws = 100_000;
        var rng = new Random(seed);
        var count = 1; // the observed pattern itself
        for (var k = 0; k < draws; k++)
        {
            var s = 0.0;
            for (var i = 0; i < n; i++)
            {
                s += rng.Next(2) == 0 ? d[i] : -d[i];
            }

            if (Math.Abs(s) >= observed - tolerance)
            {
                count++;
            }
        }

        return (double)count / (draws + 1);
    }

    /// <summary>
    /// Holm's step-down adjustment: with p sorted ascending, p̃_(j) = max_{i ≤ j} min(1, (m − i + 1) · p_(i)).
    /// Controls the family-wise error rate at any level without assuming independence. NaN p-values stay NaN and
    /// do not count in m.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var idx = Enumerable.Range(0, p.Count).Where(i => !double.IsNaN(p[i])).OrderBy(i => p[i]).ToArray();
        var result = Enumerable.Repeat(double.NaN, p.Count).ToArray();
        var m = idx.Length;
        var running = 0.0;
        for (var j = 0; j < m; j++)
        {
            running = Math.Max(running, Math.Min(1, (m - j) * p[idx[j]]));
            result[idx[j]] = running;
        }

        return result;
    }
}
