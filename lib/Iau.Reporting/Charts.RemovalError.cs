using Plotly.NET;
using static Iau.Reporting.PlotlyFigure;

namespace Iau.Reporting;

// The convex experiment's ground-truth error against the number of samples removed.
public static partial class Charts
{
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
}
