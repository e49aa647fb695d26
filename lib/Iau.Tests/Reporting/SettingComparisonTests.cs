using Iau.Experiments;
using Iau.Reporting;

namespace Iau.Tests.Reporting;

/// <summary>Seed statistics of a setting: paired tests, the share of the FA gap closed and when it is n/a, rank intervals.</summary>
public sealed class SettingComparisonTests
{
    [Fact]
    public void Ten_seeds_separate_a_method_that_closes_part_of_the_gap_from_the_controls()
    {
        // FA: Retrain 0.90, the original 0.95 (gap 0.05 on every seed), IAU 0.93 (closes 0.4 of it), the random step
        // 0.95 ± 0.002 alternating (closes nothing on average). TA, RA and MIA equal Retrain's for all.
        var rows = new List<ResultRow>();
        for (var seed = 1; seed <= 10; seed++)
        {
            var wobble = seed % 2 == 0 ? 0.002 : -0.002;
            rows.Add(Row("retrain", seed, fa: 0.90));
            rows.Add(Row("original", seed, fa: 0.95));
            rows.Add(Row("iau", seed, fa: 0.93));
            rows.Add(Row("random-step", seed, fa: 0.95 + wobble));
        }

        var c = SettingComparison.Build(rows)!;
        Assert.Equal(10, c.Seeds);
        Assert.True(c.ShareDefined);
        Assert.Equal(0.05, c.OriginalFaGap.Value, 12);

        var iau = c["iau"]!;
        Assert.Equal(0.4, iau.ShareClosed!.Value, 9);
        Assert.Equal(0.03, iau.FaGap.Value, 12);
        Assert.Equal(0.0, iau.TaGap.Value, 12);

        // IAU's per-seed Avg Gap (0.0075) is below the original's (0.0125) on all 10 seeds: p = 2/1024, Holm over 2 rows.
        Assert.Equal(-0.005, iau.AvgGapVsOriginal!.MeanDifference, 12);
        Assert.Equal(2.0 / 1024, iau.AvgGapVsOriginal.P, 12);
        Assert.True(iau.AvgGapVsOriginal.Significant);
        Assert.True(iau.ShareVsOriginal!.Significant);

        // The random step's differences to the original alternate in sign: no evidence.
        var random = c["random-step"]!;
        Assert.False(random.AvgGapVsOriginal!.Significant);
        Assert.True(random.AvgGapVsIau!.Significant);
        Assert.Equal(0.0, random.ShareClosed!.Value, 9);

        // IAU ranks first with its whole interval.
        Assert.Equal("iau", c.Entries[0].Label);
        Assert.Equal(1, c.Entries[0].PositionHigh);
        Assert.Null(iau.AvgGapVsIau);
    }

    [Fact]
    public void The_share_closed_is_na_where_the_originals_gap_is_within_noise()
    {
        var one = new List<ResultRow> { Row("retrain", 1, fa: 0.90), Row("original", 1, fa: 0.95), Row("iau", 1, fa: 0.93) };
        var single = SettingComparison.Build(one)!;
        Assert.False(single.ShareDefined);
        Assert.Contains("fewer than 2 seeds", single.ShareNote, StringComparison.Ordinal);
        Assert.Null(single["iau"]!.ShareClosed);

        // The original above Retrain on one seed, below on the other.
        var mixed = new List<ResultRow>
        {
            Row("retrain", 1, fa: 0.90), Row("original", 1, fa: 0.91), Row("iau", 1, fa: 0.90),
            Row("retrain", 2, fa: 0.90), Row("original", 2, fa: 0.89), Row("iau", 2, fa: 0.90),
        };
        var noisy = SettingComparison.Build(mixed)!;
        Assert.False(noisy.ShareDefined);
        Assert.Contains("not above Retrain's on every seed", noisy.ShareNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_name_the_row_nearest_to_closing_the_gap_among_rows_that_keep_their_TA()
    {
        // A collapsed row (TA 0.10, FA 0.10) "closes" 16 times the gap; it must not be named as forgetting the most.
        var rows = new List<ResultRow>();
        for (var seed = 1; seed <= 6; seed++)
        {
            var wobble = seed % 2 == 0 ? 0.002 : -0.002;
            rows.Add(Row("retrain", seed, fa: 0.90));
            rows.Add(Row("original", seed, fa: 0.95));
            rows.Add(Row("iau", seed, fa: 0.93 + wobble));
            rows.Add(Row("salun", seed, fa: 0.10 + wobble, ta: 0.10));
        }

        var forgetting = Findings.Build(rows).Single().Sentences.Single(t => t.StartsWith("Forgetting:", StringComparison.Ordinal));
        Assert.Contains("of the rows that keep their TA, iau comes nearest to closing all of it", forgetting, StringComparison.Ordinal);
        Assert.Contains("above 1 at 95% (forget accuracy below Retrain's, forgetting more than Retrain): salun", forgetting, StringComparison.Ordinal);
    }

    private static ResultRow Row(string method, int seed, double fa, double ta = 0.9)
    {
        var metrics = new Dictionary<string, double> { ["TA"] = ta, ["RA"] = 0.95, ["FA"] = fa, ["MIA_shadow"] = 0.1 };
        if (method != "retrain")
        {
            metrics["AvgGap"] = Math.Abs(fa - 0.90) / 4;
        }

        return new("main", $"main/fmnist/lenet5/ratio=0.05//{method}/{seed}", "hash", "fmnist", "lenet5", method, "", seed, metrics,
            new Dictionary<string, string>(), "0.1.0", DateTimeOffset.UnixEpoch);
    }
}
