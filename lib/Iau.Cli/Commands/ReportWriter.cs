using Iau.Experiments;
using Iau.Reporting;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>Prints summary tables and writes the figure set (tables as .md/.html/.tex; figures as HTML, PNG, SVG, PDF).</summary>
internal static class ReportWriter
{
    public static void Write(CliContext ctx, IReadOnlyList<ResultRow> rows, string directory, string? source = null)
    {
        var result = FigureSet.WriteAsync(
                rows, directory, new SyncProgress<string>(s => ctx.Error.WriteLine($"figures: {s}")), ctx.Cancellation,
                new FigureSetOptions { Source = source?.Replace('\\', '/') })
            .GetAwaiter().GetResult();
        foreach (var (name, md) in result.Tables.Where(t => t.Key.StartsWith("main-", StringComparison.Ordinal)))
        {
            ctx.Out.WriteLine();
            ctx.Out.WriteLine(name);
            ctx.Out.WriteLine(md);
        }

        ctx.Console.WriteLine($"{result.Tables.Count} tables (.md, .html, .tex) and {result.Figures.Count} figures (.html) in {directory}; index: {result.ReadmePath}");
        if (!result.ImagesWritten && result.Figures.Count > 0)
        {
            // One clear note: tables and HTML are complete; images need Chromium.
            ctx.Console.WriteLine($"note: {result.ImageMessage}. PNG/SVG/PDF files already in {directory} (if any) are from an earlier run.");
        }
        else
        {
            ctx.Console.WriteLine(result.ImageMessage);
        }
    }

    public static void Show(CliContext ctx, IReadOnlyList<ResultRow> rows, string experiment)
    {
        var (tables, _) = FigureSet.Build(rows.Where(r => r.Experiment == experiment).ToList());
        if (tables.Count == 0)
        {
            throw new ArgumentException($"--experiment {experiment}: no such results in this file. Experiments present: {string.Join(", ", rows.Select(r => r.Experiment).Distinct())}.");
        }

        foreach (var (name, table) in tables)
        {
            // Plain writes: Markdown rows must never be wrapped at the console width (pipes, logs).
            ctx.Out.WriteLine(name);
            ctx.Out.WriteLine(table.ToMarkdown());
        }
    }
}
