using Iau.Experiments;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

// The sweep lines: a metric against a swept parameter (forget ratio, α, requests), one line per method.
public static partial class Charts
{
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
}
