using System.Globalization;
using System.Text;
using System.Text.Json;
using Deedle.Internal;
using Iau.Reporting;
using Plotly.NET;

namespace Iau.Notebooks;

/// <summary>
/// Formatters for the kit's output types. Deedle frames and series: an HTML table (first and last rows when
/// long) plus Deedle's own text. Plotly.NET charts: a PNG rendered by headless Chromium (through
/// <see cref="FigureExporter"/>, one browser per run) plus a one-line text/plain summary; without Chromium, the
/// summary and a short HTML note. plotly.js is never inlined into a notebook: interactive HTML belongs in
/// figures/ (<see cref="FigureExport.WriteHtml"/>), not in committed outputs.
/// </summary>
public static class KitFormatters
{
    /// <summary>Rows shown at the start and at the end of a long frame.</summary>
    public const int FrameRows = 10;

    /// <summary>Columns shown of a wide frame.</summary>
    public const int FrameColumns = 20;

    /// <summary>Default chart image size when the chart's layout sets none.</summary>
    public const int DefaultWidth = 700;

    /// <inheritdoc cref="DefaultWidth"/>
    public const int DefaultHeight = 450;

    private const string ExporterKey = "iau.plotly.exporter";
    private static int _registered;

    /// <summary>Registers the formatters once per process.</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0)
        {
            return;
        }

        NotebookFormatters.Register(typeof(IFrameFormattable), (value, _) => FormatFrame((IFrameFormattable)value));
        NotebookFormatters.Register(typeof(ISeriesFormattable), (value, _) => FormatSeries((ISeriesFormattable)value));
        NotebookFormatters.Register<GenericChart>((chart, ctx) => FormatChart(chart, ctx));
    }

    /// <summary>A Deedle frame as text/html (a table) and text/plain (Deedle's format).</summary>
    public static IReadOnlyDictionary<string, string> FormatFrame(IFrameFormattable frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var grid = frame.InteractiveFormat(FrameRows * 2, FrameColumns, false);
        var colLevels = Math.Max(1, frame.GetColLevels());
        var rowLevels = Math.Max(1, frame.GetRowLevels());
        var (rows, cols) = frame.GetDimensions();
        var sb = new StringBuilder("<table class=\"iau-frame\">");
        sb.Append("<thead>");
        foreach (var header in grid.Take(colLevels))
        {
            sb.Append("<tr>");
            for (var i = 0; i < header.Length; i++)
            {
                if (i == rowLevels)
                {
                    continue;
                }

                sb.Append("<th>").Append(Html.Encode(header[i])).Append("</th>");
            }

            sb.Append("</tr>");
        }

        sb.Append("</thead><tbody>");
        foreach (var row in grid.Skip(colLevels))
        {
            sb.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
            {
                if (i == rowLevels)
                {
                    continue;
                }

                var tag = i < rowLevels ? "th" : "td";
                sb.Append('<').Append(tag).Append('>').Append(Html.Encode(row[i])).Append("</").Append(tag).Append('>');
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{rows} rows × {cols} columns</p>");
        var text = frame is IFsiFormattable fsi ? fsi.Format() : string.Join("\n", grid.Select(r => string.Join(" ", r)));
        return new Dictionary<string, string>
        {
            [MimeTypes.Html] = sb.ToString(),
            [MimeTypes.PlainText] = text,
        };
    }

    /// <summary>A Deedle series as text/html (key → value table) and text/plain.</summary>
    public static IReadOnlyDictionary<string, string> FormatSeries(ISeriesFormattable series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = series.InteractiveFormat(FrameRows * 2);
        var levels = Math.Max(1, series.GetKeyLevels());
        var sb = new StringBuilder("<table class=\"iau-series\"><tbody>");
        foreach (var row in grid)
        {
            sb.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
            {
                if (i == levels && row.Length > levels + 1)
                {
                    continue;
                }

                var tag = i < levels ? "th" : "td";
                sb.Append('<').Append(tag).Append('>').Append(Html.Encode(row[i])).Append("</").Append(tag).Append('>');
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{series.GetKeyCount()} values</p>");
        var text = series is IFsiFormattable fsi ? fsi.Format() : string.Join("\n", grid.Select(r => string.Join(" ", r)));
        return new Dictionary<string, string>
        {
            [MimeTypes.Html] = sb.ToString(),
            [MimeTypes.PlainText] = text,
        };
    }

    /// <summary>
    /// A Plotly.NET chart: image/png (when <see cref="FormatContext.RenderImages"/> and Chromium works) and a
    /// text/plain summary; otherwise the summary and a short text/html note. Never plotly.js.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FormatChart(GenericChart chart, FormatContext context)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(context);
        var (summary, width, height) = Describe(chart);
        var bundle = new Dictionary<string, string> { [MimeTypes.PlainText] = summary };
        string reason;
        if (context.RenderImages)
        {
            var exporter = context.GetOrAdd(ExporterKey, () =>
                FigureExporter.StartAsync(new ImageExportOptions { Svg = false }, context.CancellationToken).GetAwaiter().GetResult());
            if (exporter.IsAvailable)
            {
                var basePath = Path.Combine(Path.GetTempPath(), "iau-notebook-" + Guid.NewGuid().ToString("N")[..12]);
                try
                {
                    var result = exporter.TryWriteImagesAsync(chart, basePath, width, height, context.CancellationToken).GetAwaiter().GetResult();
                    if (result.PngPath is { } png && File.Exists(png))
                    {
                        bundle[MimeTypes.Png] = System.Convert.ToBase64String(File.ReadAllBytes(png));
                        return bundle;
                    }

                    reason = result.Message;
                }
                finally
                {
                    foreach (var ext in new[] { ".png", ".svg" })
                    {
                        File.Delete(basePath + ext);
                    }
                }
            }
            else
            {
                reason = exporter.Message;
            }
        }
        else
        {
            reason = "image rendering is off for this run";
        }

        bundle[MimeTypes.Html] =
            $"<div class=\"iau-chart-placeholder\"><b>{Html.Encode(summary)}</b><br/>" +
            $"Not embedded: notebooks carry chart images, never plotly.js ({Html.Encode(reason)}). " +
            "Write interactive HTML with Iau.Reporting.FigureExport.WriteHtml.</div>";
        return bundle;
    }

    private static (string Summary, int Width, int Height) Describe(GenericChart chart)
    {
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
