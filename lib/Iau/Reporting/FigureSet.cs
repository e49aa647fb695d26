using System.Globalization;
using Iau.Experiments;
using Plotly.NET;

namespace Iau.Reporting;

/// <summary>One figure of the set: its file stem, caption, and what it shows.</summary>
public sealed record FigureEntry(string Name, string Caption, GenericChart Chart);

/// <summary>What <see cref="FigureSet.WriteAsync"/> wrote.</summary>
/// <param name="Tables">Summary tables by name (Markdown), also written as .md and .html files.</param>
/// <param name="Figures">Figure stems written (each as .html, and .png/.svg when Chromium is available).</param>
/// <param name="ImageMessage">What happened to PNG/SVG export (e.g. why it was skipped).</param>
/// <param name="ReadmePath">The figures README listing everything.</param>
public sealed record FigureSetResult(IReadOnlyDictionary<string, string> Tables, IReadOnlyList<string> Figures, string ImageMessage, string ReadmePath);

/// <summary>
/// The paper's tables and figures, built from stored result rows: main comparison tables per setting, the
/// ablation, sensitivity, efficiency, sequential and convex tables, and the charts (grouped bars, trade-off,
/// MIA ROC curves, sweeps, convex ground-truth error). Written to one folder with a README.
/// </summary>
public static class FigureSet
{
    /// <summary>Method order of tables and charts.</summary>
    public static IReadOnlyList<string> MethodOrderDefault { get; } =
        ["original", "retrain", "iau", "iau-cached", "ia", "ft", "ga", "neggrad+", "l1sparse", "salun", "scrub", "fisher", "iu", "iu-woodfisher", "certified"];

    /// <summary>Builds the tables and charts of whatever experiments the rows hold.</summary>
    public static (IReadOnlyDictionary<string, SummaryTable> Tables, IReadOnlyList<FigureEntry> Figures) Build(IReadOnlyList<ResultRow> rows)
    {
        var tables = new Dictionary<string, SummaryTable>(StringComparer.Ordinal);
        var figures = new List<FigureEntry>();
        var order = MethodOrderDefault;

        // One table per forget set: random 5% keeps the plain name; 10% and class-wise get a suffix. Tuned rows
        // (variant "tuned") show as "method [tuned]" beside the reference-default rows.
        foreach (var g in rows.Where(r => r.Experiment is "main" or "classwise").GroupBy(r => (r.Experiment, r.Dataset, r.Model, Forget: ForgetOf(r))))
        {
            var name = $"{g.Key.Experiment}-{g.Key.Dataset}-{g.Key.Model}" + (g.Key.Forget is "ratio=0.05" or "" || g.Key.Experiment == "classwise" ? string.Empty : "-" + g.Key.Forget.Replace("ratio=", "random-", StringComparison.Ordinal));
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true });
            var what = g.Key.Experiment == "classwise" ? $"Class-wise forgetting ({g.Key.Forget})" : $"Main comparison ({g.Key.Forget.Replace("ratio=", "random ", StringComparison.Ordinal)})";
            figures.Add(new($"{name}-bars", $"{what}, {g.Key.Model} on {g.Key.Dataset}: accuracies and membership inference per method (mean ± std over seeds).",
                Charts.MetricBars(g, ["TA", "RA", "FA", "MIA_shadow", "MIA_entropy"], $"{g.Key.Model} on {g.Key.Dataset}", order)));
            figures.Add(new($"{name}-tradeoff", $"Utility/forgetting/time trade-off, {g.Key.Model}: Avg Gap to Retrain against unlearning time (log scale).",
                Charts.TradeOff(g.Where(r => r.Method != "original"), "AvgGap", "RTE", $"Avg Gap vs time, {g.Key.Model}", order)));
            var roc = g.Where(r => r.Seed == g.Min(x => x.Seed) && r.Notes.ContainsKey(RocNote.Key))
                .OrderBy(r => order.ToList().IndexOf(r.Method))
                .Select(r => (Method: r.Variant.Length == 0 ? r.Method : $"{r.Method} [{r.Variant}]", RocNote.Parse(r.Notes[RocNote.Key])))
                .Select(t => (t.Method, (IReadOnlyList<double>)t.Item2.Fpr, (IReadOnlyList<double>)t.Item2.Tpr))
                .ToList();
            if (roc.Count > 0)
            {
                figures.Add(new($"{name}-mia-roc", $"Loss-threshold membership attack, forget set (members) against test set, seed {g.Min(x => x.Seed)}: ROC per method.",
                    Charts.Roc(roc, $"Loss attack ROC, {g.Key.Model}")));
            }
        }

        foreach (var g in rows.Where(r => r.Experiment == "ablation").GroupBy(r => (r.Dataset, r.Model)))
        {
            var name = $"ablation-{g.Key.Dataset}-{g.Key.Model}";
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = ["IA", "IA+GC", "IA+GR", "IA+GC+GR"] });
            figures.Add(new(name, $"Ablation, {g.Key.Model}: IA, IA+GC, IA+GR, IA+GC+GR.",
                Charts.MetricBars(g, ["TA", "RA", "FA", "MIA_shadow", "AvgGap"], $"Ablation, {g.Key.Model}", ["IA", "IA+GC", "IA+GR", "IA+GC+GR"])));
        }

        foreach (var g in rows.Where(r => r.Experiment == "sensitivity").GroupBy(r => (r.Dataset, r.Model)))
        {
            var name = $"sensitivity-{g.Key.Dataset}-{g.Key.Model}";
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true });
            var alpha = g.Where(r => r.Variant.StartsWith("alpha=", StringComparison.Ordinal)).ToList();
            if (alpha.Count > 0)
            {
                figures.Add(new($"{name}-alpha", "Sensitivity to the gradient-restriction weight α of the original: forget accuracy and Avg Gap of IAU.",
                    Charts.Sweep(alpha, "AvgGap", "alpha", "IAU Avg Gap vs α")));
            }

            var ratio = g.Where(r => r.Variant.StartsWith("ratio=", StringComparison.Ordinal)).ToList();
            if (ratio.Count > 0)
            {
                figures.Add(new($"{name}-ratio", "Sensitivity to the forget ratio: forget accuracy of IAU and Retrain.",
                    Charts.Sweep(ratio, "FA", "ratio", "Forget accuracy vs forget ratio", methodOrder: order)));
            }
        }

        foreach (var g in rows.Where(r => r.Experiment == "efficiency").GroupBy(r => (r.Dataset, r.Model)))
        {
            var name = $"efficiency-{g.Key.Dataset}-{g.Key.Model}";
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true, Metrics = ["RTE", "TA", "FA", "forget_size", "retain_size"] });
            figures.Add(new($"{name}-forget", "Unlearning time against the forget-set size (forget ratio of the training split).",
                Charts.Sweep(g.Where(r => r.Variant.StartsWith("forget=", StringComparison.Ordinal)), "RTE", "forget", "Time vs |D_f|", logX: true, methodOrder: order)));
            figures.Add(new($"{name}-retain", "Unlearning time of IAU against the retain-set size (fraction of D_r); cached IAU needs no pass over D_r.",
                Charts.Sweep(g.Where(r => r.Variant.StartsWith("retain=", StringComparison.Ordinal)), "RTE", "retain", "Time vs |D_r|", methodOrder: order)));
        }

        foreach (var g in rows.Where(r => r.Experiment == "sequential").GroupBy(r => (r.Dataset, r.Model)))
        {
            var name = $"sequential-{g.Key.Dataset}-{g.Key.Model}";
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = ["iau-exact", "iau-cached"], SplitByVariant = true, Metrics = ["TA", "FA", "RTE", "removed"] });
            figures.Add(new(name, "Sequential deletion requests (1% of train each): test and cumulative forget accuracy after each request, exact and cached IAU.",
                Charts.Sweep(g, "FA", "request", "Forget accuracy over a stream of requests")));
        }

        foreach (var g in rows.Where(r => r.Experiment == "convex").GroupBy(r => (r.Dataset, r.Model)))
        {
            var name = $"convex-{g.Key.Dataset}-{g.Key.Model}";
            tables[name] = SummaryTable.Build(g, new SummaryTableOptions { SplitByVariant = true, Metrics = ["iau_error", "iu_error", "certified_error", "iau_cosine", "iu_cosine", "shift_norm", "retrain_seconds", "iau_seconds", "iu_seconds"] });
            var points = g.Select(r => (Removed: r.Metrics.GetValueOrDefault("removed", ParseRemoved(r.Variant)), r))
                .GroupBy(p => p.Removed).OrderBy(p => p.Key).ToList();
            var removed = points.Select(p => p.Key).ToList();
            var series = new[] { "iau", "iu", "certified" }
                .Select(m => (m, (IReadOnlyList<double>)points.Select(p => p.Average(x => x.r.Metrics.GetValueOrDefault($"{m}_error", double.NaN))).ToList()))
                .ToList();
            figures.Add(new(name, "Convex ground truth (logistic regression): ‖θ_method − θ_retrain‖ / ‖θ* − θ_retrain‖ against the number of samples removed.",
                Charts.RemovalError(removed, series, "Error vs exact retraining (logistic regression)", logY: true)));
        }

        return (tables, figures);
    }

    /// <summary>The forget-set segment of a row's key ("ratio=0.05", "class=0"; experiment/dataset/model/forget/variant/method/seed).</summary>
    private static string ForgetOf(ResultRow row)
    {
        var parts = row.Key.Split('/');
        return parts.Length >= 7 ? parts[3] : string.Empty;
    }

    /// <summary>Writes tables (.md, .html), figures (.html; .png and .svg through Chromium when available) and README.md.</summary>
    public static async Task<FigureSetResult> WriteAsync(IReadOnlyList<ResultRow> rows, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var (tables, figures) = Build(rows);
        var report = new MarkdownReport(
            "Figures and tables",
            "Generated by `iau figures` (or `iau reproduce`) from the stored results. Each figure is a self-contained HTML file (plotly.js inline, works offline) and, where Chromium is available, a PNG and an SVG.");
        var markdown = new Dictionary<string, string>(StringComparer.Ordinal);
        report.AddSection("Tables");
        foreach (var (name, table) in tables)
        {
            var md = table.ToMarkdown();
            markdown[name] = md;
            WriteAtomic(Path.Combine(directory, name + ".md"), md);
            WriteAtomic(Path.Combine(directory, name + ".html"), $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{name}</title></head><body>{table.ToHtml(name)}</body></html>");
            report.AddTable(table, name);
        }

        foreach (var f in figures)
        {
            progress?.Report($"figure {f.Name}");
            FigureExport.WriteHtml(f.Chart, Path.Combine(directory, f.Name + ".html"));
        }

        progress?.Report("PNG/SVG export");
        var images = await FigureExport.TryWriteImagesAsync(figures.Select(f => (f.Chart, Path.Combine(directory, f.Name))), 900, 520, cancellationToken: cancellationToken).ConfigureAwait(false);
        var message = images.Count == 0 ? "no figures" : images.All(i => i.Succeeded) ? $"PNG and SVG written for {images.Count} figures" : images.First(i => !i.Succeeded).Message;
        report.AddSection("Figures");
        foreach (var f in figures)
        {
            report.AddFigure(f.Caption, Path.Combine(directory, f.Name), directory);
        }

        var readme = Path.Combine(directory, "README.md");
        report.WriteTo(readme);
        return new FigureSetResult(markdown, figures.Select(f => f.Name).ToList(), message, readme);
    }

    private static double ParseRemoved(string variant) =>
        VariantParameter.TryParse(variant, out _, out var v) ? v : double.NaN;

    private static void WriteAtomic(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
