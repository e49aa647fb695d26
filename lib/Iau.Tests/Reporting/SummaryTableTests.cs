using System.Xml.Linq;
using Iau.Reporting;
using static Iau.Tests.Reporting.ReportingRows;

namespace Iau.Tests.Reporting;

public sealed class SummaryTableTests
{
    [Fact]
    public void MeanStd_IsMeanAndSampleStd_SkippingNonFinite()
    {
        var s = MeanStd.Of([1.0, 2.0, 3.0, double.NaN, double.PositiveInfinity]);
        Assert.Equal(3, s.Count);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.Std, 12);
        Assert.Equal(0.0, MeanStd.Of([5.0]).Std);
        Assert.False(MeanStd.Of([]).HasValue);
        // The 95% bootstrap interval of the mean: of 27 equally likely resamples, (1,1,1) and (3,3,3) each have 1/27 > 2.5%.
        Assert.Equal("2.0000 [1.0000, 3.0000]", s.Format());
        Assert.Equal("—", MeanStd.Of([]).Format());
    }

    [Fact]
    public void Build_AggregatesOverSeeds_InStableOrder()
    {
        var table = SummaryTable.Build(MainRows());

        Assert.Equal(["retrain", "ft", "iau"], table.Rows.Select(r => r.Label));
        Assert.Equal(["TA", "FA", "L2_retrain", "RTE", "Speedup"], table.Metrics);
        var ta = table["iau", "TA"];
        Assert.Equal(0.91, ta.Mean, 12);
        Assert.Equal(Math.Sqrt(2 * 0.005 * 0.005), ta.Std, 12);
        Assert.Equal(2, ta.Count);
        Assert.Equal(2, table.SeedCount(table.Rows[2]));
        Assert.Equal(105.0, table["retrain", "RTE"].Mean, 12);

        // The Deedle frames carry the same numbers, rows in display order.
        Assert.Equal(["retrain", "ft", "iau"], table.Frame.RowKeys);
        Assert.Equal(0.96, table.Means.GetColumn<double>("TA")["ft"], 12);
        Assert.Equal(ta.Std, table.Stds.GetColumn<double>("TA")["iau"], 12);
        Assert.Equal(ta, table.Frame.GetColumn<MeanStd>("TA")["iau"]);
    }

    [Fact]
    public void Build_FollowsAGivenMethodOrder_ThenAlphabetical()
    {
        var table = SummaryTable.Build(MainRows(), new SummaryTableOptions { MethodOrder = ["iau"] });
        Assert.Equal(["iau", "ft", "retrain"], table.Rows.Select(r => r.Label));
    }

    [Fact]
    public void Best_FollowsTheDefaultRules()
    {
        var table = SummaryTable.Build(MainRows());

        // TA: closest to Retrain's 0.91 is IAU (0.91), not FT (0.96); Retrain itself is never marked.
        Assert.True(table.IsBest("iau", "TA"));
        Assert.False(table.IsBest("ft", "TA"));
        Assert.False(table.IsBest("retrain", "TA"));
        // FA: Retrain 0.81, FT 0.84 is closer than IAU 0.96.
        Assert.True(table.IsBest("ft", "FA"));
        Assert.False(table.IsBest("iau", "FA"));
        // RTE lowest, Speedup highest: IAU. L2_retrain lowest among non-reference rows: FT.
        Assert.True(table.IsBest("iau", "RTE"));
        Assert.True(table.IsBest("iau", "Speedup"));
        Assert.True(table.IsBest("ft", "L2_retrain"));
        Assert.False(table.IsBest("retrain", "L2_retrain"));
        Assert.Equal(BestRule.ClosestToReference, table.Rules["TA"]);
        Assert.Equal(BestRule.Lowest, table.Rules["RTE"]);
        Assert.Equal(BestRule.Highest, table.Rules["Speedup"]);
    }

    [Fact]
    public void Best_RuleIsAParameter()
    {
        var table = SummaryTable.Build(MainRows(), new SummaryTableOptions { BestRuleFor = _ => BestRule.Highest });
        Assert.True(table.IsBest("ft", "TA"));
        Assert.False(table.IsBest("iau", "TA"));
        Assert.True(table.IsBest("iau", "RTE") is false && table.IsBest("ft", "RTE"));

        var none = SummaryTable.Build(MainRows(), new SummaryTableOptions { BestRuleFor = _ => BestRule.None });
        Assert.DoesNotContain("**", none.ToMarkdown(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TA", BestRule.ClosestToReference)]
    [InlineData("UA", BestRule.ClosestToReference)]
    [InlineData("MIA_shadow", BestRule.ClosestToReference)]
    [InlineData("mia_entropy", BestRule.ClosestToReference)]
    [InlineData("RTE", BestRule.Lowest)]
    [InlineData("AvgGap", BestRule.Lowest)]
    [InlineData("JS_forget", BestRule.Lowest)]
    [InlineData("L2_retrain", BestRule.Lowest)]
    [InlineData("Speedup", BestRule.Highest)]
    [InlineData("epochs", BestRule.None)]
    public void DefaultRules(string metric, BestRule expected) => Assert.Equal(expected, BestRules.Default(metric));

    [Fact]
    public void Markdown_IsAWellFormedTableWithBoldBest()
    {
        var md = SummaryTable.Build(MainRows()).ToMarkdown();
        var lines = md.TrimEnd('\n').Split('\n');

        Assert.Equal(2 + 3, lines.Length);
        Assert.Equal("| Method | n | TA | FA | L2_retrain | RTE | Speedup |", lines[0]);
        Assert.Matches(@"^\| --- \|( ---: \|)+$", lines[1]);
        Assert.All(lines, l => Assert.Equal(8, l.Count(c => c == '|')));
        var iau = lines.Single(l => l.StartsWith("| iau |", StringComparison.Ordinal));
        Assert.Contains("| **0.9100 [0.9050, 0.9150]** |", iau, StringComparison.Ordinal);
        Assert.Contains("| **2.00 [1.50, 2.50]** |", iau, StringComparison.Ordinal);
        var retrain = lines.Single(l => l.StartsWith("| retrain |", StringComparison.Ordinal));
        Assert.DoesNotContain("**", retrain, StringComparison.Ordinal);
        Assert.Contains("| 0.9100 [0.9000, 0.9200] |", retrain, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_IsWellFormedWithBoldBest()
    {
        var html = SummaryTable.Build(MainRows()).ToHtml("Main <results> & more");
        var doc = XDocument.Parse(html);

        Assert.Equal("table", doc.Root!.Name.LocalName);
        Assert.Equal("Main <results> & more", doc.Root.Element("caption")!.Value);
        var rows = doc.Descendants("tr").ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["Method", "n", "TA", "FA", "L2_retrain", "RTE", "Speedup"], rows[0].Elements("th").Select(e => e.Value));
        var iau = rows.Single(r => r.Elements("td").FirstOrDefault()?.Value == "iau");
        var taCell = iau.Elements("td").ElementAt(2);
        Assert.Equal("0.9100 [0.9050, 0.9150]", taCell.Element("b")!.Value);
        var retrain = rows.Single(r => r.Elements("td").FirstOrDefault()?.Value == "retrain");
        Assert.Empty(retrain.Descendants("b"));
    }

    [Fact]
    public void Variants_SplitRows_InNumericOrder()
    {
        var table = SummaryTable.Build(Sweep());

        Assert.Equal(
            ["retrain", "ga [alpha=0.0005]", "ga [alpha=0.005]", "ga [alpha=0.05]", "iau [alpha=0.0005]", "iau [alpha=0.005]", "iau [alpha=0.05]"],
            table.Rows.Select(r => r.Label));
        // Retrain has no variant: it is the reference of every row.
        Assert.True(table.IsBest("iau [alpha=0.05]", "TA"));
    }

    [Fact]
    public void MixedSettings_AreRefused_AndSplitPerSetting()
    {
        var rows = MainRows().Concat(MainRows().Select(r => r with { Dataset = "cifar10" })).ToList();
        var ex = Assert.Throws<ArgumentException>(() => SummaryTable.Build(rows));
        Assert.Contains("BuildPerSetting", ex.Message, StringComparison.Ordinal);

        var tables = SummaryTable.BuildPerSetting(rows);
        Assert.Equal(["cifar10", "fmnist"], tables.Select(t => t.Dataset));
        Assert.All(tables, t => Assert.Equal(3, t.Table.Rows.Count));

        // Two forget sets of one model are two settings, not one table averaging over both.
        static Iau.Experiments.ResultRow At(Iau.Experiments.ResultRow r, string forget) => r with { Key = $"main/fmnist/lenet5/{forget}//{r.Method}/{r.Seed}" };
        var forgets = MainRows().Select(r => At(r, "ratio=0.05")).Concat(MainRows().Select(r => At(r, "ratio=0.1"))).ToList();
        Assert.Contains("ratio=0.1", Assert.Throws<ArgumentException>(() => SummaryTable.Build(forgets)).Message, StringComparison.Ordinal);
        Assert.Equal(["ratio=0.05", "ratio=0.1"], SummaryTable.BuildPerSetting(forgets).Select(t => t.Forget));
    }

    [Fact]
    public void MissingMetric_ShowsADash()
    {
        var rows = MainRows().Append(Row("ga", 1, "", ("TA", 0.5))).ToList();
        var table = SummaryTable.Build(rows, new SummaryTableOptions { Metrics = ["TA", "FA"], ShowSeedCount = false });
        Assert.Equal(["TA", "FA"], table.Metrics);
        // One seed: no "± 0.0000".
        Assert.Contains("| ga | 0.5000 | — |", table.ToMarkdown(), StringComparison.Ordinal);

        var empty = SummaryTable.Build(rows, new SummaryTableOptions { Metrics = ["absent"] });
        Assert.Equal(4, empty.Rows.Count);
        Assert.Contains("| ga | 1 | — |", empty.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void SingleSeed_HasNoPlusMinus_AndCountsAreIntegers()
    {
        var rows = new[]
        {
            Row("iau", 1, "forget=0.01", ("TA", 0.86), ("forget_size", 480), ("retain_size", 47520)),
            Row("iau", 1, "forget=0.02", ("TA", 0.87), ("forget_size", 960), ("retain_size", 47040)),
            Row("ft", 1, "forget=0.01", ("TA", 0.5), ("forget_size", 480), ("retain_size", 47520)),
            Row("ft", 2, "forget=0.01", ("TA", 0.7), ("forget_size", 481), ("retain_size", 47520)),
        };
        var table = SummaryTable.Build(rows, new SummaryTableOptions { Metrics = ["TA", "forget_size", "retain_size"] });
        Assert.True(table.IsIntegral("forget_size"));
        Assert.False(table.IsIntegral("TA"));
        var md = table.ToMarkdown();
        Assert.Contains("| iau [forget=0.01] | 1 | 0.8600 | 480 | 47520 |", md, StringComparison.Ordinal);
        // Two seeds: the bootstrap interval; a count whose mean is not whole keeps one decimal.
        Assert.Contains("| ft [forget=0.01] | 2 | 0.6000 [0.5000, 0.7000] | 480.5 [480.0, 481.0] | 47520 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("[0.8600, 0.8600]", md, StringComparison.Ordinal);
        Assert.DoesNotContain("480.0000", md + table.ToHtml() + table.ToLatex(), StringComparison.Ordinal);
        Assert.Equal("0.5000", new MeanStd(0.5, 0, 1).Format());
        Assert.Equal("480", new MeanStd(480, 0, 3).Format(4, integral: true));
    }

    [Fact]
    public void Latex_IsBooktabs_WithBoldBest_AndEscapedText()
    {
        var rows = MainRows().Append(Row("neg_grad&co", 1, "", ("TA", 0.5), ("FA", 0.5), ("RTE", 7))).ToList();
        var table = SummaryTable.Build(rows, new SummaryTableOptions { Metrics = ["TA", "FA", "RTE"] });
        var tex = table.ToLatex("Main results: 50% of α_1", "tab:main");
        var lines = tex.Split('\n');

        Assert.Contains("\\usepackage{booktabs}", lines[0], StringComparison.Ordinal);
        Assert.Contains("\\caption{Main results: 50\\% of $\\alpha$\\_1}", tex, StringComparison.Ordinal);
        Assert.Contains("\\label{tab:main}", tex, StringComparison.Ordinal);
        Assert.Contains("\\begin{tabular}{lrrrr}", tex, StringComparison.Ordinal);
        Assert.Equal(1, lines.Count(l => l == "\\toprule"));
        Assert.Equal(1, lines.Count(l => l == "\\midrule"));
        Assert.Equal(1, lines.Count(l => l == "\\bottomrule"));
        Assert.Contains("Method & $n$ & TA & FA & RTE (s) \\\\", tex, StringComparison.Ordinal);
        // IAU's TA equals Retrain's: bold; its RTE is the lowest: bold; an interval only where n > 1.
        Assert.Contains("iau & 2 & $\\mathbf{0.9100 [0.9050, 0.9150]}$ & $0.9600 [0.9500, 0.9700]$ & $\\mathbf{2.00 [1.50, 2.50]}$ \\\\", tex, StringComparison.Ordinal);
        Assert.Contains("neg\\_grad\\&co & 1 & $0.5000$ & $0.5000$ & $7.00$ \\\\", tex, StringComparison.Ordinal);
        Assert.Contains("\\begin{table*}", table.ToLatex(resizeToWidth: true), StringComparison.Ordinal);
        Assert.Contains("\\resizebox{\\textwidth}{!}{%", table.ToLatex(resizeToWidth: true), StringComparison.Ordinal);
    }
}
