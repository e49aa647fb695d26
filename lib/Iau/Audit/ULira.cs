using Iau.Evaluation;

namespace Iau.Audit;

/// <summary>How well U-LiRA tells unlearned from retrained models.</summary>
/// <param name="Accuracy">Best balanced accuracy over thresholds, max_t (TPR + TNR) / 2 (0.5 = chance).</param>
/// <param name="Auc">Area under the ROC (0.5 = chance).</param>
/// <param name="TprAt1PercentFpr">TPR at 1% FPR.</param>
/// <param name="TprAt01PercentFpr">TPR at 0.1% FPR.</param>
/// <param name="Pairs">Scored (model, example) pairs per side.</param>
public sealed record ULiraResult(double Accuracy, double Auc, double TprAt1PercentFpr, double TprAt01PercentFpr, int Pairs);

/// <summary>
/// U-LiRA (Hayes et al. 2024, "Inexact unlearning needs more careful evaluations…"): a per-example likelihood-ratio
/// attack. For forget example i, Gaussians N(μ_u,i, σ²_u,i) and N(μ_r,i, σ²_r,i) are fitted to the logit-scaled
/// confidences under the unlearned and the retrained pool; a target model with confidence φ on i scores
/// <code>
/// Λ_i(φ) = log N(φ; μ_u,i, σ²_u,i) − log N(φ; μ_r,i, σ²_r,i)        (high = "unlearned")
/// </code>
/// Every model of both pools is a target in turn, its own confidences left out of the fit (leave-one-out), so the
/// attack is judged on models it was not fitted to; the other pool's fit leaves out its model of the same index, so
/// both Gaussians come from N − 1 models (fits of unequal size bias the ratio: with 4 models per pool, leaving out one
/// side only gave AUC ≈ 0.41 for two pools of retrained models). All (model, example) scores form one ROC with
/// unlearned as positives. Variances are floored at <see cref="MinVariance"/>. Needs at least 3 models per pool.
/// </summary>
public static class ULira
{
    /// <summary>Floor of a fitted variance (a pool whose models agree exactly would otherwise give σ = 0).</summary>
    public const double MinVariance = 1e-4;

    /// <summary>The attack on pools of confidences [models][examples].</summary>
    public static ULiraResult Compute(IReadOnlyList<double[]> unlearned, IReadOnlyList<double[]> retrained)
    {
        ArgumentNullException.ThrowIfNull(unlearned);
        ArgumentNullException.ThrowIfNull(retrained);
        if (unlearned.Count < 3 || retrained.Count < 3)
        {
            throw new ArgumentException($"U-LiRA needs at least 3 models per pool (got {unlearned.Count} unlearned, {retrained.Count} retrained).");
        }

        var (pos, neg) = Scores(unlearned, retrained);
        return FromScores(pos.SelectMany(x => x).ToList(), neg.SelectMany(x => x).ToList());
    }

    /// <summary>The attack's numbers from the scores of unlearned (positive) and retrained (negative) targets.</summary>
    public static ULiraResult FromScores(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        var roc = RocCurve.FromScores(positives, negatives);
        var acc = 0.0;
        for (var k = 0; k < roc.Fpr.Length; k++)
        {
            acc = Math.Max(acc, (roc.Tpr[k] + 1 - roc.Fpr[k]) / 2);
        }

        return new ULiraResult(acc, roc.Auc, roc.TprAtFpr(0.01), roc.TprAtFpr(0.001), positives.Count);
    }

    /// <summary>Λ per example: [example][unlearned model] (positives) and [example][retrained model] (negatives), leave-one-out.</summary>
    internal static (double[][] Positives, double[][] Negatives) Scores(IReadOnlyList<double[]> unlearned, IReadOnlyList<double[]> retrained)
    {
        var examples = unlearned[0].Length;
        var u = Moments.Of(unlearned, examples);
        var r = Moments.Of(retrained, examples);
        var positives = new double[examples][];
        var negatives = new double[examples][];
        for (var i = 0; i < examples; i++)
        {
            positives[i] = unlearned.Select((m, j) => LogNormal(m[i], u.Without(i, m[i])) - LogNormal(m[i], r.Without(i, retrained[j % retrained.Count][i]))).ToArray();
            negatives[i] = retrained.Select((m, j) => LogNormal(m[i], u.Without(i, unlearned[j % unlearned.Count][i])) - LogNormal(m[i], r.Without(i, m[i]))).ToArray();
        }

        return (positives, negatives);
    }

    /// <summary>log N(x; μ, σ²).</summary>
    private static double LogNormal(double x, (double Mean, double Var) g) =>
        (-0.5 * Math.Log(2 * Math.PI * g.Var)) - ((x - g.Mean) * (x - g.Mean) / (2 * g.Var));

    /// <summary>Per-example sums over a pool, for full and leave-one-out fits.</summary>
    private sealed class Moments(double[] sum, double[] sumSq, int n)
    {
        public static Moments Of(IReadOnlyList<double[]> pool, int examples)
        {
            var s = new double[examples];
            var q = new double[examples];
            foreach (var m in pool)
            {
                if (m.Length != examples)
                {
                    throw new ArgumentException($"The pools hold confidences of different numbers of examples ({examples} and {m.Length}).");
                }

                for (var i = 0; i < examples; i++)
                {
                    s[i] += m[i];
                    q[i] += m[i] * m[i];
                }
            }

            return new Moments(s, q, pool.Count);
        }

        public (double Mean, double Var) Full(int i) => Fit(sum[i], sumSq[i], n);

        public (double Mean, double Var) Without(int i, double x) => Fit(sum[i] - x, sumSq[i] - (x * x), n - 1);

        /// <summary>Mean and unbiased variance (floored) from the sums.</summary>
        private static (double Mean, double Var) Fit(double s, double q, int k)
        {
            var mean = s / k;
            var variance = Math.Max((q - (k * mean * mean)) / (k - 1), MinVariance);
            return (mean, variance);
        }
    }
}
