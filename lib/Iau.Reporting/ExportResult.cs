namespace Iau.Reporting;

/// <summary>What an image export wrote, or why it wrote nothing. Export never throws for a missing browser.</summary>
/// <param name="BasePath">The path the files were named from (without extension).</param>
/// <param name="PngPath">The PNG written, or null.</param>
/// <param name="SvgPath">The SVG written, or null.</param>
/// <param name="Message">"ok", or a one-line reason such as "PNG/SVG/PDF skipped: /usr/bin/chromium not found; apt-get install chromium".</param>
/// <param name="Elapsed">Time spent on this chart (the browser's start counts towards the first chart of a batch).</param>
public sealed record ExportResult(string BasePath, string? PngPath, string? SvgPath, string Message, TimeSpan Elapsed)
{
    /// <summary>The PDF written, or null.</summary>
    public string? PdfPath { get; init; }

    /// <summary>Whether every requested image was written.</summary>
    public bool Succeeded { get; init; }

    /// <summary>A result that wrote nothing.</summary>
    public static ExportResult Skipped(string basePath, string message, TimeSpan elapsed = default) =>
        new(basePath, null, null, message, elapsed) { Succeeded = false };
}
