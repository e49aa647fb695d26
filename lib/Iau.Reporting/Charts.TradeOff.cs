using Iau.Evaluation;
using Iau.Experiments;
using static Iau.Reporting.PlotlyFigure;
using Plotly.NET;

namespace Iau.Reporting;

// The trade-off scatter: one metric against another (by default TA against the unlearning time) per method.
public static partial class Charts
{
    /// <summary>
    /// Trade-off scatter: one point per method at (mean <paramref name="xMetric"/>, mean
    /// <paramref name="yMetric"/>) with ± std error bars on both axes where n &gt; 1, identified by its colour
    /// and marker in the legend below the plot (no text beside the points, so nothing overlaps). The x axis is
    /// logarithmic; the y axis too when its values span more than a factor of 8. Retrain is a dashed vertical
    /// line at its time (with a ± std band), labelled at the top, and, unless the y metric is a distance to
    /// Retrain (0 by definition), a dashed horizontal line at its y value. Methods without a positive x value are
    /// left out.
    /// </summary>
    public static GenericChart TradeOff(
        IEnumerable<ResultRow> rows, string yMetric = Metric.TA, string xMetric = Metric.Rte, string? title = null,
        IReadOnlyList<string>? methodOrder = null, FigureSize? size = null)
    {
        var list = Materialise(rows);
        size ??= FigureSize.DoubleColumn(2.8);
        var groups = GroupByMethodAndVariant([.. list.Where(r => !IsReference(r))], methodOrder);
        var styles = FigureStyle.Assign(groups.Select(g => g.Method));
        var traces = new List<Dictionary<string, object?>>();
        var points = new List<(MeanStd X, MeanStd Y)>();
        foreach (var (label, method, group) in groups)
        {
            var x = Aggregate(group, xMetric);
            var y = Aggregate(group, yMetric);
            if (!x.HasValue || !y.HasValue || x.Mean <= 0)
            {
                continue;
            }

            points.Add((x, y));
            var style = styles[method];
            traces.Add(O(
                ("type", "scatter"), ("mode", "markers"), ("x", new[] { x.Mean }), ("y", new[] { y.Mean }),
                ("name", Label(label, method, styles)), ("legendgroup", method),
                ("marker", O(("color", style.Color), ("symbol", Marker(style, label, method)), ("size", 8), ("line", O(("color", style.Color), ("width", 1.2))))),
                ("error_x", Error([x.Std], style.Color, x.Count > 1)),
                ("error_y", Error([y.Std], style.Color, y.Count > 1))));
        }

        var logY = LogScale(points.Select(p => p.Y.Mean).ToList());
        var refRows = list.Where(IsReference).ToList();
        var rx = Aggregate(refRows, xMetric);
        var ry = Aggregate(refRows, yMetric);
        var shapes = new List<Dictionary<string, object?>>();
        var annotations = new List<Dictionary<string, object?>>();
        if (rx.HasValue && rx.Mean > 0)
        {
            if (rx.Count > 1 && rx.Std > 0)
            {
                shapes.Add(Band("x", "paper", Math.Max(rx.Mean - rx.Std, rx.Mean / 10), 0, rx.Mean + rx.Std, 1, FigureStyle.ReferenceBand));
            }

            shapes.Add(Line("x", "paper", rx.Mean, 0, rx.Mean, 1, FigureStyle.ReferenceColor));
        }

        if (ry.HasValue && !IsDistanceToReference(yMetric) && (!logY || ry.Mean > 0))
        {
            shapes.Add(Line("paper", "y", 0, ry.Mean, 1, ry.Mean, FigureStyle.ReferenceColor));
        }

        if (rx.HasValue && rx.Mean > 0)
        {
            var xText = string.Equals(xMetric, Metric.Rte, StringComparison.OrdinalIgnoreCase) ? $"{Number(rx.Mean)} s" : Number(rx.Mean);
            annotations.Add(O(
                ("text", $"Retrain ({xText})"), ("xref", "x"), ("yref", "paper"), ("x", Math.Log10(rx.Mean)), ("y", 1.005), ("xanchor", "center"),
                ("yanchor", "bottom"), ("showarrow", false), ("font", O(("size", 8), ("color", FigureStyle.ReferenceColor)))));
        }

        var note = ErrorBarNote(points.SelectMany(p => new[] { p.X, p.Y }));
        if (note is not null)
        {
            annotations.Add(Note(note, 0, 1.005, xanchor: "left"));
        }

        var xTitle = string.Equals(xMetric, Metric.Rte, StringComparison.OrdinalIgnoreCase)
            ? "Unlearning time RTE (s, log scale)"
            : $"{MetricLabel(xMetric)} (log scale)";
        var legendRows = TradeOffLegendRows(traces.Count, size);
        var bottom = 44 + (16 * legendRows);
        var layout = Layout(size, title ?? $"Trade-off: {yMetric} vs. {xMetric}", right: 8, bottom: bottom, exportTop: 14);
        var plotHeight = Math.Max(40, size.HeightPixels - (14 + 18) - bottom);
        layout["xaxis"] = Axis(xTitle, type: "log");
        layout["yaxis"] = Axis(logY ? LogTitle(MetricLabel(yMetric)) : MetricLabel(yMetric), type: logY ? "log" : "linear");
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
        layout["legend"] = O(
            ("orientation", "h"), ("x", 0), ("xanchor", "left"), ("y", -40.0 / plotHeight), ("yanchor", "top"), ("entrywidth", TradeOffEntryText), ("entrywidthmode", "pixels"),
            ("font", O(("size", 8))), ("tracegroupgap", 0), ("bgcolor", "rgba(255,255,255,0)"));
        return Build(traces, layout);
    }

    /// <summary>
    /// The height of a trade-off figure of <paramref name="points"/> legend entries, <paramref name="widthInches"/>
    /// wide: <paramref name="plotInches"/> for the plot and its axes plus the legend's rows below.
    /// </summary>
    internal static double TradeOffHeightInches(int points, double widthInches, double plotInches = 2.6) =>
        plotInches + (16.0 * TradeOffLegendRows(points, new FigureSize(widthInches, plotInches)) / FigureStyle.CssPixelsPerInch);

    internal static int TradeOffLegendRows(int entries, FigureSize size)
    {
        var perRow = Math.Max(1, (size.WidthPixels - 60) / TradeOffEntry);
        return (entries + perRow - 1) / perRow;
    }

    /// <summary>Whether <see cref="TradeOff"/> puts <paramref name="yMetric"/> on a log axis for these rows.</summary>
    public static bool TradeOffUsesLogY(IEnumerable<ResultRow> rows, string yMetric = Metric.TA, string xMetric = Metric.Rte, IReadOnlyList<string>? methodOrder = null)
    {
        var list = Materialise(rows);
        var ys = new List<double>();
        foreach (var (_, _, group) in GroupByMethodAndVariant([.. list.Where(r => !IsReference(r))], methodOrder))
        {
            var x = Aggregate(group, xMetric);
            var y = Aggregate(group, yMetric);
            if (x.HasValue && y.HasValue && x.Mean > 0)
            {
                ys.Add(y.Mean);
            }
        }

        return LogScale(ys);
    }
}
