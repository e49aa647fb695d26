using Iau.Evaluation;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

/// <summary>
/// Forgetting against utility, one point per compared row of a setting (<see cref="SettingComparison"/>): on x the
/// utility lost, TA_Retrain − TA (test-accuracy points below Retrain's; negative = above it), on y the share of the
/// original's forget-accuracy gap the row closes, 1 − (FA − FA_r)/(FA_o − FA_r) — or, where that share is n/a
/// because the original's gap is within noise, the signed FA − FA_Retrain. Error bars are the 95% bootstrap
/// intervals over the seeds. Retrain sits at (0, 1) (or (0, 0)) as a black star; the two controls, the untouched
/// original and the random-direction step, are drawn as points like any method and as reference lines at their
/// forgetting level (dotted and dash-dot), beside Retrain's (dashed).
/// </summary>
public static class ForgettingChart
{
    /// <summary>The chart, or null when the comparison has no row with both coordinates.</summary>
    public static GenericChart? Build(SettingComparison comparison, string title, FigureSize size, IReadOnlyList<string>? methodOrder = null)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var share = comparison.ShareDefined;
        Interval? Y(ComparisonEntry e) => share ? e.ShareClosed : e.FaGap;
        var order = MethodOrder.Arrange(comparison.Entries.Select(e => e.Method), methodOrder).ToList();
        var entries = comparison.Entries
            .Where(e => Y(e) is { } y && double.IsFinite(y.Value) && double.IsFinite(e.TaGap.Value))
            .OrderBy(e => order.FindIndex(m => string.Equals(m, e.Method, StringComparison.OrdinalIgnoreCase)))
            .ThenBy(e => e.Variant, MethodOrder.VariantComparer)
            .ToList();
        if (entries.Count == 0)
        {
            return null;
        }

        var styles = FigureStyle.Assign([MethodOrder.DefaultReference, .. entries.Select(e => e.Method)]);
        var traces = new List<Dictionary<string, object?>>();
        foreach (var e in entries)
        {
            var style = styles[e.Method];
            var y = Y(e)!;
            var x = e.TaGap;
            traces.Add(O(
                ("type", "scatter"), ("mode", "markers"), ("x", new[] { -x.Value }), ("y", new[] { y.Value }),
                ("name", Charts.Label(e.Label, e.Method, styles)), ("legendgroup", e.Method),
                ("marker", O(("color", style.Color), ("symbol", Charts.Marker(style, e.Label, e.Method)), ("size", 8), ("line", O(("color", style.Color), ("width", 1.2))))),
                ("error_x", Asymmetric(x.High - x.Value, x.Value - x.Low, style.Color, x.Low != x.High)),
                ("error_y", Asymmetric(y.High - y.Value, y.Value - y.Low, style.Color, y.Low != y.High))));
        }

        var retrain = styles[MethodOrder.DefaultReference];
        var target = share ? 1.0 : 0.0;
        traces.Add(O(
            ("type", "scatter"), ("mode", "markers"), ("x", new[] { 0.0 }), ("y", new[] { target }), ("name", retrain.Label), ("legendgroup", "reference"),
            ("marker", O(("color", retrain.Color), ("symbol", retrain.Marker), ("size", 10)))));
        var shapes = new List<Dictionary<string, object?>> { Line("paper", "y", 0, target, 1, target, FigureStyle.ReferenceColor) };
        foreach (var control in new[] { "original", "random-step" })
        {
            if (entries.FirstOrDefault(e => e.Method == control && e.Variant.Length == 0) is { } c)
            {
                shapes.Add(Line("paper", "y", 0, Y(c)!.Value, 1, Y(c)!.Value, styles[control].Color, styles[control].Dash));
            }
        }

        var layout = Layout(size, title, right: 8, bottom: 44 + (16 * Charts.TradeOffLegendRows(traces.Count, size)), exportTop: 14);
        layout["xaxis"] = Axis("Utility lost: TA_Retrain − TA");
        layout["yaxis"] = Axis(share ? "Share of the original's FA gap closed" : "FA − FA_Retrain");
        layout["shapes"] = shapes;
        layout["legend"] = O(("orientation", "h"), ("x", 0), ("xanchor", "left"), ("y", -0.18), ("yanchor", "top"), ("font", O(("size", 8))), ("bgcolor", "rgba(255,255,255,0)"));
        return PlotlyFigure.Build(traces, layout);
    }

    private static Dictionary<string, object?> Asymmetric(double plus, double minus, string color, bool visible) =>
        O(("type", "data"), ("symmetric", false), ("array", Ns([plus])), ("arrayminus", Ns([minus])), ("visible", visible), ("color", color), ("thickness", 1), ("width", 2));
}
