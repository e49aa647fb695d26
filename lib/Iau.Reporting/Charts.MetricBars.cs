using Iau.Experiments;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

// The metric panels: one panel per metric, methods side by side against Retrain's band.
public static partial class Charts
{
    /// <summary>
    /// Metric panels: one panel per metric side by side, one row per method (or "method [variant]"), each
    /// method a point at its mean over seeds with ± std error bars, in its fixed colour and marker. Retrain (the
    /// rows of <paramref name="reference"/>, or the rows of the reference method) is not a row but a dashed
    /// vertical line at its mean with a grey band of ± its std in every panel. Each panel's range fits the
    /// points; a point far outside the others (beyond 3 interquartile ranges) is drawn as an arrow at the
    /// panel's edge with its value printed, so that one collapsed method does not hide differences of a point.
    /// </summary>
    /// <param name="rows">Rows of one setting (experiment, dataset, model).</param>
    /// <param name="metrics">Metrics to show (default: those of <see cref="DefaultBarMetrics"/> present in the rows).</param>
    /// <param name="title">Chart title.</param>
    /// <param name="methodOrder">Method order (default alphabetical with Retrain first).</param>
    /// <param name="reference">Rows of the reference to draw; null to take the reference method's rows from <paramref name="rows"/>.</param>
    /// <param name="referenceLabel">Legend text of the reference; default "Retrain (mean ± std)".</param>
    /// <param name="size">Figure size; default double column, height by the number of rows.</param>
    public static GenericChart MetricBars(
        IEnumerable<ResultRow> rows, IReadOnlyList<string>? metrics = null, string? title = null,
        IReadOnlyList<string>? methodOrder = null, IEnumerable<ResultRow>? reference = null, string? referenceLabel = null,
        FigureSize? size = null)
    {
        var list = Materialise(rows);
        var present = list.SelectMany(r => r.Metrics.Keys).ToHashSet(StringComparer.Ordinal);
        metrics ??= [.. DefaultBarMetrics.Where(present.Contains)];
        if (metrics.Count == 0)
        {
            throw new ArgumentException("None of the metrics to chart is present in the rows.", nameof(metrics));
        }

        var refRows = reference?.ToList() ?? [.. list.Where(IsReference)];
        var groups = GroupByMethodAndVariant([.. list.Where(r => !IsReference(r))], methodOrder);
        var styles = FigureStyle.Assign(groups.Select(g => g.Method));
        size ??= MetricBarsSize(groups.Count);
        var domains = Domains(metrics.Count, 0.025);
        var labels = groups.Select(g => Label(g.Label, g.Method, styles)).ToList();

        var traces = new List<Dictionary<string, object?>>();
        var shapes = new List<Dictionary<string, object?>>();
        var annotations = new List<Dictionary<string, object?>>();
        var layout = Layout(size, title ?? "Metrics by method", left: 8, bottom: 34, exportTop: 20);
        var allPoints = new List<MeanStd>();
        for (var p = 0; p < metrics.Count; p++)
        {
            var metric = metrics[p];
            var xa = AxisId('x', p);
            var ya = AxisId('y', p);
            var stats = groups.Select(g => Aggregate(g.Rows, metric)).ToList();
            allPoints.AddRange(stats);
            var refStat = Aggregate(refRows, metric);
            var (lo, hi, outliers) = FitRange(stats, refStat, IsDistanceToReference(metric));
            for (var i = 0; i < groups.Count; i++)
            {
                var s = stats[i];
                if (!s.HasValue)
                {
                    continue;
                }

                var style = styles[groups[i].Method];
                if (outliers.Contains(i))
                {
                    var low = s.Mean < lo;
                    var edge = low ? lo + ((hi - lo) * 0.015) : hi - ((hi - lo) * 0.015);
                    traces.Add(O(
                        ("type", "scatter"), ("mode", "markers+text"), ("x", new[] { edge }), ("y", new[] { labels[i] }),
                        ("xaxis", xa), ("yaxis", ya), ("name", labels[i]), ("legendgroup", groups[i].Method), ("showlegend", false),
                        ("marker", O(("color", style.Color), ("symbol", low ? "triangle-left" : "triangle-right"), ("size", 7))),
                        ("text", new[] { Number(s.Mean) }), ("textposition", low ? "middle right" : "middle left"),
                        ("textfont", O(("size", 8), ("color", style.Color))),
                        ("hovertext", new[] { $"{labels[i]}: {Number(s.Mean)} ± {Number(s.Std)} (off scale)" }), ("hoverinfo", "text")));
                    continue;
                }

                traces.Add(O(
                    ("type", "scatter"), ("mode", "markers"), ("x", new[] { s.Mean }), ("y", new[] { labels[i] }),
                    ("xaxis", xa), ("yaxis", ya), ("name", labels[i]), ("legendgroup", groups[i].Method), ("showlegend", false),
                    ("marker", O(("color", style.Color), ("symbol", Marker(style, groups[i].Label, groups[i].Method)), ("size", 7), ("line", O(("color", style.Color), ("width", 1))))),
                    ("error_x", Error([s.Std], style.Color, s.Count > 1))));
            }

            DrawVerticalReference(shapes, xa, refStat, IsDistanceToReference(metric));
            var xAxis = Axis(MetricLabel(metric), range: [lo, hi], anchor: ya, domain: domains[p]);
            xAxis["nticks"] = 4;
            layout[AxisId('x', p, true)] = xAxis;

            // One y axis per panel (so each panel has its frame), the same categories, labels on the first only.
            var yAxis = Axis("", type: "category", anchor: xa);
            yAxis.Remove("title");
            yAxis.Remove("autorange");
            yAxis["range"] = new object?[] { labels.Count - 0.5, -0.5 };
            yAxis["categoryorder"] = "array";
            yAxis["categoryarray"] = labels.ToArray();
            yAxis["tickmode"] = "array"; // every label, not Plotly's thinned selection
            yAxis["tickvals"] = labels.ToArray();
            yAxis["showticklabels"] = p == 0;
            yAxis["ticks"] = p == 0 ? "outside" : "";
            if (p > 0)
            {
                yAxis["matches"] = "y";
            }

            layout[AxisId('y', p, true)] = yAxis;
        }

        var referenceStats = metrics.Select(m => Aggregate(refRows, m)).ToList();
        if (referenceStats.Any(s => s.HasValue) || metrics.Any(IsDistanceToReference))
        {
            traces.Add(LegendOnly(referenceLabel ?? ReferenceLegend(referenceStats), FigureStyle.ReferenceColor, "dash"));
        }

        AddNote(annotations, ErrorBarNote(allPoints));
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
        layout["legend"] = LegendAbove();
        return Build(traces, layout);
    }

    /// <summary>The default size of <see cref="MetricBars"/>: one row of markers per method and variant, 0.16 in each.</summary>
    internal static FigureSize MetricBarsSize(int points) => FigureSize.DoubleColumn(Math.Max(1.6, 0.75 + (0.16 * points)));
}
