using Iau.Evaluation;

namespace Iau.Tests.Evaluation;

/// <summary>The pure (array) parts of the metrics, on cases computed by hand.</summary>
public class MetricArithmeticTests
{
    [Fact]
    public void Auc_counts_pairs_and_half_ties()
    {
        Assert.Equal(1.0, RocCurve.MannWhitneyAuc([3, 2, 1], [0]));
        Assert.Equal(0.0, RocCurve.MannWhitneyAuc([0], [3, 2, 1]));

        // Pairs (pos, neg): (1,2)=0, (1,0)=1, (2,2)=½, (2,0)=1 → 2.5 / 4.
        Assert.Equal(0.625, RocCurve.MannWhitneyAuc([1, 2], [2, 0]), 12);

        // All tied → ½.
        Assert.Equal(0.5, RocCurve.MannWhitneyAuc([1, 1, 1], [1, 1]), 12);

        // (0.9 > 0.8, 0.9 > 0.1), (0.5 < 0.8, 0.5 > 0.1), (0.8 = 0.8, 0.8 > 0.1) → (2 + 1 + 1.5) / 6.
        Assert.Equal(4.5 / 6, RocCurve.MannWhitneyAuc([0.9, 0.5, 0.8], [0.8, 0.1]), 12);
        Assert.True(double.IsNaN(RocCurve.MannWhitneyAuc([], [1.0])));
        Assert.Throws<ArgumentException>(() => RocCurve.MannWhitneyAuc([double.NaN], [1.0]));
    }

    [Fact]
    public void Roc_points_step_through_distinct_thresholds_and_their_area_is_the_auc()
    {
        var roc = RocCurve.FromScores([0.9, 0.5, 0.8], [0.8, 0.1]);

        // Thresholds 0.9 → (0, 1/3); 0.8 (one positive and one negative tied) → (1/2, 2/3); 0.5 → (1/2, 1); 0.1 → (1, 1).
        Assert.Equal(new double[] { 0, 0, 0.5, 0.5, 1 }, roc.Fpr);
        Assert.Equal(new[] { 0, 1 / 3.0, 2 / 3.0, 1, 1 }, roc.Tpr, new Tolerance(1e-12));
        Assert.Equal(0.75, roc.Auc, 12);
        Assert.Equal(roc.Auc, roc.TrapezoidArea(), 12);
        Assert.Equal(1 / 3.0, roc.TprAtFpr(0), 12);
        Assert.Equal(0.5, roc.TprAtFpr(0.25), 12); // halfway along the tie's diagonal from (0, 1/3) to (½, 2/3)
        Assert.Equal(1.0, roc.TprAtFpr(0.5), 12); // top of the vertical segment at FPR ½
        Assert.Equal(1.0, roc.TprAtFpr(0.75), 12);

        var rng = new Random(3);
        var pos = Enumerable.Range(0, 200).Select(_ => Math.Round(rng.NextDouble() + 0.3, 1)).ToArray();
        var neg = Enumerable.Range(0, 150).Select(_ => Math.Round(rng.NextDouble(), 1)).ToArray();
        var random = RocCurve.FromScores(pos, neg);
        Assert.Equal(random.Auc, random.TrapezoidArea(), 10);
    }

    [Fact]
    public void Loss_attack_calls_low_losses_members()
    {
        var roc = LossAttack.RocFromLosses([0.01, 0.1, 2.0], [1.0, 3.0]);

        // Member beats non-member when its loss is lower: 0.01 and 0.1 beat both, 2.0 beats 3.0 only → 5/6.
        Assert.Equal(5 / 6.0, roc.Auc, 12);
        Assert.Equal(1.0, LossAttack.RocFromLosses([0.0], [double.PositiveInfinity]).Auc);
    }

    [Fact]
    public void Ranks_average_ties_and_put_nan_last()
    {
        Assert.Equal(new double[] { 1.5, 4, 1.5, 3 }, Aggregation.Ranks([0.1, 0.3, 0.1, 0.2], RankDirection.LowerIsBetter));
        Assert.Equal(new double[] { 3.5, 1, 3.5, 2 }, Aggregation.Ranks([0.1, 0.3, 0.1, 0.2], RankDirection.HigherIsBetter));
        Assert.Equal(new double[] { 2, 1, 3.5, 3.5 }, Aggregation.Ranks([0.5, 0.2, double.NaN, double.NaN], RankDirection.LowerIsBetter));
        Assert.Equal(new double[] { 2, 2, 2 }, Aggregation.Ranks([7, 7, 7], RankDirection.HigherIsBetter));
        Assert.Empty(Aggregation.Ranks([], RankDirection.LowerIsBetter));
    }

    [Fact]
    public void Avg_gap_is_the_mean_absolute_difference_to_retrain()
    {
        var retrain = Metrics(ta: 0.90, ra: 0.95, fa: 0.88, mia: 0.30);
        var method = Metrics(ta: 0.88, ra: 0.99, fa: 0.98, mia: 0.50);

        // |−0.02| + |0.04| + |0.10| + |0.20| = 0.36 → 0.09.
        Assert.Equal(0.09, Aggregation.AvgGap(method, retrain), 12);
        Assert.Equal(0.03, Aggregation.AvgGap(method, retrain, ["TA", "RA"]), 12);
        Assert.Equal(0, Aggregation.AvgGap(retrain, retrain));
        Assert.Throws<ArgumentException>(() => Aggregation.AvgGap(method, retrain, ["JS_test"]));
    }

    [Fact]
    public void Avg_rank_ranks_methods_by_gap_per_metric_and_averages()
    {
        // Dyadic values, so the gaps are exact and ties really tie.
        var retrain = Metrics(ta: 0.5, ra: 0.75, fa: 0.5, mia: 0.25);
        var methods = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            // gaps TA, RA, FA, MIA
            ["a"] = Metrics(ta: 0.5625, ra: 0.75, fa: 0.625, mia: 0.375), // 1/16, 0,    1/8,  1/8
            ["b"] = Metrics(ta: 0.4375, ra: 0.8125, fa: 0.46875, mia: 0.25), // 1/16, 1/16, 1/32, 0
            ["c"] = Metrics(ta: 0.375, ra: 0.625, fa: 0.375, mia: 0.125), // 1/8,  1/8,  1/8,  1/8
        };

        var ranks = Aggregation.AvgRank(methods, retrain);

        // TA: a,b tie (1.5), c 3. RA: a 1, b 2, c 3. FA: b 1, a,c tie (2.5). MIA: b 1, a,c tie (2.5).
        Assert.Equal((1.5 + 1 + 2.5 + 2.5) / 4, ranks["a"], 12);
        Assert.Equal((1.5 + 2 + 1 + 1) / 4, ranks["b"], 12);
        Assert.Equal((3 + 3 + 2.5 + 2.5) / 4, ranks["c"], 12);

        // A metric a method lacks ranks last.
        var partial = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["a"] = new Dictionary<string, double> { ["TA"] = 0.5 },
            ["b"] = new Dictionary<string, double> { ["TA"] = 0.9 },
            ["c"] = new Dictionary<string, double>(),
        };
        var byAccuracy = Aggregation.AvgRank(partial, new Dictionary<string, RankDirection> { ["TA"] = RankDirection.HigherIsBetter });
        Assert.Equal((2.0, 1.0, 3.0), (byAccuracy["a"], byAccuracy["b"], byAccuracy["c"]));
    }

    [Fact]
    public void Summary_uses_the_sample_std_and_student_t()
    {
        var s = Aggregation.Summary([1, 2, 3, 4]);

        // s² = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3; t_{0.975, 3} = 3.182446305284263; half = t·s/2.
        var std = Math.Sqrt(5.0 / 3);
        var half = 3.182446305284263 * std / 2;
        Assert.Equal(4, s.N);
        Assert.Equal(2.5, s.Mean, 12);
        Assert.Equal(std, s.Std, 12);
        Assert.Equal(2.5 - half, s.Ci95Low, 9);
        Assert.Equal(2.5 + half, s.Ci95High, 9);

        // n = 2: t_{0.975, 1} = 12.706204736174698; values 0.8, 0.9 → s = 0.0707…, half = t·s/√2 = t·0.05.
        var two = Aggregation.Summary([0.8, 0.9]);
        Assert.Equal(0.85 + (12.706204736174698 * 0.05), two.Ci95High, 9);

        var one = Aggregation.Summary([0.7]);
        Assert.Equal(new MetricSummary(0.7, 0, 1, 0.7, 0.7), one);
        var none = Aggregation.Summary([]);
        Assert.Equal(0, none.N);
        Assert.True(double.IsNaN(none.Mean));
    }

    [Fact]
    public void Js_divergence_of_distributions_by_hand()
    {
        Assert.Equal(0, Distances.JsDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 15);
        Assert.Equal(Math.Log(2), Distances.JsDivergence([1, 0], [0, 1]), 15);

        // M = (0.75, 0.25): KL(P‖M) = ½ ln(2/3) + ½ ln 2 = ½ ln(4/3); KL(Q‖M) = ln(4/3); JS = ¾ ln(4/3).
        Assert.Equal(0.75 * Math.Log(4.0 / 3), Distances.JsDivergence([0.5, 0.5], [1, 0]), 15);
        Assert.Equal(Distances.JsDivergence([0.5, 0.5], [1, 0]), Distances.JsDivergence([1, 0], [0.5, 0.5]), 15);
        Assert.Throws<ArgumentException>(() => Distances.JsDivergence([1.0], [0.5, 0.5]));
    }

    [Fact]
    public void Speedup_is_retrain_time_over_method_time()
    {
        Assert.Equal(100, Efficiency.Speedup(1294, 12.94), 9);
        Assert.Equal(0.01, Efficiency.RelativeCost(12.94, 1294), 12);
        Assert.Equal(double.PositiveInfinity, Efficiency.Speedup(10, 0));
        Assert.True(double.IsNaN(Efficiency.Speedup(0, 0)));
        Assert.True(double.IsNaN(Efficiency.Speedup(-1, 2)));
        var (value, seconds) = Efficiency.Time(() => 42);
        Assert.Equal(42, value);
        Assert.True(seconds >= 0);
    }

    [Fact]
    public void Threshold_rule_maximises_training_accuracy()
    {
        // Members at low values: cut between 0.3 and 0.6 separates perfectly; τ is the midpoint 0.45.
        var rule = EntropyAttack.FitThreshold([0.1, 0.2, 0.3], [0.6, 0.7, 0.9]);
        Assert.True(rule.MemberBelow);
        Assert.Equal(0.45, rule.Threshold, 12);
        Assert.Equal(1.0, rule.TrainAccuracy);
        Assert.True(rule.IsMember(0.3));
        Assert.False(rule.IsMember(0.6));

        // Reversed direction when members sit high.
        var reversed = EntropyAttack.FitThreshold([0.6, 0.7, 0.9], [0.1, 0.2, 0.3]);
        Assert.False(reversed.MemberBelow);
        Assert.Equal(0.45, reversed.Threshold, 12);
        Assert.True(reversed.IsMember(0.8));

        // Overlap: members {1, 2, 3, 5}, non-members {4, 6, 7, 8}: best cut τ = 3.5 (7/8) or 5.5 (7/8) — middle of the best is chosen deterministically.
        var overlap = EntropyAttack.FitThreshold([1, 2, 3, 5], [4, 6, 7, 8]);
        Assert.True(overlap.MemberBelow);
        Assert.Equal(7 / 8.0, overlap.TrainAccuracy, 12);
        Assert.Contains(overlap.Threshold, new[] { 3.5, 5.5 });

        // No signal: identical values → accuracy ½, everything on one side.
        var flat = EntropyAttack.FitThreshold([1, 1], [1, 1]);
        Assert.Equal(0.5, flat.TrainAccuracy);
    }

    private static Dictionary<string, double> Metrics(double ta, double ra, double fa, double mia) => new()
    {
        ["TA"] = ta,
        ["RA"] = ra,
        ["FA"] = fa,
        ["MIA_shadow"] = mia,
    };

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
