using System.Text.Json;
using Iau.Reporting;
using Plotly.NET;
using static Iau.Tests.Reporting.ReportingRows;

namespace Iau.Tests.Reporting;

public sealed class ChartsTests
{
    /// <summary>The chart's figure JSON (data + layout), parsed: this also checks it is valid JSON (no NaN).</summary>
    private static JsonElement Figure(GenericChart chart) =>
        JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement.Clone();

    private static JsonElement[] Traces(GenericChart chart) => [.. Figure(chart).GetProperty("data").EnumerateArray()];

    private static string Text(JsonElement layout, string axis) =>
        axis.Length == 0
            ? layout.GetProperty("title").GetProperty("text").GetString()!
            : layout.GetProperty(axis).GetProperty("title").GetProperty("text").GetString()!;

    [Fact]
    public void MetricBars_OneBarTracePerMethod_WithErrorBars()
    {
        var chart = Charts.MetricBars(MainRows(), ["TA", "FA"], "Main results");
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.All(traces, t => Assert.Equal("bar", t.GetProperty("type").GetString()));
        Assert.Equal(["retrain", "ft", "iau"], traces.Select(t => t.GetProperty("name").GetString()));
        var iau = traces[2];
        Assert.Equal(["TA", "FA"], iau.GetProperty("x").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0.91, iau.GetProperty("y")[0].GetDouble(), 12);
        Assert.Equal(Math.Sqrt(2 * 0.005 * 0.005), iau.GetProperty("error_y").GetProperty("array")[0].GetDouble(), 12);

        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("Main results", Text(layout, ""));
        Assert.Equal("Metric", Text(layout, "xaxis"));
        Assert.Equal("Value", Text(layout, "yaxis"));
    }

    [Fact]
    public void TradeOff_OnePointPerMethod_OnALogAxis()
    {
        var chart = Charts.TradeOff(MainRows(), "TA");
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.All(traces, t => Assert.Single(t.GetProperty("x").EnumerateArray()));
        Assert.Equal(2.0, traces.Single(t => t.GetProperty("name").GetString() == "iau").GetProperty("x")[0].GetDouble(), 12);
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Contains("RTE", Text(layout, "xaxis"), StringComparison.Ordinal);
        Assert.Equal("TA", Text(layout, "yaxis"));
        Assert.False(string.IsNullOrWhiteSpace(Text(layout, "")));
    }

    [Fact]
    public void Sweep_OneLinePerMethod_SortedByParameter_PlusReference()
    {
        var chart = Charts.Sweep(Sweep(), "TA", "alpha", logX: true);
        var traces = Traces(chart);

        // ga and iau lines, retrain as a flat reference line.
        Assert.Equal(3, traces.Length);
        var iau = traces.Single(t => t.GetProperty("name").GetString() == "iau");
        Assert.Equal([0.0005, 0.005, 0.05], iau.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(0.8 + 0.05 + 0.0015, iau.GetProperty("y")[2].GetDouble(), 12);
        var reference = traces.Single(t => t.GetProperty("name").GetString() == "retrain (reference)");
        Assert.Equal([0.0005, 0.05], reference.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.StartsWith("alpha", Text(layout, "xaxis"), StringComparison.Ordinal);

        // Without a named parameter the first one of each variant is used.
        Assert.Equal(3, Traces(Charts.Sweep(Sweep(), "TA")).Length);
    }

    [Fact]
    public void Roc_OneLinePerSeries_PlusChance()
    {
        var chart = Charts.Roc(
        [
            ("IAU", [0.0, 0.5, 1.0], [0.0, 0.5, 1.0]),
            ("GA", [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]),
        ]);
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.Equal("IAU (AUC 0.500)", traces[0].GetProperty("name").GetString());
        Assert.Equal("GA (AUC 1.000)", traces[1].GetProperty("name").GetString());
        Assert.Equal("chance", traces[2].GetProperty("name").GetString());
        Assert.Equal(2, Traces(Charts.Roc([("IAU", [0.0, 1.0], [0.0, 1.0])], showChance: true)).Length);
        Assert.Equal("False positive rate", Text(Figure(chart).GetProperty("layout"), "xaxis"));
        Assert.Equal(0.625, Charts.Auc([0.0, 0.5, 1.0], [0.5, 0.5, 1.0]), 12);
    }

    [Fact]
    public void RemovalError_OneLinePerMethod()
    {
        var chart = Charts.RemovalError(
            [1, 2, 4, 8],
            [("IAU", [0.1, 0.2, 0.4, 0.8]), ("Influence", [0.01, 0.02, 0.04, 0.08]), ("Newton", [0.001, 0.0, 0.004, 0.008])],
            logY: true);
        var traces = Traces(chart);

        Assert.Equal(3, traces.Length);
        Assert.Equal(3, traces[2].GetProperty("x").GetArrayLength());
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("Number of samples removed", Text(layout, "xaxis"));
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Throws<ArgumentException>(() => Charts.RemovalError([1, 2], [("IAU", [0.1])]));
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
