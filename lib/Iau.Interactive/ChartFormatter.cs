using System.Globalization;
using System.Text;
using System.Text.Json;
using Plotly.NET;

namespace Iau.Interactive;

/// <summary>
/// Plotly.NET charts in notebooks: an interactive chart (text/html: the figure's JSON drawn by plotly.js, loaded
/// from the plotly CDN, or with require.js where the front end has it) that carries the same chart as a PNG
/// (<c>&lt;img&gt;</c>, removed once plotly.js has drawn the chart), plus the PNG alone (image/png) and a one-line
/// summary (text/plain). A viewer that runs no scripts — GitHub, or an editor offline — shows the PNG; an editor
/// shows the interactive chart. plotly.js itself (3.6 MB) is never written into a notebook.
/// </summary>
public static class ChartFormatter
{
    /// <summary>The plotly.js the page loads: the version Plotly.NET 6.0.0 embeds and targets.</summary>
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.28.0.min";

    /// <summary>Image size when the chart's layout sets none.</summary>
    public const int DefaultWidth = 700;

    /// <inheritdoc cref="DefaultWidth"/>
    public const int DefaultHeight = 450;

    /// <summary>
    /// The largest figure JSON embedded for the interactive chart (150 KB): a chart with more data (e.g. ROC curves
    /// over thousands of points) is shown as its PNG only, so that no output exceeds 300 KB.
    /// </summary>
    public const int MaxFigureJsonBytes = 150_000;

    /// <summary>The interactive chart with the PNG fallback inside (<paramref name="png"/> null: no fallback).</summary>
    public static string Html(GenericChart chart, byte[]? png)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var (summary, _, _) = Describe(chart);
        var id = Guid.NewGuid().ToString("N")[..12];
        var json = GenericChart.toFigureJson(chart).Replace("</", "<\\/", StringComparison.Ordinal);
        var sb = new StringBuilder("<div class=\"iau-chart\">");
        if (png is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<img id=\"iau-png-{id}\" alt=\"{HtmlText.Encode(summary)}\" src=\"data:image/png;base64,")
              .Append(Convert.ToBase64String(png)).Append("\"/>");
        }

        if (Encoding.UTF8.GetByteCount(json) > MaxFigureJsonBytes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p><i>{HtmlText.Encode(summary)}: the interactive version is left out of the notebook ")
              .Append(CultureInfo.InvariantCulture, $"(figure data over {MaxFigureJsonBytes / 1000} KB); Iau.Reporting.FigureExport.WriteHtml writes it to a file.</i></p></div>");
            return sb.ToString();
        }

        sb.Append(CultureInfo.InvariantCulture, $"<div id=\"iau-plot-{id}\"></div>");
        sb.Append("<script type=\"text/javascript\">(function () {\n")
          .Append("var fig = ").Append(json).Append(";\n")
          .Append(CultureInfo.InvariantCulture, $"function draw(P) {{ P.newPlot('iau-plot-{id}', fig.data || [], fig.layout || {{}}, {{ responsive: true }}).then(function () {{ var i = document.getElementById('iau-png-{id}'); if (i) {{ i.remove(); }} }}); }}\n")
          .Append("if (typeof Plotly !== 'undefined') { draw(Plotly); return; }\n")
          .Append(CultureInfo.InvariantCulture, $"if (typeof requirejs === 'function') {{ requirejs.config({{ paths: {{ iauplotly: '{PlotlyCdn}' }} }}); requirejs(['iauplotly'], draw, function () {{}}); return; }}\n")
          .Append(CultureInfo.InvariantCulture, $"var s = document.createElement('script'); s.src = '{PlotlyCdn}.js'; s.onload = function () {{ draw(window.Plotly); }}; document.head.appendChild(s);\n")
          .Append("})();</script></div>");
        return sb.ToString();
    }

    /// <summary>One line: title, trace count and size.</summary>
    public static string PlainText(GenericChart chart) => Describe(chart).Summary;

    /// <summary>The summary line and the image size (the layout's width and height, else the defaults).</summary>
    public static (string Summary, int Width, int Height) Describe(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var width = DefaultWidth;
        var height = DefaultHeight;
        string? title = null;
        var traces = 0;
        try
        {
            using var doc = JsonDocument.Parse(GenericChart.toFigureJson(chart));
            var root = doc.RootElement;
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                traces = data.GetArrayLength();
            }

            if (root.TryGetProperty("layout", out var layout) && layout.ValueKind == JsonValueKind.Object)
            {
                if (layout.TryGetProperty("width", out var w) && w.TryGetInt32(out var wi) && wi > 0)
                {
                    width = wi;
                }

                if (layout.TryGetProperty("height", out var h) && h.TryGetInt32(out var hi) && hi > 0)
                {
                    height = hi;
                }

                if (layout.TryGetProperty("title", out var t))
                {
                    title = t.ValueKind == JsonValueKind.String ? t.GetString()
                        : t.ValueKind == JsonValueKind.Object && t.TryGetProperty("text", out var tt) ? tt.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
            // The summary stays generic.
        }

        var name = string.IsNullOrWhiteSpace(title) ? "untitled" : $"\"{title}\"";
        return ($"Plotly chart {name}: {traces} trace{(traces == 1 ? string.Empty : "s")}, {width}×{height}", width, height);
    }
}
