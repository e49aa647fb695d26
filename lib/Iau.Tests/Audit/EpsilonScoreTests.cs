using Iau.Evaluation;
using Iau.Audit;

namespace Iau.Tests.Audit;

public class EpsilonScoreTests
{
    /// <summary>
    /// Worked by hand (N = 4 per pool, so b = ⌈ln 3⌉ = 2 buckets of ½ with points 1, ½, ¼, ⅛):
    /// example 0, pools {0,1,2,3} and {10,…,13}: a threshold between them has FPR = FNR = 0 → ε = ∞ → 50 → 0 points;
    /// example 1, identical pools: every rule has FPR = TPR, so both log-ratios are ≤ 0 → ε = 0 → 1 point;
    /// example 2, retrained {0,1,2,3}, unlearned {2.5,3.5,4.5,5.5}: the pools overlap (2.5 &lt; 3), so no rule separates
    /// them; the best rules err once on each side (t in (2.5, 3]: FPR = FNR = ¼), every other rule with both error
    /// rates non-zero has an error rate ≥ ½ → ε = ln(1 − δ − ¼) − ln ¼ = ln 2.99996 ≈ 1.0986 → bucket [1, 1.5) → ¼ point.
    /// F = (0 + 1 + ¼) / 3.
    /// </summary>
    [Fact]
    public void Hand_computed_case()
    {
        double[][] retrained = [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]];
        double[][] unlearned = [[10, 0, 2.5], [11, 1, 3.5], [12, 2, 4.5], [13, 3, 5.5]];
        var r = EpsilonScore.Compute(unlearned, retrained);
        Assert.Equal(2, r.Buckets);
        Assert.Equal(50, r.Epsilons[0]);
        Assert.Equal(0, r.Epsilons[1]);
        Assert.Equal(Math.Log(0.75 - 1e-5) - Math.Log(0.25), r.Epsilons[2], 12);
        Assert.Equal([0, 1, 0.25], r.Points);
        Assert.Equal(1.25 / 3, r.Forget, 12);
        Assert.Equal(1.25 / 3 * (0.9 / 0.95) * (0.8 / 0.85), EpsilonScore.Final(r.Forget, 0.9, 0.95, 0.8, 0.85), 12);
    }

    [Fact]
    public void Buckets_follow_the_challenge_rule()
    {
        Assert.Equal(0, EpsilonScore.BucketCount(2)); // ln 1 = 0: no bucket, F = 0 whatever the models
        Assert.Equal(2, EpsilonScore.BucketCount(8)); // ⌈ln 7⌉
        Assert.Equal(5, EpsilonScore.BucketCount(64)); // ⌈ln 63⌉
        Assert.Equal(7, EpsilonScore.BucketCount(512)); // ⌈ln 511⌉
        Assert.Equal(1, EpsilonScore.Points(0.49, 2));
        Assert.Equal(0.5, EpsilonScore.Points(0.5, 2));
        Assert.Equal(0.125, EpsilonScore.Points(1.99, 2));
        Assert.Equal(0, EpsilonScore.Points(2.0, 2));
        Assert.Equal(0, EpsilonScore.Points(0, 0));
    }

    [Fact]
    public void A_near_deterministic_pool_gets_the_cap()
    {
        // Ranges 0.001 and 3: under 1% → ε = 50 without any threshold search.
        Assert.Equal(EpsilonScore.Cap, EpsilonScore.PerExample([1, 1.001, 1.0005, 1], [0, 1, 2, 3]));
    }

    [Fact]
    public void Toy_pools_retrained_as_unlearned_score_like_the_noise_floor_and_no_unlearning_clearly_lower()
    {
        // Per example a "true" confidence; retrained models scatter around it, originals sit 3σ higher (memorised).
        const int n = 32, examples = 200;
        var rng = new Random(7);
        var centre = Enumerable.Range(0, examples).Select(_ => 4 * Gauss(rng)).ToArray();
        double[][] Pool(double shift) => Enumerable.Range(0, n).Select(_ => centre.Select(c => c + shift + Gauss(rng)).ToArray()).ToArray();
        var retrained = Pool(0);
        var secondRetrained = Pool(0);
        var originals = Pool(3);

        var floor = EpsilonScore.Compute(retrained[(n / 2)..], retrained[..(n / 2)]).Forget;
        var same = EpsilonScore.Compute(secondRetrained, retrained).Forget;
        var none = EpsilonScore.Compute(originals, retrained).Forget;
        var msg = $"F: floor {floor:F3}, retrained as unlearned {same:F3}, no unlearning {none:F3}";
        Assert.True(Math.Abs(same - floor) < 0.15, msg);
        Assert.True(none < floor / 3, msg); // few models make even perfect unlearning score low (F ≈ 0.18 here)

        var uSame = ULira.Compute(secondRetrained, retrained);
        var uNone = ULira.Compute(originals, retrained);
        Assert.InRange(uSame.Auc, 0.4, 0.6);
        Assert.True(uNone.Auc > 0.9, $"AUC {uNone.Auc:F3}");
        Assert.True(uNone.TprAt1PercentFpr > 0.3, $"TPR@1% {uNone.TprAt1PercentFpr:F3}");
        Assert.InRange(uSame.TprAt1PercentFpr, 0, 0.1);
    }

    [Fact]
    public void ULira_on_two_small_pools_of_the_same_distribution_is_at_chance()
    {
        // Leave-one-out on one side only biases this below 0.5 (the first real audit's retrain halves, 4 models per pool, gave 0.41).
        var rng = new Random(3);
        var centre = Enumerable.Range(0, 500).Select(_ => 3 * Gauss(rng)).ToArray();
        double[][] Pool() => Enumerable.Range(0, 4).Select(_ => centre.Select(c => c + Gauss(rng)).ToArray()).ToArray();
        var r = ULira.Compute(Pool(), Pool());
        Assert.InRange(r.Auc, 0.46, 0.54);
        Assert.InRange(r.Accuracy, 0.5, 0.56);
    }

    [Fact]
    public void Bad_input_is_named()
    {
        Assert.Throws<ArgumentException>(() => EpsilonScore.Compute([], [[1.0]]));
        Assert.Throws<ArgumentException>(() => EpsilonScore.Compute([[1.0, 2.0]], [[1.0]]));
        Assert.Throws<ArgumentException>(() => EpsilonScore.Compute([[double.NaN]], [[1.0]]));
        Assert.Throws<ArgumentException>(() => ULira.Compute([[1.0], [2.0]], [[1.0], [2.0], [3.0]]));
    }

    [Fact]
    public void Logit_scaled_confidence_matches_its_definition()
    {
        double[] z = [1, 2, 3];
        var p = z.Select(Math.Exp).ToArray();
        var expected = Math.Log(p[2] / p.Sum()) - Math.Log((p[0] + p[1]) / p.Sum());
        Assert.Equal(expected, LogitScaledConfidence.FromLogits(z, 2), 12);
        TestRuntime.Ensure();
        using var logits = TorchSharp.torch.tensor(new double[] { 1, 2, 3, 5, -1, 0 }, [2, 3]);
        using var labels = TorchSharp.torch.tensor(new long[] { 2, 0 });
        using var phi = LogitScaledConfidence.FromLogits(logits, labels);
        var v = phi.data<double>().ToArray();
        Assert.Equal(expected, v[0], 12);
        Assert.Equal(LogitScaledConfidence.FromLogits([5.0, -1, 0], 0), v[1], 12);
    }

    [Fact]
    public void Bootstrap_interval_brackets_the_estimate_and_is_seeded()
    {
        var values = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? 1.0 : 0.0).ToArray();
        var a = Bootstrap.Of(values.Length, idx => idx.Average(i => values[i]), 500, 3);
        var b = Bootstrap.Of(values.Length, idx => idx.Average(i => values[i]), 500, 3);
        Assert.Equal(a, b);
        Assert.True(a.Low < a.Value && a.Value < a.High);
        Assert.InRange(a.High - a.Low, 0.1, 0.3); // ≈ 4 · sqrt(0.34 · 0.66 / 100) = 0.19
    }

    /// <summary>
    /// Pools of 16 models whose per-model offsets differ (model noise) and 200 examples: resampling the models as well
    /// widens F's interval over the examples-only one, which holds them fixed; the value is the all-models F, and the
    /// draws are seeded.
    /// </summary>
    [Fact]
    public void Bootstrap_over_models_is_wider_than_over_examples_when_models_differ_and_is_seeded()
    {
        var rng = new Random(5);
        var u = NoisyPool(rng, 0.5);
        var r = NoisyPool(rng, 0);
        double[] ValuesOf(int[] ui, int[] ri) => EpsilonScore.Compute([.. ui.Select(i => u[i])], [.. ri.Select(i => r[i])]).Points;
        var all = EpsilonScore.Compute(u, r);
        var examplesOnly = Bootstrap.Of(200, idx => idx.Average(i => all.Points[i]), 200, 1);
        var both = Bootstrap.OverModelsAndExamples(16, 16, ValuesOf, 100, 1);
        Assert.Equal(all.Forget, both.Value, 12);
        Assert.True(both.Low < both.Value && both.Value < both.High, $"{both}"); // the repeats' bias is taken out
        Assert.Equal(both, Bootstrap.OverModelsAndExamples(16, 16, ValuesOf, 100, 1));
        Assert.NotEqual(both, Bootstrap.OverModelsAndExamples(16, 16, ValuesOf, 100, 2));
        Assert.True(both.High - both.Low > 2 * (examplesOnly.High - examplesOnly.Low),
            $"over models and examples {both}, over examples {examplesOnly}");
    }

    /// <summary>
    /// U-LiRA's AUC over the same kind of pools: drawing the target models as well as the examples widens its interval
    /// over the examples-only one; the value is the AUC of all scores, and the draws are seeded.
    /// </summary>
    [Fact]
    public void ULira_auc_bootstrap_over_targets_is_wider_than_over_examples_when_models_differ()
    {
        var rng = new Random(6);
        var (pos, neg) = ULira.Scores(NoisyPool(rng, 0.5), NoisyPool(rng, 0));
        double Auc(int[] e, int[] p, int[] q) => Iau.Evaluation.RocCurve.MannWhitneyAuc([.. e.SelectMany(i => p.Select(j => pos[i][j]))], [.. e.SelectMany(i => q.Select(j => neg[i][j]))]);
        var examplesOnly = Bootstrap.Of(200, idx => Iau.Evaluation.RocCurve.MannWhitneyAuc([.. idx.SelectMany(i => pos[i])], [.. idx.SelectMany(i => neg[i])]), 100, 1);
        var both = Bootstrap.OverExamplesAndTargets(200, 16, 16, Auc, 100, 1);
        Assert.Equal(examplesOnly.Value, both.Value, 12);
        Assert.True(both.Low < both.Value && both.Value < both.High, $"{both}");
        Assert.Equal(both, Bootstrap.OverExamplesAndTargets(200, 16, 16, Auc, 100, 1));
        Assert.NotEqual(both, Bootstrap.OverExamplesAndTargets(200, 16, 16, Auc, 100, 2));
        Assert.True(both.High - both.Low > 2 * (examplesOnly.High - examplesOnly.Low),
            $"over targets and examples {both}, over examples {examplesOnly}");
    }

    /// <summary>16 models × 200 examples: a per-model offset (model noise, sd 1.5) plus per-example noise (sd 0.3).</summary>
    private static double[][] NoisyPool(Random rng, double shift) => [.. Enumerable.Range(0, 16).Select(_ =>
    {
        var offset = 1.5 * Gauss(rng);
        return Enumerable.Range(0, 200).Select(_ => shift + offset + (0.3 * Gauss(rng))).ToArray();
    })];

    private static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
