namespace Iau.Audit;

/// <summary>The ε-score of one pool of unlearned models against a pool of retrained ones.</summary>
/// <param name="Epsilons">Per forget example, the estimated ε (clipped to [0, <see cref="EpsilonScore.Cap"/>]).</param>
/// <param name="Points">Per forget example, the bucket points of its ε (1, ½, ¼, … or 0).</param>
/// <param name="Forget">F = mean of the points over D_f (1 = indistinguishable from retraining).</param>
/// <param name="Buckets">Number of ε buckets, from ⌈ln(N − 1)⌉ with N unlearned models.</param>
public sealed record EpsilonResult(double[] Epsilons, double[] Points, double Forget, int Buckets);

/// <summary>
/// The forget score of the NeurIPS 2023 Machine Unlearning challenge (Triantafillou et al. 2024; reference:
/// google-deepmind/unlearning_evaluation, metric.py), reimplemented from its description and code.
/// <para>
/// Per forget example, with φ the logit-scaled confidences of that example under the N unlearned and the
/// retrained models: the pool with the larger median is "positive". Two families of decision rules try to
/// tell the pools apart — a single threshold t (predict positive when φ ≥ t; t on a grid of 100 per unit
/// over the range of all φ) and an interval [l, r] that predicts the peakier pool (the one of smaller range w)
/// inside it (r on a grid of 100 per unit over [min + w − 2, max + 2] of the peakier pool, l on 400 points
/// over [r − w − 2, r − w + 2]). Each rule gives FPR and FNR; with δ = 1e-5
/// <code>
/// ε(rule) = max( log(1 − δ − FPR) − log FNR,  log(1 − δ − FNR) − log FPR ),  clipped at 0
/// </code>
/// where FPR = FNR = 0 gives ε = ∞ (perfect separation) and rules with exactly one of them 0 are discarded
/// (too few samples to trust); the example's ε is the largest over the rules, clipped to [0, 50]. When the
/// smaller range of the two pools is under 1% of the larger, ε = 50 (a near-deterministic pool).
/// </para>
/// <para>
/// Points: with b = ⌈ln(N − 1)⌉, ε in [k/2, (k+1)/2) earns 2^−k for k = 0 … 2b − 1, larger ε earns 0;
/// F = mean points over D_f, and the challenge's final score is F · (RA_u / RA_r) · (TA_u / TA_r).
/// </para>
/// <para>
/// Deviations (all at measure-zero ties or degenerate inputs): thresholds are float64 (the reference's
/// single-threshold grid is float32); where no rule survives (both pools constant and equal) ε = 0 here,
/// where the reference stops with an assertion. With N ≤ 2 the reference's rule gives b ≤ 0, no bucket and
/// F = 0 whatever the models: pools need N ≥ 3.
/// </para>
/// <para>
/// Pinned: EpsilonReferenceTests holds the per-example ε and F to what metric.py itself computed (within 1e-6) on
/// the pools of Fixtures/reference-metric, made by the script there. Run as published, metric.py's
/// <c>assert thr_eps</c> raises on any array of more than one threshold; the script patches that line (and the
/// <c>.cuda()</c> calls) only.
/// </para>
/// </summary>
public static class EpsilonScore
{
    /// <summary>δ of the (ε, δ) estimate.</summary>
    public const double Delta = 1e-5;

    /// <summary>Largest ε reported.</summary>
    public const double Cap = 50;

    private const int PerUnit = 100;
    private const double Buffer = 2.0;

    /// <summary>
    /// The forget score F of <paramref name="unlearned"/> against <paramref name="retrained"/>, each
    /// [models][examples] of logit-scaled confidences on D_f.
    /// </summary>
    /// <exception cref="ArgumentException">Empty pools, ragged rows, different example counts or a NaN.</exception>
    public static EpsilonResult Compute(IReadOnlyList<double[]> unlearned, IReadOnlyList<double[]> retrained)
    {
        var examples = CheckPool(unlearned, nameof(unlearned));
        if (CheckPool(retrained, nameof(retrained)) != examples)
        {
            throw new ArgumentException($"The pools hold confidences of different numbers of examples ({examples} and {retrained[0].Length}).");
        }

        var eps = new double[examples];
        Parallel.For(0, examples, i =>
        {
            var u = unlearned.Select(m => m[i]).ToArray();
            var r = retrained.Select(m => m[i]).ToArray();
            eps[i] = PerExample(u, r);
        });

        var buckets = BucketCount(unlearned.Count);
        var points = eps.Select(e => Points(e, buckets)).ToArray();
        return new EpsilonResult(eps, points, points.Length == 0 ? double.NaN : points.Average(), buckets);
    }

    /// <summary>The challenge's final score: F · (RA_u / RA_r) · (TA_u / TA_r), accuracies averaged over each pool.</summary>
    public static double Final(double forget, double retainAccUnlearned, double retainAccRetrained, double testAccUnlearned, double testAccRetrained) =>
        forget * (retainAccUnlearned / retainAccRetrained) * (testAccUnlearned / testAccRetrained);

    /// <summary>b = ⌈ln(N − 1)⌉ half-unit buckets (0 for N ≤ 2).</summary>
    public static int BucketCount(int unlearnedModels) =>
        unlearnedModels <= 2 ? 0 : (int)Math.Ceiling(Math.Log(unlearnedModels - 1));

    /// <summary>Points of one ε with b buckets: 2^−k when k/2 ≤ ε &lt; (k+1)/2 and k &lt; 2b, else 0.</summary>
    public static double Points(double epsilon, int buckets)
    {
        var points = 1.0;
        for (var k = 0; (k + 1) * 0.5 <= buckets; k++)
        {
            if (epsilon < (k + 1) * 0.5)
            {
                return points;
            }

            points /= 2;
        }

        return 0;
    }

    /// <summary>ε of one example from its confidences under the unlearned and the retrained models.</summary>
    public static double PerExample(double[] unlearned, double[] retrained)
    {
        ArgumentNullException.ThrowIfNull(unlearned);
        ArgumentNullException.ThrowIfNull(retrained);
        var retrainPositive = Median(retrained) > Median(unlearned);
        var pos = (double[])(retrainPositive ? retrained : unlearned).Clone();
        var neg = (double[])(retrainPositive ? unlearned : retrained).Clone();
        Array.Sort(pos);
        Array.Sort(neg);
        var posRange = pos[^1] - pos[0];
        var negRange = neg[^1] - neg[0];
        var largest = Math.Max(posRange, negRange);
        var smallest = Math.Min(posRange, negRange);
        if (smallest / largest < 0.01)
        {
            return Cap;
        }

        var best = new Best();
        SingleThresholds(pos, neg, ref best);
        DoubleThresholds(pos, neg, posRange, negRange, ref best);
        var eps = best.Infinite ? double.PositiveInfinity : best.Any ? best.Value : 0;
        return Math.Clamp(eps, 0, Cap);
    }

    /// <summary>
    /// One rule's contribution, from its counts: tp of nPos positives predicted positive, fp of nNeg negatives.
    /// </summary>
    private static void Add(int tp, int nPos, int fp, int nNeg, ref Best best)
    {
        var tpr = (double)tp / nPos;
        var fpr = (double)fp / nNeg;
        var fnr = (double)(nPos - tp) / nPos;
        var tnr = (double)(nNeg - fp) / nNeg;
        if (fpr + fnr == 0 && tpr + tnr == 2)
        {
            best.Infinite = true;
            return;
        }

        if (fpr * fnr == 0)
        {
            return; // discarded: one error rate is 0, the other not (too few samples to trust)
        }

        var a = Log(1 - Delta - fpr) - Math.Log(fnr);
        var b = Log(1 - Delta - fnr) - Math.Log(fpr);
        double e;
        if (double.IsNaN(a) && double.IsNaN(b))
        {
            return;
        }

        e = double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Max(a, b);
        e = Math.Max(e, 0);
        best.Any = true;
        best.Value = Math.Max(best.Value, e);
    }

    private static double Log(double x) => x < 0 ? double.NaN : Math.Log(x);

    /// <summary>t on linspace(min, max, ⌈(max − min)·100⌉) over both pools; predict positive when φ ≥ t.</summary>
    private static void SingleThresholds(double[] pos, double[] neg, ref Best best)
    {
        var min = Math.Min(pos[0], neg[0]);
        var max = Math.Max(pos[^1], neg[^1]);
        var count = (int)Math.Ceiling((max - min) * PerUnit);
        int ip = 0, iq = 0; // # below t (thresholds ascend)
        var seen = new bool[(pos.Length + 1) * (neg.Length + 1)]; // a rule's ε depends on its counts alone: each pair once
        for (var k = 0; k < count; k++)
        {
            var t = Linspace(min, max, count, k);
            while (ip < pos.Length && pos[ip] < t)
            {
                ip++;
            }

            while (iq < neg.Length && neg[iq] < t)
            {
                iq++;
            }

            var rule = (ip * (neg.Length + 1)) + iq;
            if (!seen[rule])
            {
                seen[rule] = true;
                Add(pos.Length - ip, pos.Length, neg.Length - iq, neg.Length, ref best);
            }
        }
    }

    /// <summary>Intervals [l, r] that predict the peakier pool (smaller range w; the negative pool on ties) inside them.</summary>
    private static void DoubleThresholds(double[] pos, double[] neg, double posRange, double negRange, ref Best best)
    {
        var (p, q) = posRange >= negRange ? (neg, pos) : (pos, neg);
        var width = Math.Min(posRange, negRange);
        var min = p[0] + width - Buffer;
        var max = p[^1] + Buffer;
        var rights = (int)Math.Ceiling((max - min) * PerUnit);
        var lefts = (int)Math.Ceiling(2 * Buffer * PerUnit);
        int pr = 0, qr = 0; // # ≤ r
        var seen = new bool[(p.Length + 1) * (q.Length + 1)]; // a rule's ε depends on its counts alone: each pair once
        for (var k = 0; k < rights; k++)
        {
            var r = Linspace(min, max, rights, k);
            while (pr < p.Length && p[pr] <= r)
            {
                pr++;
            }

            while (qr < q.Length && q[qr] <= r)
            {
                qr++;
            }

            int pl = 0, ql = 0; // # < l
            var (start, stop) = (r - width - Buffer, r - width + Buffer);
            var step = (stop - start) / (lefts - 1);
            for (var j = 0; j < lefts; j++)
            {
                var l = Linspace(start, stop, lefts, j);
                while (pl < p.Length && p[pl] < l)
                {
                    pl++;
                }

                while (ql < q.Length && q[ql] < l)
                {
                    ql++;
                }

                var (tp, fp) = (Math.Max(0, pr - pl), Math.Max(0, qr - ql));
                var rule = (tp * (q.Length + 1)) + fp;
                if (!seen[rule])
                {
                    seen[rule] = true;
                    Add(tp, p.Length, fp, q.Length, ref best);
                }

                // The counts change only where l passes the next confidence; skip the left ends before it (one short of
                // the estimate, so rounding cannot skip a change: the same rules are seen as on the full grid).
                var next = Math.Min(pl < p.Length ? p[pl] : double.PositiveInfinity, ql < q.Length ? q[ql] : double.PositiveInfinity);
                if (double.IsPositiveInfinity(next))
                {
                    break;
                }

                var ahead = Math.Floor((next - start) / step) - 1;
                if (ahead > j + 1)
                {
                    j = (int)Math.Min(ahead, lefts) - 1;
                }
            }
        }
    }

    /// <summary>numpy.linspace(start, stop, num)[k]: start + k·(stop − start)/(num − 1), the last point exactly stop.</summary>
    private static double Linspace(double start, double stop, int num, int k) =>
        num == 1 ? start : k == num - 1 ? stop : start + (k * ((stop - start) / (num - 1)));

    private static double Median(double[] values)
    {
        var s = (double[])values.Clone();
        Array.Sort(s);
        var n = s.Length;
        return n % 2 == 1 ? s[n / 2] : (s[(n / 2) - 1] + s[n / 2]) / 2;
    }

    private static int CheckPool(IReadOnlyList<double[]> pool, string name)
    {
        ArgumentNullException.ThrowIfNull(pool, name);
        if (pool.Count == 0)
        {
            throw new ArgumentException("The pool is empty.", name);
        }

        var n = pool[0].Length;
        foreach (var row in pool)
        {
            if (row.Length != n)
            {
                throw new ArgumentException($"The pool's models hold confidences of {n} and {row.Length} examples.", name);
            }

            if (row.Any(double.IsNaN))
            {
                throw new ArgumentException("A confidence is NaN.", name);
            }
        }

        return n;
    }

    private struct Best
    {
        public bool Infinite;
        public bool Any;
        public double Value;
    }
}
