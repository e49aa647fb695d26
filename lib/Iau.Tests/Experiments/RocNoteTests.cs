using Iau.Evaluation;
using Iau.Experiments;
using Iau.Reporting;

namespace Iau.Tests.Experiments;

/// <summary>The ROC kept in result notes: thinned, but exact in the low-FPR regime the figures report.</summary>
public sealed class RocNoteTests
{
    [Fact]
    public void A_thinned_curve_keeps_the_tpr_at_one_and_a_tenth_percent_fpr()
    {
        var rng = new Random(7);
        var negatives = Enumerable.Range(0, 10_000).Select(_ => rng.NextDouble()).ToArray();
        var positives = Enumerable.Range(0, 600).Select(_ => Math.Pow(rng.NextDouble(), 0.5)).ToArray();
        var full = RocCurve.FromScores(positives, negatives);

        var (fpr, tpr) = RocNote.Parse(RocNote.Serialize(full.Fpr, full.Tpr));
        Assert.InRange(fpr.Length, 40, 100);
        Assert.True(fpr.Zip(fpr.Skip(1)).All(p => p.First <= p.Second), "points stay in curve order");

        // Even thinning alone (every ~n/50-th point) leaves nothing at or below 1% FPR on this curve.
        var step = full.Fpr.Length / 50;
        Assert.True(full.Fpr[step] > 0.01);

        foreach (var level in Charts.LowFprLevels)
        {
            var (expected, expectedExact) = RocCurve.TprAtFprOf(full.Fpr, full.Tpr, level);
            var (actual, exact) = RocCurve.TprAtFprOf(fpr, tpr, level);
            Assert.True(expectedExact);
            Assert.True(exact, $"TPR at FPR {level} is resolved");
            Assert.Equal(expected, actual, 5);
        }
    }
}
