using System.Globalization;
using Iau.Evaluation;
using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

// The ROC curves of a membership attack on log–log axes.
public static partial class Charts
{
    /// <summary>
    /// ROC curves of a membership attack on log–log axes (membership-inference papers read the low-FPR regime):
    /// one line per named (FPR, TPR) series in the method's colour and dash, its legend entry carrying the area
    /// under the curve and the TPR at 1% and 0.1% FPR (<see cref="RocCurve.TprAtFprOf"/>; "n/r", not resolved, when the
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

            var auc = RocCurve.AreaOf(fpr, tpr);
            var marks = LowFprLevels.Select(level =>
            {
                var (value, exact) = RocCurve.TprAtFprOf(fpr, tpr, level);
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
}
