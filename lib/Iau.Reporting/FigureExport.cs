using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Plotly.NET;

namespace Iau.Reporting;

/// <summary>
/// Writes Plotly.NET charts to disk: self-contained HTML (plotly.js inline, no network) and PNG/SVG images
/// rendered by headless Chromium. Images need Debian's chromium (/usr/bin/chromium); without it the image
/// calls return a result that says so instead of throwing. For many charts use <see cref="FigureExporter"/>
/// (or the batch overload here), which starts the browser once.
/// </summary>
public static partial class FigureExport
{
    /// <summary>The manifest resource of Plotly.NET.dll that holds plotly.js.</summary>
    public const string PlotlyJsResource = "Plotly.NET.plotly-2.28.0.min.js";

    private static readonly Lazy<string> PlotlyJsSource = new(LoadPlotlyJs);

    /// <summary>The plotly.js bundle that ships inside Plotly.NET.dll (version 2.28.0), as JavaScript text.</summary>
    public static string PlotlyJs => PlotlyJsSource.Value;

    /// <summary>
    /// plotly.js made safe to place between &lt;script&gt; tags: any "&lt;/script" inside it is written
    /// "&lt;\/script", which JavaScript reads the same.
    /// </summary>
    public static string PlotlyJsForInlineScript => PlotlyJs.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The chart as a complete HTML document that needs no network: Plotly.NET's own page, with every
    /// &lt;script src="…plotly…"&gt; reference replaced by plotly.js inline.
    /// </summary>
    /// <param name="chart">The chart.</param>
    /// <param name="documentTitle">The page's &lt;title&gt;; null keeps Plotly.NET's.</param>
    public static string ToSelfContainedHtml(GenericChart chart, string? documentTitle = null)
    {
        ArgumentNullException.ThrowIfNull(chart);
        // Titled before inlining: plotly.js itself holds a "<title>" (its SVG logo).
        return InlinePlotly(TitledHtml(chart, documentTitle));
    }

    /// <summary>
    /// Replaces the plotly.js &lt;script src=…&gt; tags of an HTML page by one inline copy (inserted where the
    /// first was, else at the end of &lt;head&gt;, else at the start). Other content is kept as it is.
    /// </summary>
    public static string InlinePlotly(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return WithPlotlyScript(html, "<script type=\"text/javascript\">" + PlotlyJsForInlineScript + "</script>");
    }

    /// <summary>Plotly.NET's page of the chart, with <paramref name="documentTitle"/> (HTML-encoded) as its first &lt;title&gt; when given.</summary>
    private static string TitledHtml(GenericChart chart, string? documentTitle)
    {
        var html = GenericChart.toEmbeddedHTML(chart);
        if (documentTitle is null)
        {
            return html;
        }

        var encoded = "<title>" + WebUtility.HtmlEncode(documentTitle) + "</title>";
        return TitleTag().Replace(html, _ => encoded, 1);
    }

    /// <summary>
    /// <paramref name="html"/> with its plotly.js &lt;script src=…&gt; tags replaced by one <paramref name="tag"/>
    /// (where the first was, else at the end of &lt;head&gt;, else at the start).
    /// </summary>
    private static string WithPlotlyScript(string html, string tag)
    {
        var inserted = false;
        var result = PlotlyScriptTag().Replace(html, _ =>
        {
            if (inserted)
            {
                return "";
            }

            inserted = true;
            return tag;
        });
        if (inserted)
        {
            return result;
        }

        var head = result.IndexOf("</head>", StringComparison.OrdinalIgnoreCase);
        return head >= 0 ? result.Insert(head, tag) : tag + result;
    }

    /// <summary>
    /// Writes the chart as self-contained HTML (see <see cref="ToSelfContainedHtml"/>) atomically: to a
    /// temporary file beside <paramref name="path"/>, then moved over it. Creates the folder if needed.
    /// </summary>
    public static void WriteHtml(GenericChart chart, string path, string? documentTitle = null)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteAllTextAtomic(path, ToSelfContainedHtml(chart, documentTitle));
    }

    /// <summary>The file name of the shared plotly.js that <see cref="WriteHtmlWithSharedScript"/> pages load.</summary>
    public const string SharedScriptName = "plotly.min.js";

    /// <summary>
    /// The chart as an HTML page that loads plotly.js from <paramref name="scriptName"/> beside it (a relative
    /// path, so the page works offline next to the file <see cref="WriteSharedScript"/> writes).
    /// </summary>
    public static string ToSharedScriptHtml(GenericChart chart, string? documentTitle = null, string scriptName = SharedScriptName)
    {
        ArgumentNullException.ThrowIfNull(chart);
        return WithPlotlyScript(
            TitledHtml(chart, documentTitle),
            "<script type=\"text/javascript\" src=\"" + WebUtility.HtmlEncode(scriptName) + "\" charset=\"utf-8\"></script>");
    }

    /// <summary>
    /// Writes the chart as HTML that loads the shared plotly.js beside it (see <see cref="ToSharedScriptHtml"/>),
    /// atomically; call <see cref="WriteSharedScript"/> once for the folder.
    /// </summary>
    /// <param name="chart">The chart.</param>
    /// <param name="path">The page to write.</param>
    /// <param name="documentTitle">The page's title, if any.</param>
    /// <param name="scriptName">The script's path relative to the page, as <see cref="WriteSharedScript"/> returns it.</param>
    public static void WriteHtmlWithSharedScript(GenericChart chart, string path, string? documentTitle = null, string scriptName = SharedScriptName)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteAllTextAtomic(path, ToSharedScriptHtml(chart, documentTitle, scriptName));
    }

    /// <summary>
    /// Makes plotly.js (the copy inside Plotly.NET.dll) available to the pages of <paramref name="directory"/> and
    /// returns the path they load it by, relative to them. When the folder above already holds the same bytes as
    /// plotly.min.js (a figure set inside another, like figures/fmnist-paper/ in figures/), the pages load
    /// <c>../plotly.min.js</c> and no copy is written; otherwise the folder gets its own plotly.min.js, written
    /// unless the same bytes are there already, and the pages load it beside them.
    /// </summary>
    public static string WriteSharedScript(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var bytes = new UTF8Encoding(false).GetBytes(PlotlyJs);
        static bool Holds(string path, byte[] bytes) => File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        var parent = Path.GetDirectoryName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar));
        if (parent is not null && Holds(Path.Combine(parent, SharedScriptName), bytes))
        {
            return "../" + SharedScriptName;
        }

        var path = Path.Combine(directory, SharedScriptName);
        if (!Holds(path, bytes))
        {
            WriteAllBytesAtomic(path, bytes);
        }

        return SharedScriptName;
    }

    /// <summary>
    /// Writes <c>basePath.png</c> and <c>basePath.svg</c> of one chart through a browser started for this call.
    /// Never throws for a missing or failing browser: the result says what happened.
    /// </summary>
    public static async Task<ExportResult> TryWriteImagesAsync(
        GenericChart chart, string basePath, int width, int height, ImageExportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var results = await TryWriteImagesAsync([(chart, basePath)], width, height, options, cancellationToken)
            .ConfigureAwait(false);
        return results[0];
    }

    /// <summary>
    /// Writes <c>basePath.png</c> and <c>basePath.svg</c> of every chart, with one browser for all. One result
    /// per chart, in order; when the browser cannot start, every result carries the reason.
    /// </summary>
    public static async Task<IReadOnlyList<ExportResult>> TryWriteImagesAsync(
        IEnumerable<(GenericChart Chart, string BasePath)> charts, int width, int height,
        ImageExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(charts);
        var jobs = charts.ToList();
        if (jobs.Count == 0)
        {
            return [];
        }

        await using var exporter = await FigureExporter.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var results = new List<ExportResult>(jobs.Count);
        foreach (var (chart, basePath) in jobs)
        {
            results.Add(await exporter.TryWriteImagesAsync(chart, basePath, width, height, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>Writes text to <paramref name="path"/> through a temporary file in the same folder and a move.</summary>
    internal static void WriteAllTextAtomic(string path, string text) => Runtime.TempFiles.WriteAllText(path, text);

    /// <summary>Writes bytes to <paramref name="path"/> through a temporary file in the same folder and a move.</summary>
    internal static void WriteAllBytesAtomic(string path, byte[] bytes) => Runtime.TempFiles.WriteAllBytes(path, bytes);

    private static string LoadPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        using var stream = assembly.GetManifestResourceStream(PlotlyJsResource)
            ?? FindPlotlyResource(assembly)
            ?? throw new InvalidOperationException(
                $"plotly.js not found in {assembly.GetName().Name} (resource {PlotlyJsResource}); " +
                $"resources: {string.Join(", ", assembly.GetManifestResourceNames())}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // A later Plotly.NET may ship another plotly.js version under a similar name.
    private static Stream? FindPlotlyResource(Assembly assembly)
    {
        var name = assembly.GetManifestResourceNames()
            .FirstOrDefault(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) &&
                                 n.EndsWith(".min.js", StringComparison.Ordinal));
        return name is null ? null : assembly.GetManifestResourceStream(name);
    }

    [GeneratedRegex("""<script\b[^>]*\bsrc\s*=\s*["'][^"']*plotly[^"']*["'][^>]*>\s*</script\s*>""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlotlyScriptTag();

    [GeneratedRegex("<title>[^<]*</title>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TitleTag();
}
