using Iau.Experiments;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using CsChart = Plotly.NET.CSharp.Chart;
using FsChart = Plotly.NET.Chart;

namespace Iau.Reporting;

/// <summary>
/// Plotly.NET charts of experiment results. Every chart has a title and axis titles; methods appear in the
/// stable order of <see cref="MethodOrder"/>. Aggregation over seeds is mean ± sample std (<see cref="MeanStd"/>);
/// missing or non-finite values are left out rather than drawn as zeros.
/// </summary>
public static class Charts
{
    /// <summary>The metrics of <see cref="MetricBars"/> when none are named: the accuracy-scale ones.</summary>
    public static IReadOnlyList<string> DefaultBarMetrics { get; } = ["TA", "RA", "FA", "UA", "MIA_shadow", "MIA_entropy"];

    /// <summary>
    /// Grouped bars: one group per metric on the x axis, one bar (trace) per method — or per "method [variant]"
    /// when the rows hold several variants — at the mean over seeds, with ± std error bars.
    /// </summary>
    /// <param name="rows">Rows of one setting (experiment, dataset, model).</param>
    /// <param name="metrics">Metrics to show (default: those of <see cref="DefaultBarMetrics"/> present in the rows).</param>
    /// <param name="title">Chart title.</param>
    /// <param name="methodOrder">Method order (default alphabetical with Retrain first).</param>
    public static GenericChart MetricBars(
        IEnumerable<ResultRow> rows, IReadOnlyList<string>? metrics = null, string? title = null,
        IReadOnlyList<string>? methodOrder = null)
    {
        var list = Materialise(rows);
        var present = list.SelectMany(r => r.Metrics.Keys).ToHashSet(StringComparer.Ordinal);
        metrics ??= [.. DefaultBarMetrics.Where(present.Contains)];
        if (metrics.Count == 0)
        {
            throw new ArgumentException("None of the metrics to chart is present in the rows.", nameof(metrics));
        }

        var traces = new List<GenericChart>();
        foreach (var (label, group) in GroupByMethodAndVariant(list, methodOrder))
        {
            var keys = new List<string>();
            var means = new List<double>();
            var stds = new List<double>();
            foreach (var metric in metrics)
            {
                var s = Aggregate(group, metric);
                if (s.HasValue)
                {
                    keys.Add(metric);
                    means.Add(s.Mean);
                    stds.Add(s.Std);
                }
            }

            if (keys.Count == 0)
            {
                continue;
            }

            var bar = CsChart.Column<double, string, string>(values: means, Keys: keys, Name: label);
            traces.Add(WithYError(bar, stds));
        }

        return Finish(
            Combine(traces),
            title ?? "Metrics by method (mean ± std over seeds)",
            "Metric",
            "Value");
    }

    /// <summary>
    /// Trade-off scatter: one point (trace) per method at (mean <paramref name="xMetric"/>, mean
    /// <paramref name="yMetric"/>), with ± std error bars on both axes and the x axis on a log scale. Methods
    /// without a positive x value (a log axis cannot show them) are left out.
    /// </summary>
    /// <param name="rows">Rows of one setting.</param>
    /// <param name="yMetric">Utility or forgetting metric, e.g. "TA" or "AvgGap".</param>
    /// <param name="xMetric">Cost metric, by default "RTE" (seconds).</param>
    /// <param name="title">Chart title.</param>
    /// <param name="methodOrder">Method order.</param>
    public static GenericChart TradeOff(
        IEnumerable<ResultRow> rows, string yMetric = "TA", string xMetric = "RTE", string? title = null,
        IReadOnlyList<string>? methodOrder = null)
    {
        var list = Materialise(rows);
        var traces = new List<GenericChart>();
        foreach (var (label, group) in GroupByMethodAndVariant(list, methodOrder))
        {
            var x = Aggregate(group, xMetric);
            var y = Aggregate(group, yMetric);
            if (!x.HasValue || !y.HasValue || x.Mean <= 0)
            {
                continue;
            }

            var point = CsChart.Point<double, double, string>(
                x: [x.Mean], y: [y.Mean], Name: label, Text: label,
                TextPosition: StyleParam.TextPosition.TopCenter);
            point = WithYError(point, [y.Std]);
            point = WithXError(point, [x.Std]);
            traces.Add(point);
        }

        var xTitle = string.Equals(xMetric, "RTE", StringComparison.OrdinalIgnoreCase)
            ? "RTE: unlearning time (s, log scale)"
            : $"{xMetric} (log scale)";
        return Finish(
            Combine(traces),
            title ?? $"Trade-off: {yMetric} vs. {xMetric}",
            xTitle,
            yMetric,
            logX: true);
    }

    /// <summary>
    /// Sweep: one line (trace) per method through (parameter value, mean metric) with ± std error bars, the
    /// parameter read from each row's variant (e.g. "alpha=0.005" → 0.005; see <see cref="VariantParameter"/>).
    /// A method whose rows carry no such parameter (e.g. Retrain run once) is drawn as a flat dashed line at its
    /// mean across the sweep's range, named "method (reference)".
    /// </summary>
    /// <param name="rows">Rows of one setting.</param>
    /// <param name="metric">Metric on the y axis.</param>
    /// <param name="parameter">Variant parameter on the x axis; null for the first parameter of each variant.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logX">Whether the x axis is logarithmic (useful for α sweeps).</param>
    /// <param name="methodOrder">Method order.</param>
    public static GenericChart Sweep(
        IEnumerable<ResultRow> rows, string metric, string? parameter = null, string? title = null, bool logX = false,
        IReadOnlyList<string>? methodOrder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
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
        var series = new List<(string Method, double[] X, MeanStd[] Y)>();
        var flat = new List<(string Method, MeanStd Y)>();
        foreach (var method in methods)
        {
            var rowsOfMethod = list.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)).ToList();
            var points = rowsOfMethod
                .Select(r => (Ok: TryValue(r, out var v), X: v, Row: r))
                .Where(t => t.Ok && double.IsFinite(t.X) && (!logX || t.X > 0))
                .GroupBy(t => t.X)
                .OrderBy(g => g.Key)
                .Select(g => (X: g.Key, Y: Aggregate(g.Select(t => t.Row), metric)))
                .Where(p => p.Y.HasValue)
                .ToList();
            if (points.Count > 0)
            {
                series.Add((method, [.. points.Select(p => p.X)], [.. points.Select(p => p.Y)]));
            }
            else if (Aggregate(rowsOfMethod, metric) is { HasValue: true } reference)
            {
                flat.Add((method, reference));
            }
        }

        var traces = new List<GenericChart>();
        foreach (var (method, x, y) in series)
        {
            var line = CsChart.Line<double, double, string>(x: x, y: y.Select(s => s.Mean), ShowMarkers: true, Name: method);
            traces.Add(WithYError(line, y.Select(s => s.Std)));
        }

        if (series.Count > 0)
        {
            var xMin = series.Min(s => s.X[0]);
            var xMax = series.Max(s => s.X[^1]);
            foreach (var (method, y) in flat)
            {
                var line = CsChart.Line<double, double, string>(
                    x: [xMin, xMax], y: [y.Mean, y.Mean], Name: $"{method} (reference)",
                    LineDash: StyleParam.DrawingStyle.Dash);
                traces.Add(line);
            }
        }

        var xTitle = string.IsNullOrEmpty(paramName) ? "Parameter" : paramName;
        return Finish(
            Combine(traces),
            title ?? $"{metric} vs. {xTitle}",
            logX ? $"{xTitle} (log scale)" : xTitle,
            metric,
            logX: logX);
    }

    /// <summary>
    /// ROC curves: one line (trace) per named (FPR, TPR) series, its legend entry carrying the area under the
    /// curve (trapezoid rule), plus a dashed chance diagonal when <paramref name="showChance"/>.
    /// </summary>
    public static GenericChart Roc(
        IEnumerable<(string Name, IReadOnlyList<double> Fpr, IReadOnlyList<double> Tpr)> series, string? title = null,
        bool showChance = true)
    {
        ArgumentNullException.ThrowIfNull(series);
        var traces = new List<GenericChart>();
        foreach (var (name, fpr, tpr) in series)
        {
            ArgumentNullException.ThrowIfNull(fpr);
            ArgumentNullException.ThrowIfNull(tpr);
            if (fpr.Count != tpr.Count)
            {
                throw new ArgumentException($"ROC series '{name}': {fpr.Count} FPR values but {tpr.Count} TPR values.", nameof(series));
            }

            var auc = Auc(fpr, tpr);
            var label = double.IsFinite(auc) ? $"{name} (AUC {auc:F3})" : name;
            traces.Add(CsChart.Line<double, double, string>(x: fpr, y: tpr, Name: label));
        }

        if (showChance)
        {
            traces.Add(CsChart.Line<double, double, string>(
                x: [0.0, 1.0], y: [0.0, 1.0], Name: "chance", LineDash: StyleParam.DrawingStyle.Dash));
        }

        return Finish(Combine(traces), title ?? "ROC", "False positive rate", "True positive rate");
    }

    /// <summary>
    /// Ground-truth error of the convex experiment: x = number of samples removed, one line (trace) per method
    /// (e.g. IAU, influence, certified removal) with its error against exact retraining.
    /// </summary>
    /// <param name="removed">Numbers of samples removed (the x values, shared by all series).</param>
    /// <param name="series">Named error series, each as long as <paramref name="removed"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="logY">Whether the y axis is logarithmic (non-positive errors are then left out).</param>
    public static GenericChart RemovalError(
        IReadOnlyList<double> removed, IEnumerable<(string Name, IReadOnlyList<double> Error)> series,
        string? title = null, string yTitle = "Error vs. exact retraining", bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(series);
        var traces = new List<GenericChart>();
        foreach (var (name, error) in series)
        {
            ArgumentNullException.ThrowIfNull(error);
            if (error.Count != removed.Count)
            {
                throw new ArgumentException($"Series '{name}' has {error.Count} values for {removed.Count} removal counts.", nameof(series));
            }

            var keep = Enumerable.Range(0, removed.Count)
                .Where(i => double.IsFinite(removed[i]) && double.IsFinite(error[i]) && (!logY || error[i] > 0))
                .ToList();
            traces.Add(CsChart.Line<double, double, string>(
                x: keep.Select(i => removed[i]), y: keep.Select(i => error[i]), ShowMarkers: true, Name: name));
        }

        return Finish(
            Combine(traces),
            title ?? "Error against exact retraining",
            "Number of samples removed",
            logY ? $"{yTitle} (log scale)" : yTitle,
            logY: logY);
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
    private static List<(string Label, List<ResultRow> Rows)> GroupByMethodAndVariant(
        List<ResultRow> rows, IReadOnlyList<string>? methodOrder)
    {
        var split = rows.Select(r => r.Variant ?? "").Distinct(StringComparer.Ordinal).Count() > 1;
        var result = new List<(string, List<ResultRow>)>();
        foreach (var method in MethodOrder.Arrange(rows.Select(r => r.Method), methodOrder))
        {
            var ofMethod = rows.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)).ToList();
            if (!split)
            {
                result.Add((method, ofMethod));
                continue;
            }

            foreach (var g in ofMethod.GroupBy(r => r.Variant ?? "").OrderBy(g => g.Key, MethodOrder.VariantComparer))
            {
                result.Add((new SummaryRowKey(method, g.Key).Label, g.ToList()));
            }
        }

        return result;
    }

    // Plotly.NET's F# styling members take every argument (None = null) from C#.
    private static GenericChart WithYError(GenericChart chart, IEnumerable<double> std) =>
        FsChart.withYErrorStyle<double, double>(
            Visible: null, Type: FSharpOption<StyleParam.ErrorType>.Some(StyleParam.ErrorType.Data),
            Symmetric: FSharpOption<bool>.Some(true), Array: FSharpOption<IEnumerable<double>>.Some(std.ToArray()),
            Arrayminus: null, Value: null, Valueminus: null, Traceref: null, Tracerefminus: null, Copy_ystyle: null,
            Color: null, Thickness: null, Width: null).Invoke(chart);

    private static GenericChart WithXError(GenericChart chart, IEnumerable<double> std) =>
        FsChart.withXErrorStyle<double, double>(
            Visible: null, Type: FSharpOption<StyleParam.ErrorType>.Some(StyleParam.ErrorType.Data),
            Symmetric: FSharpOption<bool>.Some(true), Array: FSharpOption<IEnumerable<double>>.Some(std.ToArray()),
            Arrayminus: null, Value: null, Valueminus: null, Traceref: null, Tracerefminus: null, Copy_ystyle: null,
            Color: null, Thickness: null, Width: null).Invoke(chart);

    private static GenericChart Combine(List<GenericChart> traces) =>
        traces.Count == 0 ? CsChart.Invisible() : CsChart.Combine(traces);

    private static GenericChart Finish(
        GenericChart chart, string title, string xTitle, string yTitle, bool logX = false, bool logY = false)
    {
        chart = FsChart.withTitle(title, TitleFont: null).Invoke(chart);
        return chart
            .WithXAxisStyle<double, double, string>(
                TitleText: xTitle, AxisType: logX ? StyleParam.AxisType.Log : StyleParam.AxisType.Auto)
            .WithYAxisStyle<double, double, string>(
                TitleText: yTitle, AxisType: logY ? StyleParam.AxisType.Log : StyleParam.AxisType.Auto);
    }
}
