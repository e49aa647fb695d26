using System.Text.Json;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Reporting;
using Plotly.NET;
using static Iau.Tests.Reporting.ReportingRows;

namespace Iau.Tests.Reporting;

public sealed class ChartsTests
{
    /// <summary>The chart's figure JSON (data + layout), parsed: this also checks it is valid JSON (no NaN).</summary>
    internal static JsonElement Figure(GenericChart chart) =>
        JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement.Clone();

    internal static JsonElement[] Traces(GenericChart chart) => [.. Figure(chart).GetProperty("data").EnumerateArray()];

    internal static JsonElement[] Shapes(GenericChart chart) =>
        Figure(chart).GetProperty("layout").TryGetProperty("shapes", out var s) ? [.. s.EnumerateArray()] : [];

    private static string Title(JsonElement layout, string axis) =>
        axis.Length == 0
            ? layout.GetProperty("title").GetProperty("text").GetString()!
            : layout.GetProperty(axis).GetProperty("title").GetProperty("text").GetString()!;

    /// <summary>Colour of a trace: its marker's, else its line's.</summary>
    internal static string? Color(JsonElement trace) =>
        trace.TryGetProperty("marker", out var m) && m.TryGetProperty("color", out var c) ? c.GetString()
        : trace.TryGetProperty("line", out var l) && l.TryGetProperty("color", out var lc) ? lc.GetString() : null;

    /// <summary>Dashed black lines (the Retrain reference) among a chart's shapes.</summary>
    internal static JsonElement[] ReferenceLines(GenericChart chart) =>
        [.. Shapes(chart).Where(s => s.GetProperty("type").GetString() == "line"
            && s.GetProperty("line").GetProperty("color").GetString() == FigureStyle.ReferenceColor
            && s.GetProperty("line").GetProperty("dash").GetString() == "dash")];

    [Fact]
    public void MetricBars_OnePanelPerMetric_RetrainAsDashedLineAndBand()
    {
        var chart = Charts.MetricBars(MainRows(), ["TA", "FA"], "Main results");
        var traces = Traces(chart);
        var layout = Figure(chart).GetProperty("layout");

        // iau and ft in two panels, plus the legend entry of the reference; Retrain is not a point.
        var points = traces.Where(t => t.GetProperty("legendgroup").GetString() != "reference").ToArray();
        Assert.Equal(4, points.Length);
        Assert.Equal(["FT", "IAU"], points.Select(t => t.GetProperty("name").GetString()).Distinct().Order());
        var iauTa = points.Single(t => t.GetProperty("name").GetString() == "IAU" && t.GetProperty("xaxis").GetString() == "x");
        Assert.Equal(0.91, iauTa.GetProperty("x")[0].GetDouble(), 12);
        Assert.Equal(Math.Sqrt(2 * 0.005 * 0.005), iauTa.GetProperty("error_x").GetProperty("array")[0].GetDouble(), 12);
        Assert.True(iauTa.GetProperty("error_x").GetProperty("visible").GetBoolean());
        Assert.Contains(traces, t => t.GetProperty("name").GetString()!.StartsWith("Retrain", StringComparison.Ordinal));

        // A dashed line at Retrain's mean and a ± std band in each panel.
        var lines = ReferenceLines(chart);
        Assert.Equal(2, lines.Length);
        Assert.Equal(0.91, lines.Single(l => l.GetProperty("xref").GetString() == "x").GetProperty("x0").GetDouble(), 12);
        Assert.Equal(0.81, lines.Single(l => l.GetProperty("xref").GetString() == "x2").GetProperty("x0").GetDouble(), 12);
        Assert.Equal(2, Shapes(chart).Count(s => s.GetProperty("type").GetString() == "rect"));

        // White, titled, and ranges that fit the data (mean ± std of TA spans 0.896–0.974; not from 0).
        Assert.Equal("#ffffff", layout.GetProperty("plot_bgcolor").GetString());
        Assert.Equal("Main results", Title(layout, ""));
        Assert.Equal("TA", Title(layout, "xaxis"));
        var range = layout.GetProperty("xaxis").GetProperty("range");
        Assert.InRange(range[0].GetDouble(), 0.85, 0.9);
        Assert.InRange(range[1].GetDouble(), 0.97, 1.0);
        Assert.Equal("error bars: ± 1 std over 2 seeds", layout.GetProperty("annotations")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void MetricBars_CollapsedMethod_IsAnArrowAtTheEdge_NotAStretchedAxis()
    {
        var rows = new List<Iau.Experiments.ResultRow> { Row("retrain", 1, "", ("TA", 0.87)) };
        var methods = new[] { ("iau", 0.865), ("ft", 0.875), ("ga", 0.86), ("scrub", 0.872), ("fisher", 0.868), ("iu", 0.49) };
        rows.AddRange(methods.Select(m => Row(m.Item1, 1, "", ("TA", m.Item2))));
        var chart = Charts.MetricBars(rows, ["TA"]);
        var layout = Figure(chart).GetProperty("layout");
        var range = layout.GetProperty("xaxis").GetProperty("range");
        Assert.True(range[0].GetDouble() > 0.8, $"range starts at {range[0].GetDouble()}");
        var iu = Traces(chart).Single(t => t.GetProperty("name").GetString() == "IU");
        Assert.Equal("triangle-left", iu.GetProperty("marker").GetProperty("symbol").GetString());
        Assert.Equal("0.490", iu.GetProperty("text")[0].GetString());
        // One seed: no error bars, and the figure says so.
        Assert.All(Traces(chart).Where(t => t.TryGetProperty("error_x", out _)), t => Assert.False(t.GetProperty("error_x").GetProperty("visible").GetBoolean()));
        Assert.Equal("single seed (n = 1): no error bars", layout.GetProperty("annotations")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Figures_GiveEveryMethodItsOwnColour()
    {
        var all = FigureStyle.Methods.Select(m => m.Method).Concat(["new-method-a", "new-method-b"]).ToList();
        var rows = all.SelectMany(m => new[] { Row(m, 1, "", ("TA", 0.8), ("RTE", 2), ("AvgGap", 0.01)), Row(m, 2, "", ("TA", 0.81), ("RTE", 3), ("AvgGap", 0.02)) }).ToList();
        foreach (var chart in new[] { Charts.MetricBars(rows, ["TA"]), Charts.TradeOff(rows, "AvgGap") })
        {
            var byMethod = Traces(chart).Where(t => t.GetProperty("legendgroup").GetString() != "reference")
                .GroupBy(t => t.GetProperty("legendgroup").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(Color).Distinct().Single());
            Assert.Equal(all.Count - 1, byMethod.Count); // Retrain is the reference line, not a point
            Assert.Equal(byMethod.Count, byMethod.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        }
    }

    [Fact]
    public void TradeOff_LogTime_NoTextLabels_RetrainTimeAsReference()
    {
        var chart = Charts.TradeOff(MainRows(), "TA");
        var traces = Traces(chart);
        var points = traces.Where(t => t.GetProperty("legendgroup").GetString() != "reference").ToArray();

        Assert.Equal(2, points.Length);
        Assert.All(points, t => Assert.Equal("markers", t.GetProperty("mode").GetString()));
        Assert.Equal(2.0, points.Single(t => t.GetProperty("name").GetString() == "IAU").GetProperty("x")[0].GetDouble(), 12);
        var lines = ReferenceLines(chart);
        Assert.Equal(105.0, lines.Single(l => l.GetProperty("xref").GetString() == "x").GetProperty("x0").GetDouble(), 12);
        Assert.Equal(0.91, lines.Single(l => l.GetProperty("yref").GetString() == "y").GetProperty("y0").GetDouble(), 12);
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Contains("RTE", Title(layout, "xaxis"), StringComparison.Ordinal);
        Assert.Equal("TA", Title(layout, "yaxis"));

        Assert.Contains(layout.GetProperty("annotations").EnumerateArray(), a => a.GetProperty("text").GetString() == "Retrain (105 s)");

        // Avg Gap is a distance to Retrain: no horizontal line (Retrain is 0 by definition).
        var gap = Charts.TradeOff(MainRows().Select(r => r with { Metrics = new Dictionary<string, double>(r.Metrics) { ["AvgGap"] = r.Method == "retrain" ? 0 : 0.01 * r.Seed } }), "AvgGap");
        Assert.Single(ReferenceLines(gap));
    }

    [Fact]
    public void Sweep_OneLinePerMethod_SortedByParameter_RetrainAsReference()
    {
        var chart = Charts.Sweep(Sweep(), "TA", "alpha", logX: true);
        var traces = Traces(chart);

        var iau = traces.Single(t => t.GetProperty("name").GetString() == "IAU");
        Assert.Equal([0.0005, 0.005, 0.05], iau.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(0.8 + 0.05 + 0.0015, iau.GetProperty("y")[2].GetDouble(), 12);
        Assert.True(iau.GetProperty("error_y").GetProperty("visible").GetBoolean());
        Assert.Contains(traces, t => t.GetProperty("name").GetString() == "GA");
        // Retrain has no α: a flat dashed line with its ± std band.
        var line = Assert.Single(ReferenceLines(chart));
        Assert.Equal(0.91, line.GetProperty("y0").GetDouble(), 12);
        Assert.Equal("x domain", line.GetProperty("xref").GetString());
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.StartsWith("GR weight α", Title(layout, "xaxis"), StringComparison.Ordinal);

        // Two metrics: two panels; a distance to Retrain gets the 0 line.
        var rows = Sweep().Where(r => r.Method != "retrain").Select(r => r with { Metrics = new Dictionary<string, double>(r.Metrics) { ["AvgGap"] = 0.01 } });
        var two = Charts.Sweep(rows, ["TA", "AvgGap"], "alpha", null, false, null);
        Assert.True(Figure(two).GetProperty("layout").TryGetProperty("xaxis2", out _));
        Assert.Equal(0.0, Assert.Single(ReferenceLines(two)).GetProperty("y0").GetDouble());
    }

    [Fact]
    public void Roc_LogLog_WithTprAtLowFpr()
    {
        var fpr = new[] { 0.0, 0.0005, 0.001, 0.005, 0.02, 0.5, 1.0 };
        var tpr = new[] { 0.0, 0.002, 0.004, 0.02, 0.05, 0.6, 1.0 };
        var chart = Charts.Roc(
        [
            ("iau", fpr, tpr),
            ("retrain", [0.0, 0.02, 1.0], [0.0, 0.02, 1.0]),
        ]);
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.StartsWith("IAU (AUC ", traces[0].GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Contains("TPR@1%: 0.030, @0.1%: 0.004", traces[0].GetProperty("name").GetString(), StringComparison.Ordinal);
        // Retrain's curve is not resolved below FPR 0.02: n/r, and it is dashed.
        Assert.Contains("TPR@1%: n/r, @0.1%: n/r", traces[1].GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal("dash", traces[1].GetProperty("line").GetProperty("dash").GetString());
        Assert.Equal("chance", traces[2].GetProperty("name").GetString());
        // Zero FPR/TPR cannot be drawn on log axes.
        Assert.Equal(6, traces[0].GetProperty("x").GetArrayLength());
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Equal([0.01, 0.001], Shapes(chart).Select(s => s.GetProperty("x0").GetDouble()));
        Assert.StartsWith("False positive rate", Title(layout, "xaxis"), StringComparison.Ordinal);

        Assert.Equal((0.03, true), Round(RocCurve.TprAtFprOf(fpr, tpr, 0.01)));
        Assert.Equal((0.004, true), Round(RocCurve.TprAtFprOf(fpr, tpr, 0.001)));
        Assert.False(RocCurve.TprAtFprOf([0.0, 0.02, 1.0], [0.0, 0.03, 1.0], 0.01).Exact);
        Assert.True(double.IsNaN(RocCurve.TprAtFprOf([0.0, 0.005], [0.0, 0.1], 0.01).Tpr));
        Assert.Equal(0.625, RocCurve.AreaOf([0.0, 0.5, 1.0], [0.5, 0.5, 1.0]), 12);

        static (double, bool) Round((double Tpr, bool Exact) t) => (Math.Round(t.Tpr, 6), t.Exact);
    }

    [Fact]
    public void RemovalError_OneLinePerMethod_WithErrorBars()
    {
        var chart = Charts.RemovalError(
            [1, 2, 4, 8],
            [("iau", [new MeanStd(0.1, 0.01, 3), new MeanStd(0.2, 0.01, 3), new MeanStd(0.4, 0.01, 3), new MeanStd(0.8, 0.01, 3)]),
             ("iu", [new MeanStd(0.01, 0, 1), new MeanStd(0.02, 0, 1), new MeanStd(0.04, 0, 1), new MeanStd(0.08, 0, 1)]),
             ("certified", [new MeanStd(0.001, 0, 1), new MeanStd(0, 0, 1), new MeanStd(0.004, 0, 1), new MeanStd(0.008, 0, 1)])],
            null, "Relative error", logY: true);
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.Equal(3, traces[2].GetProperty("x").GetArrayLength());
        Assert.True(traces[0].GetProperty("error_y").GetProperty("visible").GetBoolean());
        Assert.False(traces[1].GetProperty("error_y").GetProperty("visible").GetBoolean());
        Assert.Equal(3, traces.Select(Color).Distinct().Count());
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("Number of samples removed", Title(layout, "xaxis"));
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Equal("error bars: ± 1 std where n > 1 (n = 1–3)", layout.GetProperty("annotations")[0].GetProperty("text").GetString());
        Assert.Throws<ArgumentException>(() => Charts.RemovalError([1, 2], [("IAU", [0.1])]));
    }

    [Fact]
    public void Sweep_PutsTimesThatSpanMoreThanAFactorOf8OnALogAxis_ButNeverAccuracies()
    {
        static ResultRow At(string method, int request, double ta, double seconds) =>
            new("sequential", $"k/{method}/{request}", "h", "d", "m", method, $"request={request}", 0,
                new Dictionary<string, double> { ["TA"] = ta, ["CumSeconds"] = seconds }, new Dictionary<string, string>(), "v", DateTimeOffset.UnixEpoch);
        ResultRow[] rows = [At("iau", 1, 0.8, 0.01), At("iau", 2, 0.05, 0.02), At("ft", 1, 0.85, 1), At("ft", 2, 0.84, 2)];
        var layout = Figure(Charts.Sweep(rows, ["TA", "CumSeconds"], "request", null, logX: false, null)).GetProperty("layout");
        Assert.Equal("linear", layout.GetProperty("yaxis").GetProperty("type").GetString()); // TA spans 0.05–0.85: still linear
        Assert.Equal("log", layout.GetProperty("yaxis2").GetProperty("type").GetString());
    }

    [Fact]
    public void VariantParameter_ReadsNumbers()
    {
        Assert.True(VariantParameter.TryParse("alpha=0.005", out var name, out var v));
        Assert.Equal(("alpha", 0.005), (name, v));
        Assert.True(VariantParameter.TryParse("ratio=0.10,steps=3", "steps", out var steps));
        Assert.Equal(3.0, steps);
        Assert.True(VariantParameter.TryParse("2.5", out name, out v));
        Assert.Equal(("", 2.5), (name, v));
        Assert.False(VariantParameter.TryParse("", out _, out _));
        Assert.False(VariantParameter.TryParse("mode=classwise", out _, out _));
    }
}
