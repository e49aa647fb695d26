using Iau.Reporting;
using static Iau.Tests.Reporting.ReportingRows;

namespace Iau.Tests.Reporting;

public sealed class MarkdownReportTests
{
    [Fact]
    public void Render_AssemblesSectionsTablesAndFigures()
    {
        var dir = Path.Combine(Path.GetTempPath(), "iau-md-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "main"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "main", "bars.png"), "x");
            File.WriteAllText(Path.Combine(dir, "main", "bars.html"), "x");
            var report = new MarkdownReport("Figures", "Quick run.")
                .AddSection("Main results")
                .AddTable(SummaryTable.Build(MainRows()), "Mean ± std over 2 seeds")
                .AddFigure("Bars", Path.Combine(dir, "main", "bars"), dir)
                .AddSection("Notes")
                .AddList(["one", "two"]);
            var md = report.Render();

            Assert.StartsWith("# Figures\n\nQuick run.\n\n## Main results\n\n*Mean ± std over 2 seeds*\n\n| Method |", md, StringComparison.Ordinal);
            Assert.Contains("![Bars](main/bars.png)", md, StringComparison.Ordinal);
            Assert.Contains("[interactive HTML](main/bars.html)", md, StringComparison.Ordinal);
            Assert.DoesNotContain("bars.svg", md, StringComparison.Ordinal);
            Assert.EndsWith("## Notes\n\n- one\n- two\n", md, StringComparison.Ordinal);

            var path = Path.Combine(dir, "README.md");
            report.WriteTo(path);
            Assert.Equal(md, File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_table_caption_names_the_interval_its_cells_show()
    {
        var table = SummaryTable.Build(MainRows());
        var caption = FigureSet.TableCaption("Main comparison", table);
        var seeds = MainRows().Select(r => r.Seed).Distinct().Count();
        Assert.StartsWith($"Main comparison; mean [95% bootstrap interval of the mean] over {seeds} seeds.", caption, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+ \[\d+\.\d+, \d+\.\d+\]$", table.CellText(table.Rows[0], "TA"));
    }
}
