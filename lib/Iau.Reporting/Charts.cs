using System.Globalization;
using Iau.Evaluation;
using static Iau.Reporting.PlotlyFigure;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>
/// Plotly.NET charts of experiment results in the kit's figure style (<see cref="FigureStyle"/>): white
/// background, a fixed colour, marker and dash per method, Retrain drawn as a dashed black reference line with
/// a grey ± std band wherever methods are compared to it, error bars of ± 1 sample std over seeds where a
/// quantity has more than one seed and a note saying so where it has one, and axis ranges fitted to the data
/// (not from zero). Methods appear in the order of <see cref="MethodOrder"/>. Missing or non-finite values are
/// left out rather than drawn as zeros.
/// </summary>
public static partial class Charts
{
    /// <summary>The metrics of <see cref="MetricBars"/> when none are named: the accuracy-scale ones.</summary>
    public static IReadOnlyList<string> DefaultBarMetrics { get; } = [Metric.TA, Metric.RA, Metric.FA, Metric.UA, Metric.MiaShadow, Metric.MiaEntropy];

    /// <summary>False-positive rates at which <see cref="Roc"/> marks the true-positive rate (1% and 0.1%).</summary>
    public static IReadOnlyList<double> LowFprLevels { get; } = [0.01, 0.001];

    /// <summary>The display name of a metric, from the catalog ("MIA_shadow" → "MIA (shadow)", "AvgGap" → "Avg Gap", …).</summary>
    public static string MetricLabel(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return Metric.Label(metric);
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
    public static bool IsDistanceToReference(string metric) => Metric.IsToReference(metric);

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

    // A trade-off legend entry: its text width, and its whole width with the marker (measured on the exported figures).
    private const int TradeOffEntryText = 110;
    private const int TradeOffEntry = 155;

    // The rows of a trade-off-style legend below the plot (also the forgetting-against-utility figure's).
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
