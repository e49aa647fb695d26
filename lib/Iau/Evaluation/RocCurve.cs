namespace Iau.Evaluation;

/// <summary>
/// A receiver operating characteristic of a score that predicts "positive" (for membership inference:
/// member) when it is high. Points (FPR, TPR) are listed from (0, 0) to (1, 1), one per distinct score
/// threshold, scanning thresholds from the highest score down; samples with equal scores enter together, so
/// ties give a diagonal segment. The area is the Mann–Whitney statistic
/// <code>
/// AUC = (1 / (n₊ n₋)) Σ_{i ∈ pos} Σ_{j ∈ neg} ( 1[s_i &gt; s_j] + ½ · 1[s_i = s_j] )
///     = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋),      R₊ = sum of the positives' ranks (ties get the average rank),
/// </code>
/// which equals the trapezoidal area under the points. 0.5 = chance, 1 = perfect separation.
/// </summary>
/// <param name="Fpr">False-positive rates, non-decreasing, from 0 to 1.</param>
/// <param name="Tpr">True-positive rates, non-decreasing, from 0 to 1.</param>
/// <param name="Auc">Area under the curve (NaN when either class is empty).</param>
public sealed record RocCurve(double[] Fpr, double[] Tpr, double Auc)
{
    /// <summary>
    /// The ROC of scores where higher means positive.
    /// </summary>
    /// <param name="positives">Scores of the positive samples (members).</param>
    /// <param name="negatives">Scores of the negative samples (non-members).</param>
    /// <exception cref="ArgumentException">A score is NaN.</exception>
    public static RocCurve FromScores(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        var all = Combine(positives, negatives);
        int np = positives.Count, nn = negatives.Count;
        if (np == 0 || nn == 0)
        {
            return new RocCurve([0, 1], [0, 1], double.NaN);
        }

        // Descending by score.
        Array.Sort(all, (a, b) => b.Score.CompareTo(a.Score));
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        for (var i = 0; i < all.Length;)
        {
            var j = i;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                if (all[j].Positive)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                j++;
            }

            fpr.Add((double)fp / nn);
            tpr.Add((double)tp / np);
            i = j;
        }

        return new RocCurve([.. fpr], [.. tpr], MannWhitneyAuc(positives, negatives));
    }

    /// <summary>
    /// The Mann–Whitney AUC (see the type remarks): the probability that a random positive scores higher
    /// than a random negative, ties counting ½. NaN when either list is empty.
    /// </summary>
    /// <exception cref="ArgumentException">A score is NaN.</exception>
    public static double MannWhitneyAuc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        var all = Combine(positives, negatives);
        double np = positives.Count, nn = negatives.Count;
        if (np == 0 || nn == 0)
        {
            return double.NaN;
        }

        // Ascending; a tie group occupying 0-based positions i..j−1 gets the average 1-based rank (i + 1 + j) / 2.
        Array.Sort(all, (a, b) => a.Score.CompareTo(b.Score));
        var rankSum = 0.0;
        for (var i = 0; i < all.Length;)
        {
            var j = i;
            var positivesInGroup = 0;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                positivesInGroup += all[j].Positive ? 1 : 0;
                j++;
            }

            rankSum += positivesInGroup * ((i + 1 + j) / 2.0);
            i = j;
        }

        return (rankSum - (np * (np + 1) / 2)) / (np * nn);
    }

    /// <summary>
    /// The true-positive rate at false-positive rate <paramref name="fpr"/>, by linear interpolation between
    /// the curve's points (at an FPR the curve reaches with a vertical segment, the highest TPR there).
    /// </summary>
    public double TprAtFpr(double fpr)
    {
        if (double.IsNaN(fpr) || fpr < 0 || fpr > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fpr), fpr, "A false-positive rate lies in [0, 1].");
        }

        var j = Array.FindIndex(Fpr, f => f > fpr);
        if (j < 0)
        {
            return Tpr[^1];
        }

        var i = j - 1;
        var t = (fpr - Fpr[i]) / (Fpr[j] - Fpr[i]);
        return Tpr[i] + (t * (Tpr[j] - Tpr[i]));
    }

    /// <summary>Trapezoidal area under the points (equals <see cref="Auc"/> up to rounding).</summary>
    public double TrapezoidArea() => AreaOf(Fpr, Tpr);

    /// <summary>Area under stored ROC points by the trapezoid rule over points sorted by FPR; NaN for fewer than two points.</summary>
    public static double AreaOf(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr)
    {
        var points = SortedPoints(fpr, tpr);
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var area = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            area += (points[i].X - points[i - 1].X) * (points[i].Y + points[i - 1].Y) / 2;
        }

        return area;
    }

    /// <summary>The finite (FPR, TPR) points of a stored curve, sorted by FPR, then TPR.</summary>
    private static List<(double X, double Y)> SortedPoints(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr)
    {
        ArgumentNullException.ThrowIfNull(fpr);
        ArgumentNullException.ThrowIfNull(tpr);
        return [.. Enumerable.Range(0, Math.Min(fpr.Count, tpr.Count))
            .Select(i => (X: fpr[i], Y: tpr[i]))
            .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
            .OrderBy(p => p.X).ThenBy(p => p.Y)];
    }

    /// <summary>
    /// The TPR of a stored ROC curve (points in any order, possibly thinned: see <c>RocNote</c>) at false-positive
    /// rate <paramref name="level"/>, linearly interpolated between the stored points around it. Exact is false when the nearest stored point below the level is the origin
    /// (FPR 0) — the curve was not resolved there and the value is a chord, not a measurement — and the value
    /// is NaN for a curve that does not reach the level.
    /// </summary>
    public static (double Tpr, bool Exact) TprAtFprOf(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr, double level)
    {
        var points = SortedPoints(fpr, tpr);
        var at = points.Where(p => p.X == level).ToList();
        if (at.Count > 0)
        {
            return (at.Max(p => p.Y), true);
        }

        var below = points.LastOrDefault(p => p.X < level, (X: double.NaN, Y: double.NaN));
        var above = points.FirstOrDefault(p => p.X > level, (X: double.NaN, Y: double.NaN));
        if (double.IsNaN(below.X) || double.IsNaN(above.X))
        {
            return (double.NaN, false);
        }

        var value = below.Y + ((above.Y - below.Y) * (level - below.X) / (above.X - below.X));
        return (value, below.X > 0);
    }

    private static (double Score, bool Positive)[] Combine(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        var all = new (double Score, bool Positive)[positives.Count + negatives.Count];
        for (var i = 0; i < positives.Count; i++)
        {
            all[i] = (positives[i], true);
        }

        for (var i = 0; i < negatives.Count; i++)
        {
            all[positives.Count + i] = (negatives[i], false);
        }

        if (all.Any(a => double.IsNaN(a.Score)))
        {
            throw new ArgumentException("Scores must not be NaN.");
        }

        return all;
    }
}
