namespace Iau.Reporting;

/// <summary>How <see cref="FigureExporter"/> drives headless Chromium (through Microsoft.Playwright).</summary>
public sealed record ImageExportOptions
{
    /// <summary>Debian's chromium package; Playwright's own browser downloads are not used.</summary>
    public const string DefaultExecutablePath = "/usr/bin/chromium";

    /// <summary>Arguments for a sandbox-less, offline, quiet headless Chromium.</summary>
    public static IReadOnlyList<string> DefaultArgs { get; } =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    /// <summary>The Chromium binary. Default <see cref="DefaultExecutablePath"/>, or the environment variable IAU_CHROMIUM when set.</summary>
    public string ExecutablePath { get; init; } =
        Environment.GetEnvironmentVariable("IAU_CHROMIUM") is { Length: > 0 } p ? p : DefaultExecutablePath;

    /// <summary>Browser arguments (default <see cref="DefaultArgs"/>).</summary>
    public IReadOnlyList<string> Args { get; init; } = DefaultArgs;

    /// <summary>Whether to write PNG files.</summary>
    public bool Png { get; init; } = true;

    /// <summary>Whether to write SVG files.</summary>
    public bool Svg { get; init; } = true;

    /// <summary>Whether to write PDF files (Chromium prints the drawn chart as vector PDF with its fonts embedded).</summary>
    public bool Pdf { get; init; }

    /// <summary>
    /// Whether to leave the chart's title out of the images (papers put it in the caption); the top margin is
    /// then the layout's meta.exportMarginTop when the chart sets one.
    /// </summary>
    public bool DropTitle { get; init; }

    /// <summary>
    /// PNG pixel ratio (Plotly's "scale"): 2 gives crisp images at twice the width and height in pixels. The PNG
    /// records 96 × scale dots per inch (pHYs), so <see cref="ForDpi"/>(300) gives 300-dpi images of the
    /// chart's size in inches.
    /// </summary>
    public double Scale { get; init; } = 1;

    /// <summary>
    /// These options for figures of a paper, as `iau figures` writes them: PNG at <see cref="FigureStyle.Dpi"/>,
    /// SVG and PDF, the title left out (the caption carries it).
    /// </summary>
    public ImageExportOptions ForPaper() =>
        this with { Png = true, Svg = true, Pdf = true, DropTitle = true, Scale = ForDpi(FigureStyle.Dpi) };

    /// <summary>The scale that renders <paramref name="dpi"/> PNG pixels per inch (CSS lays out at 96 px per inch).</summary>
    public static double ForDpi(int dpi) => dpi / FigureStyle.CssPixelsPerInch;

    /// <summary>Limit for starting the browser and for rendering one chart.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}
