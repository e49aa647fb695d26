using System.Globalization;
using Iau.Experiments;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

/// <summary>
/// Plotly.NET charts of experiment results in the kit's figure style (<see cref="FigureStyle"/>): white
/// background, a fixed colour, marker and dash per method, Retrain drawn as a dashed black reference line with
/// a grey ± std band wherever methods are compared to it, error bars of ± 1 sample std over seeds where a
/// quantity has more than one seed and a note saying so where it has one, and axis ranges fitted to the data
/// (not from zero). Methods appear in the order of <see cref="MethodOrder"/>. Missing or non-finite values are
/// left out rather than drawn as zeros.
/// </summary>
public static class Charts
{
    /// <summary>The metrics of <see cref="MetricBars"/> when none are named: the accuracy-scale ones.</summary>
    public static IReadOnlyList<string> DefaultBarMetrics { get; } = ["TA", "RA", "FA", "UA", "MIA_shadow", "MIA_entropy"];

    /// <summary>False-positive rates at which <see cref="Roc"/> marks the true-positive rate (1% and 0.1%).</summary>
    public static IReadOnlyList<double> LowFprLevels { get; } = [0.01, 0.001];

    /// <summary>The display name of a metric ("MIA_shadow" → "MIA (shadow)", "AvgGap" → "Avg Gap", …).</summary>
    public static string MetricLabel(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric switch
        {
            "MIA_shadow" => "MIA (shadow)",
            "MIA_entropy" => "MIA (entropy)",
            "AUC_loss" => "AUC (loss attack)",
            "L2_retrain" => "L2 to Retrain",
            "JS_forget" => "JS on D_f",
            "JS_test" => "JS on test",
            "AvgGap" => "Avg Gap",
            "RTE" => "RTE (s)",
            "Speedup" => "Speed-up",
            _ => metric,
        };
    }

    /// <summary>The axis title of a variant parameter ("alpha" → "GR weight α of the original", "ratio" → "Forget ratio", …).</summary>
    public static string ParameterLabel(string? parameter) => parameter switch
    {
        null or "" => "Parameter",
        "alpha" => "GR weight α of the original",
        "ratio" or "forget" => "Forget ratio |D_f| / |train|",
        "retain" => "Share of D_r in the retain gradient",
        "request" => "Deletion request",
        "removed" => "Samples removed",
        _ => parameter,
    };

    /// <summary>
    /// Whether a metric is measured against Retrain, so that Retrain's own value is 0 by definition (Avg Gap,
    /// L2 to Retrain, JS divergences).
    /// </summary>
    public static bool IsDistanceToReference(string metric) =>
        metric is "AvgGap" || metric.StartsWith("L2_", StringComparison.Ordinal) || metric.StartsWith("JS_", StringComparison.Ordinal);

    /// <summary>
    /// What the error bars of a figure are, from the seed counts of its points: "single seed (n = 1): no error
    /// bars", "error bars: ± 1 std over 3 seeds", or "error bars: ± 1 std where n > 1 (n = 1–3)"; null for none.
    /// </summary>
    public static string? ErrorBarNote(IEnumerable<MeanStd> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var counts = points.Where(p => p.HasValue).Select(p => p.Count).Distinct().Order().ToList();
        return counts.Count switch
        {
            0 => null,
            1 when counts[0] == 1 => "single seed (n = 1): no error bars",
            1 => $"error bars: ± 1 std over {counts[0]} seeds",
            _ => $"error bars: ± 1 std where n > 1 (n = {counts[0]}–{counts[^1]})",
        };
    }

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
        IEnumerable<ResultRow> rows, string yMetric = "TA", string xMetric = "RTE", string? title = null,
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
            var xText = string.Equals(xMetric, "RTE", StringComparison.OrdinalIgnoreCase) ? $"{Number(rx.Mean)} s" : Number(rx.Mean);
            annotations.Add(O(
                ("text", $"Retrain ({xText})"), ("xref", "x"), ("yref", "paper"), ("x", Math.Log10(rx.Mean)), ("y", 1.005), ("xanchor", "center"),
                ("yanchor", "bottom"), ("showarrow", false), ("font", O(("size", 8), ("color", FigureStyle.ReferenceColor)))));
        }

        var note = ErrorBarNote(points.SelectMany(p => new[] { p.X, p.Y }));
        if (note is not null)
        {
            annotations.Add(Note(note, 0, 1.005, xanchor: "left"));
        }

        var xTitle = string.Equals(xMetric, "RTE", StringComparison.OrdinalIgnoreCase)
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

    // A trade-off legend entry: its text width, and its whole width with the marker (measured on the exported figures).
    private const int TradeOffEntryText = 110;
    private const int TradeOffEntry = 155;

    /// <summary>
    /// The height of a trade-off figure of <paramref name="points"/> legend entries, <paramref name="widthInches"/>
    /// wide: <paramref name="plotInches"/> for the plot and its axes plus the legend's rows below.
    /// </summary>
    internal static double TradeOffHeightInches(int points, double widthInches, double plotInches = 2.6) =>
        plotInches + (16.0 * TradeOffLegendRows(points, new FigureSize(widthInches, plotInches)) / FigureStyle.CssPixelsPerInch);

    // The rows of a trade-off-style legend below the plot (also the forgetting-against-utility figure's).
    internal static int TradeOffLegendRows(int entries, FigureSize size)
    {
        var perRow = Math.Max(1, (size.WidthPixels - 60) / TradeOffEntry);
        return (entries + perRow - 1) / perRow;
    }

    /// <summary>Whether <see cref="TradeOff"/> puts <paramref name="yMetric"/> on a log axis for these rows.</summary>
    public static bool TradeOffUsesLogY(IEnumerable<ResultRow> rows, string yMetric = "TA", string xMetric = "RTE", IReadOnlyList<string>? methodOrder = null)
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

    // The range of the values (points ± std, references) with 8% padding, so that lines at the extremes stay inside the frame.
    private static object?[]? PaddedRange(IEnumerable<double> values, bool log)
    {
        var v = values.Where(x => double.IsFinite(x) && (!log || x > 0)).Select(x => log ? Math.Log10(x) : x).ToList();
        if (v.Count == 0)
        {
            return null;
        }

        var (lo, hi) = (v.Min(), v.Max());
        var span = hi - lo > 0 ? hi - lo : Math.Max(Math.Abs(hi) * 0.05, log ? 0.2 : 1e-3);
        return [lo - (0.08 * span), hi + (0.08 * span)];
    }

    // "RTE (s)" → "RTE (s, log scale)"; "Avg Gap" → "Avg Gap (log scale)".
    private static string LogTitle(string label) =>
        label.EndsWith(')') ? label[..^1] + ", log scale)" : label + " (log scale)";

    private static bool LogScale(IReadOnlyList<double> ys) => ys.Count > 1 && ys.All(v => v > 0) && ys.Max() / ys.Min() > 8;

    /// <summary>
    /// Sweep of one metric: see <see cref="Sweep(IEnumerable{ResultRow}, IReadOnlyList{string}, string?, string?, bool, IReadOnlyList{string}?, IReadOnlyList{ResultRow}?, FigureSize?)"/>.
    /// </summary>
    public static GenericChart Sweep(
        IEnumerable<ResultRow> rows, string metric, string? parameter = null, string? title = null, bool logX = false,
        IReadOnlyList<string>? methodOrder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        return Sweep(rows, [metric], parameter, title, logX, methodOrder);
    }

    /// <summary>
    /// Sweep: one panel per metric, one line per method through (parameter value, mean metric) with ± std error
    /// bars where n &gt; 1, the parameter read from each row's variant (e.g. "alpha=0.005" → 0.005; see
    /// <see cref="VariantParameter"/>). Retrain is drawn as a dashed black line: through its own points when
    /// its rows carry the parameter, else flat at its mean across the sweep's range (with a ± std band); a
    /// method whose rows carry no parameter is a flat line "method (reference)". <paramref name="reference"/>
    /// adds Retrain rows from elsewhere (e.g. the main experiment) when the sweep has none; for a metric measured
    /// against Retrain (Avg Gap, L2, JS) Retrain's line is at 0 by definition.
    /// </summary>
    public static GenericChart Sweep(
        IEnumerable<ResultRow> rows, IReadOnlyList<string> metrics, string? parameter, string? title, bool logX,
        IReadOnlyList<string>? methodOrder, IReadOnlyList<ResultRow>? reference = null, FigureSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count == 0)
        {
            throw new ArgumentException("No metric to chart.", nameof(metrics));
        }

        var list = Materialise(rows);
        var paramName = parameter;
        bool TryValue(ResultRow r, out double v)
        {
            if (parameter is not null)
            {
                return VariantParameter.TryParse(r.Variant, parameter, out v);
            }

            if (VariantParameter.TryParse(r.Variant, out var name, out v))
            {
                paramName ??= name;
                return true;
            }

            return false;
        }

        var methods = MethodOrder.Arrange(list.Select(r => r.Method), methodOrder);
        var styles = FigureStyle.Assign(methods.Where(m => !IsReference(m)));
        size ??= metrics.Count == 1 ? FigureSize.SingleColumn(2.5) : FigureSize.DoubleColumn(2.5);
        var domains = Domains(metrics.Count, 0.08);
        var layout = Layout(size, title ?? $"{string.Join(", ", metrics)} vs. parameter", bottom: 40, exportTop: 14);
        var traces = new List<Dictionary<string, object?>>();
        var shapes = new List<Dictionary<string, object?>>();
        var annotations = new List<Dictionary<string, object?>>();
        var allPoints = new List<MeanStd>();
        var referenceDrawn = false;
        var referenceCounts = new List<int>();
        var legendShown = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;

        var perMethod = methods.Select(method =>
        {
            var rowsOfMethod = list.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)).ToList();
            var byX = rowsOfMethod
                .Select(r => (Ok: TryValue(r, out var v), X: v, Row: r))
                .Where(t => t.Ok && double.IsFinite(t.X) && (!logX || t.X > 0))
                .GroupBy(t => t.X)
                .OrderBy(g => g.Key)
                .Select(g => (X: g.Key, Rows: g.Select(t => t.Row).ToList()))
                .ToList();
            return (Method: method, Rows: rowsOfMethod, ByX: byX);
        }).ToList();
        foreach (var (_, _, byX) in perMethod.Where(m => m.ByX.Count > 0))
        {
            xMin = Math.Min(xMin, byX[0].X);
            xMax = Math.Max(xMax, byX[^1].X);
        }

        for (var p = 0; p < metrics.Count; p++)
        {
            var metric = metrics[p];
            var xa = AxisId('x', p);
            var ya = AxisId('y', p);
            var hasRetrain = false;
            var panelValues = new List<double>();
            var extent = new List<double>();
            void Extend(MeanStd m)
            {
                extent.Add(m.Mean - (m.Count > 1 ? m.Std : 0));
                extent.Add(m.Mean + (m.Count > 1 ? m.Std : 0));
            }

            foreach (var (method, rowsOfMethod, byX) in perMethod)
            {
                var isRef = IsReference(method);
                var style = isRef ? FigureStyle.Known(MethodOrder.DefaultReference)! : styles[method];
                var label = isRef ? style.Label : Label(method, method, styles);
                var points = byX.Select(g => (g.X, Y: Aggregate(g.Rows, metric))).Where(t => t.Y.HasValue).ToList();
                if (points.Count > 0)
                {
                    hasRetrain |= isRef;
                    allPoints.AddRange(points.Select(t => t.Y));
                    panelValues.AddRange(points.Select(t => t.Y.Mean));
                    points.ForEach(t => Extend(t.Y));
                    traces.Add(O(
                        ("type", "scatter"), ("mode", "lines+markers"), ("x", points.Select(t => t.X).ToArray()), ("y", points.Select(t => t.Y.Mean).ToArray()),
                        ("xaxis", xa), ("yaxis", ya), ("name", label), ("legendgroup", method), ("showlegend", legendShown.Add(method)),
                        ("line", O(("color", style.Color), ("dash", style.Dash), ("width", 1.5))),
                        ("marker", O(("color", style.Color), ("symbol", style.Marker), ("size", 6))),
                        ("error_y", Error(points.Select(t => t.Y.Std), style.Color, points.Any(t => t.Y.Count > 1)))));
                }
                else if (Aggregate(rowsOfMethod, metric) is { HasValue: true } flat && double.IsFinite(xMin))
                {
                    hasRetrain |= isRef;
                    allPoints.Add(flat);
                    Extend(flat);
                    if (isRef)
                    {
                        panelValues.Add(flat.Mean);
                        DrawHorizontalReference(shapes, xa, ya, flat);
                        referenceDrawn = true;
                        referenceCounts.Add(flat.Count);
                        continue;
                    }

                    traces.Add(O(
                        ("type", "scatter"), ("mode", "lines"), ("x", new[] { xMin, xMax }), ("y", new[] { flat.Mean, flat.Mean }),
                        ("xaxis", xa), ("yaxis", ya), ("name", $"{label} (reference)"), ("legendgroup", method), ("showlegend", legendShown.Add(method)),
                        ("line", O(("color", style.Color), ("dash", "dash"), ("width", 1.2)))));
                }
            }

            if (!hasRetrain)
            {
                var extra = reference is null ? default : Aggregate(reference, metric);
                if (IsDistanceToReference(metric))
                {
                    extent.Add(0);
                    DrawHorizontalReference(shapes, xa, ya, new MeanStd(0, 0, 1));
                    referenceDrawn = true;
                }
                else if (extra.HasValue)
                {
                    panelValues.Add(extra.Mean);
                    Extend(extra);
                    DrawHorizontalReference(shapes, xa, ya, extra);
                    referenceDrawn = true;
                    referenceCounts.Add(extra.Count);
                }
            }

            var xTitle = ParameterLabel(paramName);
            layout[AxisId('x', p, true)] = Axis(logX ? $"{xTitle} (log scale)" : xTitle, type: logX ? "log" : "linear", anchor: ya, domain: domains[p]);
            // Timings (ResultRow.IsTiming) that span more than a factor of 8 (e.g. IAU against Retrain) go on a log axis; accuracies and gaps never do.
            var logY = ResultRow.IsTiming(metric) && LogScale(panelValues);
            layout[AxisId('y', p, true)] = Axis(logY ? LogTitle(MetricLabel(metric)) : MetricLabel(metric), type: logY ? "log" : "linear", range: PaddedRange(extent, logY), anchor: xa);
        }

        if (referenceDrawn)
        {
            var n = referenceCounts.DefaultIfEmpty(0).Max();
            var spread = n > 1 ? $"mean ± std over {n} seeds" : "single seed";
            var what = metrics.All(IsDistanceToReference)
                ? "Retrain (0 by definition)"
                : reference is not null && !list.Any(IsReference) ? $"Retrain (main experiment, {spread})" : $"Retrain ({spread})";
            traces.Add(LegendOnly(what, FigureStyle.ReferenceColor, "dash"));
        }

        AddNote(annotations, ErrorBarNote(allPoints));
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
        layout["legend"] = LegendBelow();
        return Build(traces, layout);
    }

    /// <summary>
    /// ROC curves of a membership attack on log–log axes (membership-inference papers read the low-FPR regime):
    /// one line per named (FPR, TPR) series in the method's colour and dash, its legend entry carrying the area
    /// under the curve and the TPR at 1% and 0.1% FPR (<see cref="TprAtFpr"/>; "n/r", not resolved, when the
    /// stored curve has no point above FPR 0 at or below that FPR, or does not reach it), dotted
    /// vertical lines at those FPRs, and the chance diagonal. Points with FPR or TPR 0 cannot be drawn on log
    /// axes and are left out of the lines (not of the AUC).
    /// </summary>
    public static GenericChart Roc(
        IEnumerable<(string Name, IReadOnlyList<double> Fpr, IReadOnlyList<double> Tpr)> series, string? title = null,
        bool showChance = true, FigureSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        // "method [variant]" curves are drawn in their method's colour with a different dash.
        static string BaseOf(string name) => name.IndexOf(" [", StringComparison.Ordinal) is var i and > 0 ? name[..i] : name;
        var styles = FigureStyle.Assign(list.Select(s => BaseOf(s.Name)));
        size ??= FigureSize.DoubleColumn(3.2);
        var traces = new List<Dictionary<string, object?>>();
        const double floor = 1e-3;
        foreach (var (name, fpr, tpr) in list)
        {
            ArgumentNullException.ThrowIfNull(fpr);
            ArgumentNullException.ThrowIfNull(tpr);
            if (fpr.Count != tpr.Count)
            {
                throw new ArgumentException($"ROC series '{name}': {fpr.Count} FPR values but {tpr.Count} TPR values.", nameof(series));
            }

            var auc = Auc(fpr, tpr);
            var marks = LowFprLevels.Select(level =>
            {
                var (value, exact) = TprAtFpr(fpr, tpr, level);
                var text = double.IsFinite(value) && exact ? value.ToString("F3", CultureInfo.InvariantCulture) : "n/r";
                return $"{level * 100:0.#}%: {text}";
            });
            var method = BaseOf(name);
            var style = styles[method];
            var dash = IsReference(name) ? "dash" : method == name ? style.Dash : style.Dash == "dot" ? "dash" : "dot";
            var label = $"{Label(name, method, styles)} (AUC {(double.IsFinite(auc) ? auc.ToString("F3", CultureInfo.InvariantCulture) : "n/a")}; TPR@{string.Join(", @", marks)})";
            var keep = Enumerable.Range(0, fpr.Count).Where(i => fpr[i] > 0 && tpr[i] > 0 && double.IsFinite(fpr[i]) && double.IsFinite(tpr[i])).OrderBy(i => fpr[i]).ToList();
            traces.Add(O(
                ("type", "scatter"), ("mode", "lines"), ("x", keep.Select(i => fpr[i]).ToArray()), ("y", keep.Select(i => tpr[i]).ToArray()),
                ("name", label), ("legendgroup", method),
                ("line", O(("color", style.Color), ("dash", dash), ("width", IsReference(name) ? 2 : 1.3)))));
        }

        if (showChance)
        {
            traces.Add(O(
                ("type", "scatter"), ("mode", "lines"), ("x", new[] { floor, 1.0 }), ("y", new[] { floor, 1.0 }), ("name", "chance"),
                ("legendgroup", "chance"), ("line", O(("color", "#9E9E9E"), ("dash", "dot"), ("width", 1)))));
        }

        var shapes = LowFprLevels.Select(level => Line("x", "paper", level, 0, level, 1, "#616161", "dot", 1)).ToList();
        var annotations = LowFprLevels.Select(level => O(
            ("text", $"{level * 100:0.#}% FPR"), ("xref", "x"), ("yref", "paper"), ("x", Math.Log10(level)), ("y", 1), ("xanchor", "left"),
            ("yanchor", "top"), ("showarrow", false), ("font", O(("size", 8), ("color", "#616161"))))).ToList();
        var layout = Layout(size, title ?? "ROC", right: 8, exportTop: 8);
        layout["xaxis"] = Axis("False positive rate (log scale)", type: "log", range: [Math.Log10(floor) - 0.15, 0]);
        layout["yaxis"] = Axis("True positive rate (log scale)", type: "log", range: [Math.Log10(floor), 0]);
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
        layout["legend"] = O(("x", 1.01), ("xanchor", "left"), ("y", 1), ("yanchor", "top"), ("font", O(("size", 7.5))), ("tracegroupgap", 0));
        return Build(traces, layout);
    }

    /// <summary>
    /// The TPR of a ROC curve at false-positive rate <paramref name="level"/>, linearly interpolated between the
    /// stored points around it. Exact is false when the nearest stored point below the level is the origin
    /// (FPR 0) — the curve was not resolved there and the value is a chord, not a measurement — and the value
    /// is NaN for a curve that does not reach the level.
    /// </summary>
    public static (double Tpr, bool Exact) TprAtFpr(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr, double level)
    {
        ArgumentNullException.ThrowIfNull(fpr);
        ArgumentNullException.ThrowIfNull(tpr);
        var points = Enumerable.Range(0, Math.Min(fpr.Count, tpr.Count))
            .Select(i => (X: fpr[i], Y: tpr[i]))
            .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
            .OrderBy(p => p.X).ThenBy(p => p.Y)
            .ToList();
        var at = points.Where(p => p.X == level).ToList();
        if (at.Count > 0)
        {
            return (at.Max(p => p.Y), true);
        }

        var below = points.LastOrDefault(p => p.X < level, (X: double.NaN, Y: double.NaN));
        var above = points.FirstOrDefault(p => p.X > level, (X: double.NaN, Y: double.NaN));
        if (double.IsNaN(below.X) || double.IsNaN(above.X))
        {
            return (double.NaN, false);
        }

        var value = below.Y + ((above.Y - below.Y) * (level - below.X) / (above.X - below.X));
        return (value, below.X > 0);
    }

    /// <summary>
    /// Ground-truth error of the convex experiment from single values per point: see the <see cref="MeanStd"/> overload.
    /// </summary>
    public static GenericChart RemovalError(
        IReadOnlyList<double> removed, IEnumerable<(string Name, IReadOnlyList<double> Error)> series,
        string? title = null, string yTitle = "Error vs. exact retraining", bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(series);
        return RemovalError(
            removed,
            series.Select(s => (s.Name, (IReadOnlyList<MeanStd>)[.. (s.Error ?? throw new ArgumentNullException(nameof(series))).Select(e => new MeanStd(e, 0, double.IsFinite(e) ? 1 : 0))])),
            title, yTitle, logY);
    }

    /// <summary>
    /// Ground-truth error of the convex experiment: x = number of samples removed, one line per method (e.g.
    /// IAU, influence, certified removal) with its mean error against exact retraining (0 = identical to
    /// retraining) and ± std error bars where n &gt; 1.
    /// </summary>
    public static GenericChart RemovalError(
        IReadOnlyList<double> removed, IEnumerable<(string Name, IReadOnlyList<MeanStd> Error)> series,
        string? title, string yTitle, bool logY, FigureSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        var styles = FigureStyle.Assign(list.Select(s => s.Name));
        size ??= FigureSize.SingleColumn(2.5);
        var traces = new List<Dictionary<string, object?>>();
        var all = new List<MeanStd>();
        foreach (var (name, error) in list)
        {
            ArgumentNullException.ThrowIfNull(error);
            if (error.Count != removed.Count)
            {
                throw new ArgumentException($"Series '{name}' has {error.Count} values for {removed.Count} removal counts.", nameof(series));
            }

            var keep = Enumerable.Range(0, removed.Count)
                .Where(i => double.IsFinite(removed[i]) && error[i].HasValue && (!logY || error[i].Mean > 0))
                .ToList();
            all.AddRange(keep.Select(i => error[i]));
            var style = styles[name];
            traces.Add(O(
                ("type", "scatter"), ("mode", "lines+markers"), ("x", keep.Select(i => removed[i]).ToArray()), ("y", keep.Select(i => error[i].Mean).ToArray()),
                ("name", Label(name, name, styles)), ("legendgroup", name),
                ("line", O(("color", style.Color), ("dash", style.Dash), ("width", 1.5))),
                ("marker", O(("color", style.Color), ("symbol", style.Marker), ("size", 6))),
                ("error_y", Error(keep.Select(i => error[i].Std), style.Color, keep.Any(i => error[i].Count > 1)))));
        }

        var annotations = new List<Dictionary<string, object?>>();
        AddNote(annotations, ErrorBarNote(all));
        var layout = Layout(size, title ?? "Error against exact retraining", exportTop: 14);
        layout["xaxis"] = Axis("Number of samples removed");
        layout["yaxis"] = Axis(logY ? $"{yTitle} (log scale)" : yTitle, type: logY ? "log" : "linear");
        layout["annotations"] = annotations;
        layout["legend"] = LegendBelow();
        return Build(traces, layout);
    }

    /// <summary>Area under a ROC curve by the trapezoid rule over points sorted by FPR; NaN for fewer than two points.</summary>
    public static double Auc(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr)
    {
        ArgumentNullException.ThrowIfNull(fpr);
        ArgumentNullException.ThrowIfNull(tpr);
        var points = Enumerable.Range(0, Math.Min(fpr.Count, tpr.Count))
            .Select(i => (X: fpr[i], Y: tpr[i]))
            .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
            .OrderBy(p => p.X).ThenBy(p => p.Y)
            .ToList();
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var area = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            area += (points[i].X - points[i - 1].X) * (points[i].Y + points[i - 1].Y) / 2;
        }

        return area;
    }

    /// <summary>
    /// The range of a metric panel: the points' mean ± std and the reference band, padded; points beyond 3
    /// interquartile ranges of the means (at least 0.5% of the median's size) are outliers, left out of the
    /// range and drawn at its edge.
    /// </summary>
    internal static (double Lo, double Hi, HashSet<int> Outliers) FitRange(IReadOnlyList<MeanStd> stats, MeanStd reference, bool zeroReference)
    {
        var means = stats.Select((s, i) => (s, i)).Where(t => t.s.HasValue).ToList();
        var outliers = new HashSet<int>();
        if (means.Count >= 5)
        {
            var sorted = means.Select(t => t.s.Mean).Order().ToList();
            var q1 = Quantile(sorted, 0.25);
            var q3 = Quantile(sorted, 0.75);
            var med = Quantile(sorted, 0.5);
            var iqr = Math.Max(q3 - q1, 0.005 * Math.Abs(med));
            foreach (var (s, i) in means)
            {
                if (s.Mean < q1 - (3 * iqr) || s.Mean > q3 + (3 * iqr))
                {
                    outliers.Add(i);
                }
            }
        }

        var values = new List<double>();
        foreach (var (s, i) in means.Where(t => !outliers.Contains(t.i)))
        {
            values.Add(s.Mean - (s.Count > 1 ? s.Std : 0));
            values.Add(s.Mean + (s.Count > 1 ? s.Std : 0));
        }

        if (reference.HasValue)
        {
            values.Add(reference.Mean - (reference.Count > 1 ? reference.Std : 0));
            values.Add(reference.Mean + (reference.Count > 1 ? reference.Std : 0));
        }
        else if (zeroReference)
        {
            values.Add(0);
        }

        values = [.. values.Where(double.IsFinite)];
        if (values.Count == 0)
        {
            return (0, 1, outliers);
        }

        if (outliers.Count > 0)
        {
            // Clip only when it pays: the outliers must stretch the range to over 2.5 times the rest's span.
            var all = values.Concat(outliers.Select(i => stats[i].Mean)).ToList();
            var coreSpan = Math.Max(values.Max() - values.Min(), 1e-12);
            if (all.Max() - all.Min() <= 2.5 * coreSpan)
            {
                foreach (var i in outliers)
                {
                    values.Add(stats[i].Mean - (stats[i].Count > 1 ? stats[i].Std : 0));
                    values.Add(stats[i].Mean + (stats[i].Count > 1 ? stats[i].Std : 0));
                }

                outliers.Clear();
                values = [.. values.Where(double.IsFinite)];
            }
        }

        var lo = values.Min();
        var hi = values.Max();
        var span = hi - lo;
        if (span <= 0)
        {
            span = Math.Max(Math.Abs(hi) * 0.02, 1e-3);
        }

        var padLo = span * (outliers.Any(i => stats[i].Mean < lo) ? 0.22 : 0.08);
        var padHi = span * (outliers.Any(i => stats[i].Mean > hi) ? 0.22 : 0.08);
        return (lo - padLo, hi + padHi, outliers);
    }

    private static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        var pos = q * (sorted.Count - 1);
        var i = (int)Math.Floor(pos);
        var frac = pos - i;
        return i + 1 < sorted.Count ? sorted[i] + (frac * (sorted[i + 1] - sorted[i])) : sorted[i];
    }

    private static void DrawVerticalReference(List<Dictionary<string, object?>> shapes, string xa, MeanStd reference, bool zeroReference)
    {
        var r = reference.HasValue ? reference : zeroReference ? new MeanStd(0, 0, 1) : default;
        if (!r.HasValue)
        {
            return;
        }

        if (r.Count > 1 && r.Std > 0)
        {
            shapes.Add(Band(xa, "paper", r.Mean - r.Std, 0, r.Mean + r.Std, 1, FigureStyle.ReferenceBand));
        }

        shapes.Add(Line(xa, "paper", r.Mean, 0, r.Mean, 1, FigureStyle.ReferenceColor));
    }

    private static void DrawHorizontalReference(List<Dictionary<string, object?>> shapes, string xa, string ya, MeanStd r)
    {
        var xref = xa + " domain";
        if (r.Count > 1 && r.Std > 0)
        {
            shapes.Add(Band(xref, ya, 0, r.Mean - r.Std, 1, r.Mean + r.Std, FigureStyle.ReferenceBand));
        }

        shapes.Add(Line(xref, ya, 0, r.Mean, 1, r.Mean, FigureStyle.ReferenceColor));
    }

    private static string ReferenceLegend(IReadOnlyList<MeanStd> stats)
    {
        var n = stats.Where(s => s.HasValue).Select(s => s.Count).DefaultIfEmpty(0).Max();
        return n > 1 ? $"Retrain (mean, band ± 1 std over {n} seeds)" : n == 1 ? "Retrain (single seed)" : "Retrain (0 by definition)";
    }

    private static void AddNote(List<Dictionary<string, object?>> annotations, string? note)
    {
        if (note is not null)
        {
            annotations.Add(Note(note, 1, 1.005));
        }
    }

    private static Dictionary<string, object?> LegendAbove() =>
        O(("orientation", "h"), ("x", 0), ("xanchor", "left"), ("y", 1.0), ("yanchor", "bottom"), ("font", O(("size", 8))), ("tracegroupgap", 0), ("bgcolor", "rgba(255,255,255,0)"));

    private static Dictionary<string, object?> LegendBelow() =>
        O(("orientation", "h"), ("x", 0), ("xanchor", "left"), ("y", -0.2), ("yanchor", "top"), ("font", O(("size", 8))), ("tracegroupgap", 0), ("bgcolor", "rgba(255,255,255,0)"));

    private static string Number(double v) =>
        !double.IsFinite(v) ? "n/a" : Math.Abs(v) >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture)
            : Math.Abs(v) >= 10 ? v.ToString("F1", CultureInfo.InvariantCulture)
            : Math.Abs(v) >= 1 ? v.ToString("F2", CultureInfo.InvariantCulture) : v.ToString("F3", CultureInfo.InvariantCulture);

    private static bool IsReference(ResultRow r) => IsReference(r.Method);

    private static bool IsReference(string method) => string.Equals(method, MethodOrder.DefaultReference, StringComparison.OrdinalIgnoreCase);

    // A method's marker; a variant of it (e.g. "ft [tuned]", drawn in the method's colour) takes the open form of the marker.
    internal static string Marker(MethodStyle style, string label, string method) =>
        !string.Equals(label, method, StringComparison.OrdinalIgnoreCase) && !style.Marker.EndsWith("-open", StringComparison.Ordinal)
            ? style.Marker + "-open"
            : style.Marker;

    // The display label: the style's label for a plain method, "Label [variant]" for a method with a variant, and a
    // label of its own (a tuned IAU row, "iau-tuned", is not the paper's IAU) as it is.
    internal static string Label(string label, string method, IReadOnlyDictionary<string, MethodStyle> styles)
    {
        var pretty = styles.TryGetValue(method, out var s) ? s.Label : method;
        return string.Equals(label, method, StringComparison.OrdinalIgnoreCase) ? pretty
            : label.StartsWith(method + " [", StringComparison.OrdinalIgnoreCase) ? pretty + label[method.Length..]
            : label;
    }

    private static List<ResultRow> Materialise(IEnumerable<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("No result rows to chart.", nameof(rows));
        }

        return list;
    }

    private static MeanStd Aggregate(IEnumerable<ResultRow> rows, string metric) =>
        MeanStd.Of(rows.Select(r => r.Metrics.TryGetValue(metric, out var v) ? v : double.NaN));

    // Groups by method, and by variant too when the rows hold several; labels as in SummaryTable.
    /// <summary>The default size of <see cref="MetricBars"/>: one row of markers per method and variant, 0.16 in each.</summary>
    internal static FigureSize MetricBarsSize(int points) => FigureSize.DoubleColumn(Math.Max(1.6, 0.75 + (0.16 * points)));

    internal static List<(string Label, string Method, List<ResultRow> Rows)> GroupByMethodAndVariant(
        List<ResultRow> rows, IReadOnlyList<string>? methodOrder)
    {
        var split = rows.Select(r => r.Variant ?? "").Distinct(StringComparer.Ordinal).Count() > 1;
        var result = new List<(string, string, List<ResultRow>)>();
        foreach (var method in MethodOrder.Arrange(rows.Select(r => r.Method), methodOrder))
        {
            var ofMethod = rows.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)).ToList();
            if (!split)
            {
                result.Add((method, method, ofMethod));
                continue;
            }

            foreach (var g in ofMethod.GroupBy(r => r.Variant ?? "").OrderBy(g => g.Key, MethodOrder.VariantComparer))
            {
                result.Add((new SummaryRowKey(method, g.Key).Label, method, g.ToList()));
            }
        }

        return result;
    }
}
