using System.Text.Json;
using Iau.Experiments;
using Iau.Reporting;
using static Iau.Tests.Reporting.ChartsTests;

namespace Iau.Tests.Reporting;

/// <summary>
/// The committed figures/ folder and the fmnist-paper run in figures/fmnist-paper/: their tables are regenerated
/// byte for byte from the committed results.jsonl beside them (no browser needed), and every figure built from it
/// keeps one colour per method and shows Retrain's reference.
/// </summary>
public sealed class FigureSetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-figureset-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string FiguresFolder(string folder = "figures")
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Iau.Research.sln")))
            {
                return Path.Combine(d.FullName, folder);
            }
        }

        throw new DirectoryNotFoundException("Iau.Research.sln not found above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<ResultRow> CommittedRows(string folder = "figures")
    {
        var path = Path.Combine(FiguresFolder(folder), "results.jsonl");
        var rows = ResultsStore.Read(path);
        Assert.True(rows.Count > 0, $"{path} holds no result rows");
        return rows;
    }

    [Theory]
    [InlineData("figures")]
    [InlineData("figures/fmnist-paper")]
    public void CommittedTables_AreRegeneratedByteForByte(string folder)
    {
        var (tables, _) = FigureSet.BuildWithCaptions(CommittedRows(folder));
        FigureSet.WriteTables(tables, _dir);
        var figures = FiguresFolder(folder);

        // The same set of tables (each has a .tex, which only tables have) …
        Assert.Equal(
            Directory.GetFiles(figures, "*.tex").Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(_dir, "*.tex").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // … and every rendering identical.
        foreach (var t in tables)
        {
            foreach (var ext in new[] { ".md", ".html", ".tex" })
            {
                var committed = File.ReadAllText(Path.Combine(figures, t.Name + ext));
                var generated = File.ReadAllText(Path.Combine(_dir, t.Name + ext));
                Assert.True(committed == generated, $"{t.Name}{ext} differs from the committed file; regenerate {folder}/ with `iau figures --results {folder}/results.jsonl --out {folder}`");
            }
        }

        var all = string.Concat(tables.Select(t => t.Table.ToMarkdown() + t.Table.ToLatex() + t.Table.ToHtml()));
        Assert.DoesNotContain("± 0.0000 |", string.Concat(tables.Where(t => t.Table.Rows.All(r => t.Table.SeedCount(r) == 1)).Select(t => t.Table.ToMarkdown())), StringComparison.Ordinal);
        Assert.DoesNotContain("0.0000 ± 0.0000 |", string.Concat(tables.Where(t => t.Name.StartsWith("ablation", StringComparison.Ordinal)).Select(t => t.Table.ToMarkdown())), StringComparison.Ordinal);
        Assert.DoesNotContain("480.0000", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("figures")]
    [InlineData("figures/fmnist-paper")]
    public void CommittedFigures_OneColourPerMethod_AndRetrainsReference(string folder)
    {
        var (_, figures) = FigureSet.Build(CommittedRows(folder));
        Assert.NotEmpty(figures);
        foreach (var f in figures)
        {
            var traces = Traces(f.Chart);
            var colours = traces
                .Where(t => t.TryGetProperty("legendgroup", out var g) && g.GetString() is not ("reference" or "chance"))
                .GroupBy(t => t.GetProperty("legendgroup").GetString()!, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Select(Color).Distinct().ToList());
            Assert.All(colours, kv => Assert.True(kv.Value.Count == 1, $"{f.Name}: {kv.Key} drawn in {string.Join(", ", kv.Value)}"));
            var byColour = colours.GroupBy(kv => kv.Value[0], StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToList();
            Assert.True(byColour.Count == 0, $"{f.Name}: {string.Join("; ", byColour.Select(g => $"{string.Join(", ", g.Select(kv => kv.Key))} share {g.Key}"))}");

            // Retrain's reference: a dashed black line (shape), or Retrain's own dashed black curve.
            var reference = ReferenceLines(f.Chart).Length > 0 || traces.Any(t =>
                t.TryGetProperty("line", out var l) && l.TryGetProperty("dash", out var d) && d.GetString() == "dash"
                && l.GetProperty("color").GetString() == FigureStyle.ReferenceColor
                && t.GetProperty("name").GetString()!.StartsWith("Retrain", StringComparison.Ordinal)
                && t.GetProperty("x").GetArrayLength() > 0);
            // The convex figure's y is the distance to exact retraining itself (Retrain = 0, off a log axis).
            Assert.True(reference || f.Name.StartsWith("convex-", StringComparison.Ordinal), $"{f.Name} shows no Retrain reference");
            Assert.False(string.IsNullOrWhiteSpace(f.Caption));
        }
    }

    [Fact]
    public async Task Write_WithoutBrowser_WritesTablesAndHtmlSharingOnePlotlyJs()
    {
        var rows = CommittedRows();
        var result = await FigureSet.WriteAsync(rows, _dir, options: new FigureSetOptions
        {
            Source = "figures/results.jsonl",
            ImageOptions = new ImageExportOptions { ExecutablePath = "/nonexistent/chromium" },
        });

        Assert.False(result.ImagesWritten);
        Assert.StartsWith("PNG/SVG/PDF skipped: /nonexistent/chromium not found; apt-get install chromium", result.ImageMessage, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir, "*.js"));
        Assert.Contains("plotly.js v2.28.0", File.ReadAllText(Path.Combine(_dir, "plotly.min.js")), StringComparison.Ordinal);
        foreach (var name in result.Figures)
        {
            var html = File.ReadAllText(Path.Combine(_dir, name + ".html"));
            Assert.Contains("src=\"plotly.min.js\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("https://cdn.plot.ly", html, StringComparison.Ordinal);
            Assert.True(html.Length < 200_000, $"{name}.html is {html.Length} characters: plotly.js inlined?");
        }

        Assert.Empty(Directory.GetFiles(_dir, "*.png"));
        foreach (var name in result.Tables.Keys)
        {
            Assert.All(new[] { ".md", ".html", ".tex" }, ext => Assert.True(File.Exists(Path.Combine(_dir, name + ext)), name + ext));
        }

        var readme = File.ReadAllText(result.ReadmePath);
        Assert.Contains("iau figures --results figures/results.jsonl", readme, StringComparison.Ordinal);
        Assert.Contains("| `iau` | IAU |", readme, StringComparison.Ordinal);
    }
}
