using System.Text.Json;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Reporting;
using Iau.Tests.Data;

namespace Iau.Tests.Evaluation;

/// <summary>The metric catalog: one entry per metric, and the readers that derive from it.</summary>
public sealed class MetricCatalogTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    private static string Repository()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Iau.Research.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("Iau.Research.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Names_are_unique_ignoring_case()
    {
        var names = Metric.All.Select(m => m.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Every_metric_of_every_committed_result_is_in_the_catalog()
    {
        var files = Directory.GetFiles(Path.Combine(Repository(), "figures"), "results.jsonl", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var names = files.SelectMany(f => ResultsStore.Read(f)).SelectMany(r => r.Metrics.Keys).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("iau_error", names);
        Assert.DoesNotContain(names, n => Metric.Find(n) is null);
    }

    [Fact]
    public void The_avg_gap_and_its_fallback_come_from_the_entries()
    {
        Assert.Equal(["TA", "RA", "FA", "MIA_shadow"], Metric.GapMetrics);
        Assert.Equal(["TA", "RA", "FA"], Metric.AccuracyGapMetrics);
        Assert.Same(Metric.GapMetrics, Aggregation.GapMetrics);
    }

    [Fact]
    public void Per_method_metrics_are_declared_by_their_suffix()
    {
        Assert.Equal("iau_seconds", Metric.OfMethod("iau", Metric.SecondsSuffix));
        Assert.True(Metric.IsTiming("certified_seconds"));
        Assert.True(Metric.IsTiming(Metric.UnlearnSeconds));
        Assert.Equal(MetricGroup.Distance, Metric.Find("iu_error")!.Group);
        Assert.Null(Metric.Find("_error"));
        Assert.Null(Metric.Find("no-such-metric"));
        Assert.False(Metric.IsTiming("no-such-metric"));
    }

    [Fact]
    public void Tables_charts_and_timings_read_the_catalog()
    {
        // Judged metrics: the table's marked cell follows the goal.
        Assert.Equal(BestRule.ClosestToReference, BestRules.Default("MIA_entropy"));
        Assert.Equal(BestRule.ClosestToReference, BestRules.Default("ta"));
        Assert.Equal(BestRule.Lowest, BestRules.Default("JS_forget"));
        Assert.Equal(BestRule.Highest, BestRules.Default("Speedup"));
        Assert.Equal(BestRule.None, BestRules.Default("RMIA_AUC"));
        Assert.Equal(BestRule.None, BestRules.Default("no-such-metric"));
        // Columns: the judged metrics in catalog order.
        Assert.Equal(Metric.All.Where(m => m.Goal != MetricGoal.None).Select(m => m.Name), SummaryTableOptions.CanonicalMetricOrder);
        Assert.Equal(["TA", "RA", "FA", "UA"], SummaryTableOptions.CanonicalMetricOrder.Take(4));
        Assert.Equal(2, SummaryTableOptions.DefaultDigits("RTE"));
        Assert.Equal(4, SummaryTableOptions.DefaultDigits("AvgGap"));
        Assert.Equal("MIA (shadow)", Charts.MetricLabel("MIA_shadow"));
        Assert.Equal("no-such-metric", Charts.MetricLabel("no-such-metric"));
        Assert.True(Charts.IsDistanceToReference("L2_retrain"));
        Assert.False(Charts.IsDistanceToReference("TA"));
        Assert.True(ResultRow.IsTiming("CumSeconds"));
        Assert.False(ResultRow.IsTiming("TA"));
    }

    [Fact]
    public void A_row_carries_its_forget_set_and_an_old_row_reads_it_from_the_key()
    {
        var row = new ResultRow("main", "main/fashion-mnist/lenet5/ratio=0.1//iau/seed=0", "h", "fashion-mnist", "lenet5", "iau", "", 0,
            new Dictionary<string, double> { ["TA"] = 0.5 }, new Dictionary<string, string>(), "0.1.0", DateTimeOffset.UnixEpoch);
        Assert.Null(row.Forget);
        Assert.Equal("ratio=0.1", row.ForgetSetting);
        Assert.Equal("class=3", (row with { Forget = "class=3" }).ForgetSetting);
        Assert.Equal("", (row with { Key = "main/x/seed=0" }).ForgetSetting);

        // Through the store: an old line (no "forget") and a new one.
        var path = tmp.File("results.jsonl");
        var store = new ResultsStore(path);
        store.Add([row with { Forget = "ratio=0.1" }]);
        var line = File.ReadAllLines(path).Single();
        Assert.Equal("ratio=0.1", JsonDocument.Parse(line).RootElement.GetProperty("forget").GetString());
        var old = line.Replace("\"forget\":\"ratio=0.1\",", "", StringComparison.Ordinal).Replace(",\"forget\":\"ratio=0.1\"", "", StringComparison.Ordinal);
        Assert.DoesNotContain("forget\"", old, StringComparison.Ordinal);
        File.WriteAllText(path, old + "\n");
        var read = ResultsStore.Read(path).Single();
        Assert.Null(read.Forget);
        Assert.Equal("ratio=0.1", read.ForgetSetting);
    }
}
