using System.Runtime.CompilerServices;
using Iau.Reporting;
using Plotly.NET;

namespace Iau.Interactive;

/// <summary>
/// PNG images of Plotly.NET charts for notebook outputs, rendered by the kit's <see cref="FigureExporter"/>
/// (headless Chromium, the Debian package <c>chromium</c>; one browser per kernel, started on the first chart).
/// Each chart is rendered once even though the HTML and the PNG formatter both ask for it.
/// </summary>
public static class ChartImages
{
    private static readonly ConditionalWeakTable<GenericChart, byte[]> Rendered = new();
    private static readonly Lock Gate = new();
    private static FigureExporter? _exporter;

    /// <summary>Whether PNGs can be expected: the browser binary exists (it may still fail to start).</summary>
    public static bool BrowserPresent => File.Exists(new ImageExportOptions().ExecutablePath);

    /// <summary>Why the last render failed, or null.</summary>
    public static string? LastFailure { get; private set; }

    /// <summary>
    /// Playwright finds its driver (node and the playwright package, the folder <c>.playwright</c>) beside its
    /// assembly, as a build copies it. In a kernel the assembly is loaded from where it lies: the NuGet package's
    /// lib/netstandard2.0 (the driver is at the package root) or, in dotnet-repl, the tool's own copy (driver beside
    /// it). Unless PLAYWRIGHT_DRIVER_SEARCH_PATH is set, it is pointed at the folder that holds the loaded
    /// assembly's driver.
    /// </summary>
    internal static string? PointPlaywrightAtItsDriver()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PLAYWRIGHT_DRIVER_SEARCH_PATH")))
        {
            return null;
        }

        var assemblyDir = Path.GetDirectoryName(typeof(Microsoft.Playwright.IPlaywright).Assembly.Location);
        if (string.IsNullOrEmpty(assemblyDir))
        {
            return null;
        }

        var found = new[] { assemblyDir, Path.Combine(assemblyDir, "..", "..") }
            .Select(Path.GetFullPath)
            .FirstOrDefault(d => Directory.Exists(Path.Combine(d, ".playwright")));
        if (found is not null)
        {
            Environment.SetEnvironmentVariable("PLAYWRIGHT_DRIVER_SEARCH_PATH", found);
        }

        return found;
    }

    /// <summary>The chart as PNG bytes at <paramref name="width"/> × <paramref name="height"/>, or null (see <see cref="LastFailure"/>).</summary>
    public static byte[]? TryRender(GenericChart chart, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(chart);
        lock (Gate)
        {
            if (Rendered.TryGetValue(chart, out var cached))
            {
                return cached;
            }

            if (_exporter is null)
            {
                PointPlaywrightAtItsDriver();
            }

            _exporter ??= FigureExporter.StartAsync(new ImageExportOptions { Svg = false }).GetAwaiter().GetResult();
            if (!_exporter.IsAvailable)
            {
                LastFailure = _exporter.Message;
                return null;
            }

            var basePath = Path.Combine(Path.GetTempPath(), "iau-nb-" + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                var result = _exporter.TryWriteImagesAsync(chart, basePath, width, height).GetAwaiter().GetResult();
                if (result.PngPath is not { } png || !File.Exists(png))
                {
                    LastFailure = result.Message;
                    return null;
                }

                var bytes = File.ReadAllBytes(png);
                Rendered.AddOrUpdate(chart, bytes);
                return bytes;
            }
            finally
            {
                File.Delete(basePath + ".png");
                File.Delete(basePath + ".svg");
            }
        }
    }
}
