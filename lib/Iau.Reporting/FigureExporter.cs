using System.Diagnostics;
using System.Text;
using Microsoft.Playwright;
using Plotly.NET;

namespace Iau.Reporting;

/// <summary>
/// Renders many Plotly.NET charts to PNG, SVG and PDF with one headless Chromium: the browser starts once, opens
/// one page that carries plotly.js inline (a temporary file loaded through file://, so nothing comes from the
/// network), and each chart is drawn there with <c>Plotly.newPlot</c> and exported with <c>Plotly.toImage</c>.
/// When Chromium is missing or fails to start, <see cref="IsAvailable"/> is false and every call returns a
/// result whose message says why (e.g. "PNG/SVG/PDF skipped: /usr/bin/chromium not found; apt-get install chromium").
/// Calls are serialised; dispose to close the browser.
/// </summary>
public sealed class FigureExporter : IAsyncDisposable
{
    private const string RenderScript = """
        async ([json, width, height, scale, wantPng, wantSvg, dropTitle]) => {
            const fig = JSON.parse(json);
            const layout = fig.layout || {};
            layout.width = width;
            layout.height = height;
            if (dropTitle) {
                layout.title = { text: '' };
                const top = layout.meta && typeof layout.meta.exportMarginTop === 'number' ? layout.meta.exportMarginTop : null;
                if (top !== null) { layout.margin = Object.assign({}, layout.margin || {}, { t: top }); }
            }
            const gd = document.getElementById('gd');
            Plotly.purge(gd);
            gd.style.width = width + 'px';
            gd.style.height = height + 'px';
            await Plotly.newPlot(gd, fig.data || [], layout, { staticPlot: true, displayModeBar: false });
            const png = wantPng ? await Plotly.toImage(gd, { format: 'png', width: width, height: height, scale: scale }) : '';
            const svg = wantSvg ? await Plotly.toImage(gd, { format: 'svg', width: width, height: height }) : '';
            return [png, svg];
        }
        """;

    private readonly ImageExportOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IPage? _page;
    private string? _pagePath;
    private bool _firstChart = true;

    private FigureExporter(ImageExportOptions options, string message, TimeSpan startup)
    {
        _options = options;
        Message = message;
        StartupTime = startup;
    }

    /// <summary>Whether a browser is ready to render.</summary>
    public bool IsAvailable => _page is not null;

    /// <summary>"ok", or why images cannot be written.</summary>
    public string Message { get; private set; }

    /// <summary>Time taken to start the browser and load plotly.js.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The options in use.</summary>
    public ImageExportOptions Options => _options;

    /// <summary>
    /// Starts the browser. Never throws for a missing or failing browser (only for cancellation): check
    /// <see cref="IsAvailable"/> and <see cref="Message"/>, or just call <see cref="TryWriteImagesAsync"/>.
    /// </summary>
    public static async Task<FigureExporter> StartAsync(ImageExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ImageExportOptions();
        var clock = Stopwatch.StartNew();
        if (!File.Exists(options.ExecutablePath))
        {
            return new FigureExporter(options, MissingBrowserMessage(options.ExecutablePath), clock.Elapsed);
        }

        IPlaywright? playwright = null;
        IBrowser? browser = null;
        string? pagePath = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var timeoutMs = (float)options.Timeout.TotalMilliseconds;
            playwright = await Playwright.CreateAsync().ConfigureAwait(false);
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = options.ExecutablePath,
                Headless = true,
                Args = options.Args,
                Timeout = timeoutMs,
            }).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var page = await browser.NewPageAsync().ConfigureAwait(false);
            page.SetDefaultTimeout(timeoutMs);
            pagePath = Path.Combine(Path.GetTempPath(), $"iau-plotly-{Guid.NewGuid():N}.html");
            await File.WriteAllTextAsync(pagePath, RendererPage(), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
            await page.GotoAsync(new Uri(pagePath).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load })
                .ConfigureAwait(false);
            var ready = await page.EvaluateAsync<bool>("() => typeof Plotly !== 'undefined' && typeof Plotly.toImage === 'function'")
                .ConfigureAwait(false);
            if (!ready)
            {
                throw new InvalidOperationException("plotly.js did not load in the page");
            }

            return new FigureExporter(options, "ok", clock.Elapsed)
            {
                _playwright = playwright,
                _browser = browser,
                _page = page,
                _pagePath = pagePath,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await CloseAsync(playwright, browser, pagePath).ConfigureAwait(false);
            return new FigureExporter(
                options,
                $"PNG/SVG/PDF skipped: {options.ExecutablePath} failed to start or load plotly.js ({Describe(ex)})",
                clock.Elapsed);
        }
        catch
        {
            await CloseAsync(playwright, browser, pagePath).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes <c>basePath.png</c> and/or <c>basePath.svg</c> (per <see cref="ImageExportOptions"/>), each
    /// atomically, at <paramref name="width"/> × <paramref name="height"/> CSS pixels. Never throws for a
    /// browser problem; throws only for invalid arguments or cancellation.
    /// </summary>
    public async Task<ExportResult> TryWriteImagesAsync(
        GenericChart chart, string basePath, int width, int height, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentException.ThrowIfNullOrWhiteSpace(basePath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var clock = Stopwatch.StartNew();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var startup = _firstChart ? StartupTime : TimeSpan.Zero;
            _firstChart = false;
            if (_page is null)
            {
                return ExportResult.Skipped(basePath, Message, clock.Elapsed + startup);
            }

            var json = GenericChart.toFigureJson(chart);
            string[] images;
            try
            {
                images = await _page.EvaluateAsync<string[]>(
                    RenderScript,
                    new object[] { json, width, height, _options.Scale, _options.Png, _options.Svg, _options.DropTitle }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException or InvalidOperationException)
            {
                return ExportResult.Skipped(basePath, $"PNG/SVG failed for {Path.GetFileName(basePath)}: {Describe(ex)}", clock.Elapsed + startup);
            }

            cancellationToken.ThrowIfCancellationRequested();
            string? pngPath = null, svgPath = null;
            if (_options.Png)
            {
                var png = DecodeDataUrl(images.ElementAtOrDefault(0));
                if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
                {
                    return ExportResult.Skipped(basePath, $"PNG/SVG failed for {Path.GetFileName(basePath)}: the browser returned no PNG", clock.Elapsed + startup);
                }

                pngPath = basePath + ".png";
                FigureExport.WriteAllBytesAtomic(pngPath, PngDpi.WithDpi(PngCompression.Smallest(png), FigureStyle.CssPixelsPerInch * _options.Scale));
            }

            if (_options.Svg)
            {
                var svg = DecodeDataUrl(images.ElementAtOrDefault(1));
                var text = Encoding.UTF8.GetString(svg);
                if (!text.Contains("<svg", StringComparison.Ordinal))
                {
                    return new ExportResult(basePath, pngPath, null,
                        $"SVG failed for {Path.GetFileName(basePath)}: the browser returned no SVG", clock.Elapsed + startup);
                }

                svgPath = basePath + ".svg";
                FigureExport.WriteAllBytesAtomic(svgPath, svg);
            }

            string? pdfPath = null;
            if (_options.Pdf)
            {
                byte[] pdf;
                try
                {
                    // Chromium prints the page: one page exactly the chart's size, vector, fonts embedded.
                    pdf = await _page.PdfAsync(new PagePdfOptions
                    {
                        Width = $"{width}px",
                        Height = $"{height}px",
                        PrintBackground = true,
                        PageRanges = "1",
                        Margin = new Margin { Top = "0", Right = "0", Bottom = "0", Left = "0" },
                    }).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PlaywrightException or TimeoutException or InvalidOperationException)
                {
                    return new ExportResult(basePath, pngPath, svgPath, $"PDF failed for {Path.GetFileName(basePath)}: {Describe(ex)}", clock.Elapsed + startup);
                }

                if (pdf.Length < 5 || pdf[0] != (byte)'%' || pdf[1] != (byte)'P' || pdf[2] != (byte)'D' || pdf[3] != (byte)'F')
                {
                    return new ExportResult(basePath, pngPath, svgPath, $"PDF failed for {Path.GetFileName(basePath)}: the browser returned no PDF", clock.Elapsed + startup);
                }

                pdfPath = basePath + ".pdf";
                FigureExport.WriteAllBytesAtomic(pdfPath, pdf);
            }

            return new ExportResult(basePath, pngPath, svgPath, "ok", clock.Elapsed + startup) { PdfPath = pdfPath, Succeeded = true };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the browser and removes the temporary page.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var (playwright, browser, pagePath) = (_playwright, _browser, _pagePath);
            (_playwright, _browser, _page, _pagePath) = (null, null, null, null);
            if (playwright is not null || browser is not null || pagePath is not null)
            {
                Message = "closed";
            }

            await CloseAsync(playwright, browser, pagePath).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The message for a missing browser binary.</summary>
    public static string MissingBrowserMessage(string executablePath) =>
        $"PNG/SVG/PDF skipped: {executablePath} not found; apt-get install chromium";

    /// <summary>The page the charts are drawn in: plotly.js inline and one empty div.</summary>
    internal static string RendererPage() =>
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>iau figure renderer</title>\n" +
        "<script type=\"text/javascript\">" + FigureExport.PlotlyJsForInlineScript + "</script>\n" +
        "<style>@page { margin: 0 } html, body { margin: 0; padding: 0; background: #ffffff; overflow: hidden }</style>\n" +
        "</head><body><div id=\"gd\"></div></body></html>\n";

    private static byte[] DecodeDataUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || !url.StartsWith("data:", StringComparison.Ordinal))
        {
            return [];
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            return [];
        }

        var header = url[..comma];
        var payload = url[(comma + 1)..];
        return header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase)
            ? Convert.FromBase64String(payload)
            : Encoding.UTF8.GetBytes(Uri.UnescapeDataString(payload));
    }

    private static string Describe(Exception ex)
    {
        var first = ex.Message.Split('\n', 2)[0].Trim();
        return $"{ex.GetType().Name}: {first}";
    }

    private static async Task CloseAsync(IPlaywright? playwright, IBrowser? browser, string? pagePath)
    {
        try
        {
            if (browser is not null)
            {
                await browser.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (PlaywrightException)
        {
            // The browser is gone already.
        }

        playwright?.Dispose();
        if (pagePath is not null && File.Exists(pagePath))
        {
            File.Delete(pagePath);
        }
    }
}
