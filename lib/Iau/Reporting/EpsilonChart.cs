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
    /// against the retrained pool. ε = 50 is the cap (separable or near-deterministic pools); capped examples would
    /// flatten every box, so the y axis ends just above the largest uncapped ε and each pool's name says how many
    /// of its examples sit at the cap.
    /// </summary>
    public static GenericChart Distribution(IEnumerable<AuditRow> rows, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var traces = list.Select(r =>
        {
            var capped = r.Epsilons.Count(e => e >= EpsilonScore.Cap);
            var name = capped == 0 ? r.Name : $"{r.Name} ({capped} at cap)";
            return CsChart.BoxPlot<string, double, string>(X: Enumerable.Repeat(name, r.Epsilons.Length).ToArray(), Y: r.Epsilons, Name: name);
        }).ToList();
        var uncapped = list.SelectMany(r => r.Epsilons).Where(e => e < EpsilonScore.Cap).DefaultIfEmpty(1).Max();
        var chart = traces.Count == 0 ? CsChart.Invisible() : CsChart.Combine(traces);
        chart = FsChart.withTitle(title ?? "Per-example ε against the retrained pool", TitleFont: null).Invoke(chart);
        return chart
            .WithXAxisStyle<double, double, string>(TitleText: "pool")
            .WithYAxisStyle<double, double, string>(TitleText: "ε per forget example (lower = more like retraining)", MinMax: new Tuple<double, double>(0, (uncapped * 1.1) + 0.1));
    }
}
