using System.Globalization;
using Plotly.NET;

namespace Iau.Reporting;

/// <summary>
/// Builds Plotly.NET charts from plain plotly.js attributes (dictionaries, arrays, numbers, strings), so that
/// every attribute of the kit's style (shapes, annotations, several panels, error bars, markers) is set in
/// one place without Plotly.NET's default template. Non-finite numbers become null (JSON has no NaN).
/// </summary>
internal static class PlotlyFigure
{
    /// <summary>An attribute object.</summary>
    public static Dictionary<string, object?> O(params (string Key, object? Value)[] attributes)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in attributes)
        {
            if (v is not null)
            {
                d[k] = v;
            }
        }

        return d;
    }

    /// <summary>A number, or null when it is not finite.</summary>
    public static object? N(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Numbers, non-finite ones as null.</summary>
    public static object?[] Ns(IEnumerable<double> values) => [.. values.Select(N)];

    /// <summary>A chart with these traces and this layout, without Plotly.NET's default template.</summary>
    public static GenericChart Build(IEnumerable<Dictionary<string, object?>> traces, Dictionary<string, object?> layout)
    {
        var objects = new List<Trace>();
        foreach (var t in traces)
        {
            var type = t.TryGetValue("type", out var ty) && ty is string s ? s : "scatter";
            var trace = new Trace2D(type);
            foreach (var (k, v) in t)
            {
                trace.SetProperty(k, v);
            }

            objects.Add(trace);
        }

        if (objects.Count == 0)
        {
            // An empty figure still needs one (invisible) trace for plotly.js to draw the axes.
            var empty = new Trace2D("scatter");
            empty.SetProperty("type", "scatter");
            empty.SetProperty("x", Array.Empty<double>());
            empty.SetProperty("y", Array.Empty<double>());
            empty.SetProperty("showlegend", false);
            objects.Add(empty);
        }

        var l = new Layout();
        foreach (var (k, v) in layout)
        {
            l.SetProperty(k, v);
        }

        var chart = GenericChart.ofTraceObjects(false, objects);
        return GenericChart.setLayout(l, chart);
    }

    /// <summary>
    /// The base layout of every figure: white paper and plot, the kit's font, fixed size, margins; the title
    /// is kept for interactive HTML and left out of PNG/SVG/PDF exports (where the caption carries it), which
    /// then use <paramref name="exportTop"/> as the top margin.
    /// </summary>
    public static Dictionary<string, object?> Layout(FigureSize size, string title, double left = 52, double right = 10, double bottom = 40, double exportTop = 8)
    {
        return O(
            ("width", size.WidthPixels),
            ("height", size.HeightPixels),
            ("paper_bgcolor", "#ffffff"),
            ("plot_bgcolor", "#ffffff"),
            ("font", O(("family", FigureStyle.FontFamily), ("size", FigureStyle.FontSize), ("color", "#000000"))),
            ("title", O(("text", title), ("font", O(("size", FigureStyle.FontSize + 1))), ("x", 0.01), ("xanchor", "left"), ("y", 0.995), ("yanchor", "top"))),
            ("margin", O(("l", left), ("r", right), ("t", exportTop + 18), ("b", bottom), ("pad", 0))),
            ("showlegend", true),
            ("hovermode", "closest"),
            ("meta", O(("exportMarginTop", exportTop))));
    }

    /// <summary>An axis in the kit's style: black frame, outside ticks, light grid.</summary>
    public static Dictionary<string, object?> Axis(string title, string type = "linear", object?[]? range = null, string? anchor = null, double[]? domain = null) =>
        O(
            ("title", O(("text", title), ("standoff", 4))),
            ("type", type),
            ("range", range),
            ("autorange", range is null ? true : null),
            ("anchor", anchor),
            ("domain", domain),
            ("showline", true),
            ("linecolor", "#000000"),
            ("linewidth", 1),
            ("mirror", true),
            ("ticks", "outside"),
            ("ticklen", 3),
            ("tickcolor", "#000000"),
            ("showgrid", true),
            ("gridcolor", FigureStyle.GridColor),
            ("zeroline", false),
            ("automargin", true),
            ("exponentformat", "power"));

    /// <summary>Symmetric error bars of the given half-widths; invisible when <paramref name="visible"/> is false.</summary>
    public static Dictionary<string, object?> Error(IEnumerable<double> halfWidths, string color, bool visible) =>
        O(("type", "data"), ("symmetric", true), ("array", Ns(halfWidths)), ("visible", visible), ("color", color), ("thickness", 1), ("width", 2));

    /// <summary>A line shape (dashed by default) in data or paper coordinates.</summary>
    public static Dictionary<string, object?> Line(string xref, string yref, double x0, double y0, double x1, double y1, string color, string dash = "dash", double width = 1.2) =>
        O(("type", "line"), ("xref", xref), ("yref", yref), ("x0", x0), ("y0", y0), ("x1", x1), ("y1", y1), ("layer", "above"),
            ("line", O(("color", color), ("width", width), ("dash", dash))));

    /// <summary>A filled band (no outline) drawn below the data.</summary>
    public static Dictionary<string, object?> Band(string xref, string yref, double x0, double y0, double x1, double y1, string fill) =>
        O(("type", "rect"), ("xref", xref), ("yref", yref), ("x0", x0), ("y0", y0), ("x1", x1), ("y1", y1), ("layer", "below"),
            ("fillcolor", fill), ("line", O(("width", 0))));

    /// <summary>A text note in paper coordinates.</summary>
    public static Dictionary<string, object?> Note(string text, double x, double y, string xanchor = "right", string yanchor = "bottom", double size = 8, string color = "#444444") =>
        O(("text", text), ("xref", "paper"), ("yref", "paper"), ("x", x), ("y", y), ("xanchor", xanchor), ("yanchor", yanchor),
            ("showarrow", false), ("font", O(("size", size), ("color", color))));

    /// <summary>An entry in the legend only (a line with no points), for references drawn as shapes.</summary>
    public static Dictionary<string, object?> LegendOnly(string name, string color, string dash, string xaxis = "x", string yaxis = "y") =>
        O(("type", "scatter"), ("mode", "lines"), ("x", new object?[] { null }), ("y", new object?[] { null }), ("name", name),
            ("legendgroup", "reference"), ("showlegend", true), ("xaxis", xaxis), ("yaxis", yaxis), ("hoverinfo", "skip"),
            ("line", O(("color", color), ("dash", dash), ("width", 1.2))));

    /// <summary>Axis id for panel <paramref name="i"/> (0-based): "x", "x2", …; <paramref name="layoutName"/> gives "xaxis", "xaxis2", ….</summary>
    public static string AxisId(char axis, int i, bool layoutName = false) =>
        (layoutName ? axis + "axis" : axis.ToString()) + (i == 0 ? "" : (i + 1).ToString(CultureInfo.InvariantCulture));

    /// <summary>Horizontal domains of <paramref name="count"/> side-by-side panels with a gap between them.</summary>
    public static double[][] Domains(int count, double gap)
    {
        var w = (1 - (gap * (count - 1))) / count;
        return [.. Enumerable.Range(0, count).Select(i => new[] { Math.Round(i * (w + gap), 6), Math.Round((i * (w + gap)) + w, 6) })];
    }
}
