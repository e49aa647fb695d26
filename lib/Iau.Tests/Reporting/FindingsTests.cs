using Iau.Experiments;
using Iau.Reporting;

namespace Iau.Tests.Reporting;

/// <summary>The sentences that interpret results are computed from the rows (ranks worked by hand below).</summary>
public sealed class FindingsTests
{
    [Fact]
    public void Findings_rank_variants_apart_and_say_who_leads_collapses_and_gains_from_tuning()
    {
        // Gaps to Retrain (TA, RA, FA, MIA): iau .01 .01 .02 .02; ft 0 .02 .05 .05; salun .6 .65 .6 .4; salun [tuned] .005 0 .01 .005.
        // original .01 .04 .09 .20 (ranked like any method).
        // Ranks: salun [tuned] 2,1,1,1 → 1.25; iau 3.5,2,2,2 → 2.375; ft 1,3,3,3 → 2.5; original 3.5,4,4,4 → 3.875; salun 5 everywhere.
        var rows = new List<ResultRow>();
        foreach (var seed in new[] { 0, 1 })
        {
            rows.Add(Row("retrain", "", seed, 0.90, 0.95, 0.90, 0.50, 0, 100));
            rows.Add(Row("original", "", seed, 0.91, 0.99, 0.99, 0.70, double.NaN, double.NaN));
            rows.Add(Row("iau", "", seed, 0.89, 0.94, 0.92, 0.52, 0.015, 2));
            rows.Add(Row("ft", "", seed, 0.90, 0.97, 0.95, 0.55, 0.0275, 20));
            rows.Add(Row("salun", "", seed, 0.30, 0.30, 0.30, 0.90, 0.5625, 10));
            rows.Add(Row("salun", "tuned", seed, 0.895, 0.95, 0.91, 0.505, 0.005, 10));
        }

        // A 10% setting of the same model is a setting of its own.
        rows.Add(Row("retrain", "", 0, 0.9, 0.9, 0.9, 0.5, 0, 100, forget: "ratio=0.1"));
        rows.Add(Row("iau", "", 0, 0.9, 0.9, 0.9, 0.5, 0, 1, forget: "ratio=0.1"));

        var findings = Findings.Build(rows);
        Assert.Equal(["main-fmnist-lenet5", "main-fmnist-lenet5-random-0.1"], findings.Select(f => f.Name));
        var main = findings[0];
        Assert.Equal(["salun [tuned]", "iau", "ft", "original", "salun"], main.Ranking.Select(r => r.Label));
        Assert.Equal([1.25, 2.375, 2.5, 3.875, 5.0], main.Ranking.Select(r => r.AvgRank));
        Assert.Equal(2, main.Ranking[0].Seeds);

        // The original's Avg Gap is derived from its metrics where the row has none: (.01 + .04 + .09 + .20) / 4.
        Assert.Equal(0.085, main.Ranking.Single(r => r.Label == "original").AvgGap.Value, 12);

        var text = string.Join("\n", main.Sentences);
        Assert.Contains("salun [tuned] leads by the point estimate (1.25) and its interval holds first place alone.", text, StringComparison.Ordinal);
        Assert.Contains("the untouched original ranks 4th ([4, 4]) and IAU 2nd ([2, 2])", text, StringComparison.Ordinal);
        Assert.Contains("not distinguishable at 95% (paired sign-flip test over 2 seeds, p = 0.5", text, StringComparison.Ordinal);
        Assert.Contains("IAU 2.00 s, 50.0× faster than Retrain (100.0 s)", text, StringComparison.Ordinal);
        Assert.Contains("below the original's (0.91): salun 0.30.", text, StringComparison.Ordinal);
        Assert.Contains("lower at 95% for none; higher for none; not distinguishable for the other 1 (with 2 seeds no difference can reach 95%).", text, StringComparison.Ordinal);

        Assert.Contains("iau leads by the point estimate", string.Join("\n", findings[1].Sentences), StringComparison.Ordinal);
        var md = Findings.ToMarkdown(findings);
        Assert.Contains("| 1 [1, 1] | salun [tuned] | 2 | 1.25 | 0.0050 |", md, StringComparison.Ordinal);
        Assert.Contains("- Ranked by the paper's average rank", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_wise_collapse_is_measured_against_Retrains_test_accuracy_not_the_originals()
    {
        // Forgetting class 0 costs Retrain its share of TA (0.87 → 0.78); FT at 0.80 has not collapsed, GA at 0.10 has.
        var rows = new List<ResultRow>
        {
            Row("retrain", "", 0, 0.78, 0.95, 0.00, 0.50, 0, 100) with { Experiment = "classwise", Key = "classwise/fmnist/lenet5/class=0//retrain/0" },
            Row("original", "", 0, 0.87, 0.99, 0.99, 0.70, double.NaN, double.NaN) with { Experiment = "classwise", Key = "classwise/fmnist/lenet5/class=0//original/0" },
            Row("ft", "", 0, 0.80, 0.96, 0.02, 0.52, 0.01, 2) with { Experiment = "classwise", Key = "classwise/fmnist/lenet5/class=0//ft/0" },
            Row("ga", "", 0, 0.10, 0.10, 0.00, 0.50, 0.45, 1) with { Experiment = "classwise", Key = "classwise/fmnist/lenet5/class=0//ga/0" },
        };
        var text = string.Join("\n", Assert.Single(Findings.Build(rows)).Sentences);
        Assert.Contains("Mean TA more than 0.05 below Retrain's (0.78): ga 0.10.", text, StringComparison.Ordinal);
    }

    private static ResultRow Row(string method, string variant, int seed, double ta, double ra, double fa, double mia, double gap, double rte, string forget = "ratio=0.05")
    {
        var metrics = new Dictionary<string, double> { ["TA"] = ta, ["RA"] = ra, ["FA"] = fa, ["MIA_shadow"] = mia };
        if (!double.IsNaN(gap))
        {
            metrics["AvgGap"] = gap;
            metrics["RTE"] = rte;
        }

        return new("main", $"main/fmnist/lenet5/{forget}/{variant}/{method}/{seed}", "hash", "fmnist", "lenet5", method, variant, seed, metrics,
            new Dictionary<string, string>(), "0.1.0", DateTimeOffset.UnixEpoch);
    }
}
