using Iau.Evaluation;
using System.Globalization;
using Iau.Audit;
using Iau.Experiments;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

/// <summary>The forgetting audit's figure: the distribution of per-example ε, one box per pool.</summary>
public static class EpsilonChart
{
    /// <summary>The figure's size: both columns of a paper, 2.6 in high.</summary>
    public static FigureSize DefaultSize { get; } = FigureSize.DoubleColumn(2.6);

    /// <summary>
    /// One box (with its outlying points) per audit row — noise floors first, then the methods — of the per-example
    /// ε against the retrained pool, in the kit's figure style: each pool in its method's colour from
    /// <see cref="FigureStyle"/> (the perfect-unlearning floor as <c>retrain</c>, the no-unlearning floor as
    /// <c>original</c>), named by the method's label (the floors marked so). ε = 50 is the cap (separable or near-deterministic pools);
    /// capped examples would flatten every box, so the y axis ends just above the largest uncapped ε and each
    /// pool's name says how many of its examples sit at the cap. Lower ε = more like retraining.
    /// </summary>
    public static GenericChart Distribution(IEnumerable<AuditRow> rows, string? title = null, FigureSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var keys = list.Select(r => StyleKey(r.Name)).ToList();
        var styles = FigureStyle.Assign(keys);
        var traces = list.Select((r, i) =>
        {
            var style = styles[keys[i]];
            var capped = r.Epsilons.Count(e => e >= EpsilonScore.Cap);
            // Two-line tick labels keep the categories horizontal at paper width.
            var label = (r.Name is ForgettingAudit.OriginalFloor or ForgettingAudit.RetrainFloor ? style.Label + " (floor)" : style.Label).Replace(" (floor)", "<br>(floor)", StringComparison.Ordinal).Replace(" (control)", "<br>(control)", StringComparison.Ordinal);
            var name = capped == 0 ? label : string.Create(CultureInfo.InvariantCulture, $"{label}<br>{capped} at cap");
            return O(
                ("type", "box"), ("name", name), ("legendgroup", keys[i]), ("showlegend", false),
                ("x", Enumerable.Repeat(name, r.Epsilons.Length).ToArray()), ("y", Ns(r.Epsilons)),
                ("boxpoints", "outliers"), ("fillcolor", "rgba(0,0,0,0)"),
                ("marker", O(("color", style.Color), ("size", 3))), ("line", O(("color", style.Color), ("width", 1.2))));
        }).ToList();
        var uncapped = list.SelectMany(r => r.Epsilons).Where(e => e < EpsilonScore.Cap).DefaultIfEmpty(1).Max();
        var layout = Layout(size ?? DefaultSize, title ?? "Per-example ε against the retrained pool", bottom: 30);
        layout["showlegend"] = false;
        var xaxis = Axis(string.Empty, type: "category");
        xaxis["tickangle"] = 0;
        layout["xaxis"] = xaxis;
        layout["yaxis"] = Axis("ε per forget example", range: [0, (uncapped * 1.1) + 0.1]);
        return Build(traces, layout);
    }

    /// <summary>The <see cref="FigureStyle"/> key of an audit row: the floors by the cells that stand for them.</summary>
    private static string StyleKey(string rowName) => rowName switch
    {
        ForgettingAudit.RetrainFloor => AuditExperiment.RetrainFloorCell,
        ForgettingAudit.OriginalFloor => AuditExperiment.OriginalCell,
        _ => rowName,
    };
}
