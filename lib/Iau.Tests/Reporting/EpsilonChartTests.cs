using Iau.Evaluation;
using Iau.Audit;
using Iau.Reporting;
using static Iau.Tests.Reporting.ChartsTests;

namespace Iau.Tests.Reporting;

public sealed class EpsilonChartTests
{
    private static AuditRow Row(string name, params double[] epsilons) =>
        new(name, 4, 4, new Interval(0.2, 0.1, 0.3), new Interval(0.5, 0.4, 0.6), new ULiraResult(0.5, 0.5, 0.01, 0.001, 8),
            new Interval(0.5, 0.4, 0.6), 0.9, 0.88, 0.9, 1.0, epsilons, "");

    [Fact]
    public void Distribution_DrawsOneBoxPerPoolInItsMethodsColour_InTheKitsStyle()
    {
        var rows = new[]
        {
            Row(ForgettingAudit.RetrainFloor, 1.0, 1.5, 2.0),
            Row(ForgettingAudit.OriginalFloor, 1.2, 1.4, EpsilonScore.Cap),
            Row("iau", 0.9, 1.1, 2.5),
            Row("ft", 1.3, 1.6, 1.9),
        };

        var chart = EpsilonChart.Distribution(rows, "ε");
        var traces = Traces(chart);
        var layout = Figure(chart).GetProperty("layout");

        Assert.Equal(4, traces.Length);
        Assert.All(traces, t => Assert.Equal("box", t.GetProperty("type").GetString()));
        Assert.Equal(
            ["Retrain<br>(floor)", "Original<br>(floor)<br>1 at cap", "IAU", "FT"],
            traces.Select(t => t.GetProperty("name").GetString()));
        var styles = FigureStyle.Assign(["retrain", "original", "iau", "ft"]);
        Assert.Equal(
            new[] { "retrain", "original", "iau", "ft" }.Select(k => styles[k].Color),
            traces.Select(Color));
        Assert.Equal("#ffffff", layout.GetProperty("plot_bgcolor").GetString());
        Assert.Equal(EpsilonChart.DefaultSize.WidthPixels, layout.GetProperty("width").GetInt32());
        // The capped ε is left off the axis, which ends just above the largest uncapped value (2.5).
        var range = layout.GetProperty("yaxis").GetProperty("range");
        Assert.Equal(0, range[0].GetDouble());
        Assert.Equal((2.5 * 1.1) + 0.1, range[1].GetDouble(), 10);
    }
}
