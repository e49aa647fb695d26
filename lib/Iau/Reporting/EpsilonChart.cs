using Iau.Audit;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using CsChart = Plotly.NET.CSharp.Chart;
using FsChart = Plotly.NET.Chart;

namespace Iau.Reporting;

/// <summary>The forgetting audit's figure: the distribution of per-example ε, one box per pool.</summary>
public static class EpsilonChart
{
    /// <summary>
    /// One box (with its points) per audit row — noise floors first, then the methods — of the per-example ε
    /// against the retrained pool; ε = 50 is the cap (separable or near-deterministic pools).
    /// </summary>
    public static GenericChart Distribution(IEnumerable<AuditRow> rows, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var traces = rows.Select(r => CsChart.BoxPlot<string, double, string>(
            X: Enumerable.Repeat(r.Name, r.Epsilons.Length).ToArray(), Y: r.Epsilons, Name: r.Name)).ToList();
        var chart = traces.Count == 0 ? CsChart.Invisible() : CsChart.Combine(traces);
        chart = FsChart.withTitle(title ?? "Per-example ε against the retrained pool", TitleFont: null).Invoke(chart);
        return chart
            .WithXAxisStyle<double, double, string>(TitleText: "pool")
            .WithYAxisStyle<double, double, string>(TitleText: "ε per forget example (cap 50; lower = more like retraining)");
    }
}
