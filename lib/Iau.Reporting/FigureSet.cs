using System.Globalization;
using System.Text;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Unlearning;
using Plotly.NET;

namespace Iau.Reporting;

/// <summary>One figure of the set: its file stem, caption (generated from the data it shows), chart and size.</summary>
public sealed record FigureEntry(string Name, string Caption, GenericChart Chart, FigureSize? Size = null)
{
    /// <summary>The size the figure is exported at (the chart's own when none was given: single column).</summary>
    public FigureSize ExportSize => Size ?? FigureSize.SingleColumn();
}

/// <summary>One table of the set: its file stem, caption (generated from its data) and the table.</summary>
public sealed record TableEntry(string Name, string Caption, SummaryTable Table, bool Wide);

/// <summary>What <see cref="FigureSet.WriteAsync"/> wrote.</summary>
/// <param name="Tables">Summary tables by name (Markdown), also written as .md, .html and .tex files.</param>
/// <param name="Figures">Figure stems written (each as .html, and .png/.svg/.pdf when Chromium is available).</param>
/// <param name="ImageMessage">What happened to PNG/SVG/PDF export (e.g. why it was skipped).</param>
/// <param name="ReadmePath">The figures README listing everything.</param>
public sealed record FigureSetResult(IReadOnlyDictionary<string, string> Tables, IReadOnlyList<string> Figures, string ImageMessage, string ReadmePath)
{
    /// <summary>Whether PNG, SVG and PDF were written for every figure.</summary>
    public bool ImagesWritten { get; init; }
}

/// <summary>Options of <see cref="FigureSet.WriteAsync"/>.</summary>
public sealed record FigureSetOptions
{
    /// <summary>Where the rows came from, named in the README (e.g. "figures/results.jsonl").</summary>
    public string? Source { get; init; }

    /// <summary>Whether to export PNG/SVG/PDF through Chromium (false: tables and HTML only).</summary>
    public bool Images { get; init; } = true;

    /// <summary>Browser settings; the DPI, PDF and title settings are set by the figure set.</summary>
    public ImageExportOptions ImageOptions { get; init; } = new();
}

/// <summary>
/// The paper's tables and figures, built from stored result rows: main comparison tables per setting, the
/// ablation, sensitivity, efficiency, sequential and convex tables (and a table for any other experiment),
/// and the charts (metric panels, trade-off, log–log MIA ROC, sweeps, convex ground-truth error) in the kit's
/// style (<see cref="FigureStyle"/>). Captions are generated from the rows they describe. Written to one
/// folder with a README; tables as Markdown, HTML and LaTeX; figures as HTML (sharing one plotly.min.js), PNG
/// at 300 dpi, SVG and PDF.
/// </summary>
public static class FigureSet
{
    // Declared before the orders built from it (static initialisers run in text order).
    private static readonly string[] Controls = ["original", "random-step"];

    /// <summary>
    /// Method order of tables and charts: the two controls (the untouched original, the random step of IAU's size)
    /// and the reference (Retrain) first, then every other method in registry order (<see cref="UnlearningMethods.Names"/>).
    /// </summary>
    public static IReadOnlyList<string> MethodOrderDefault { get; } =
        [.. Controls, MethodOrder.DefaultReference, .. UnlearningMethods.Names.Where(n => !Controls.Contains(n) && n != MethodOrder.DefaultReference)];

    private static readonly string[] AblationOrder = ["IA", "IA+GC", "IA+GR", "IA+GC+GR"];

    /// <summary>Builds the tables and charts of whatever experiments the rows hold.</summary>
    public static (IReadOnlyDictionary<string, SummaryTable> Tables, IReadOnlyList<FigureEntry> Figures) Build(IReadOnlyList<ResultRow> rows)
    {
        var (tables, figures) = BuildWithCaptions(rows);
        return (tables.ToDictionary(t => t.Name, t => t.Table, StringComparer.Ordinal), figures);
    }

    /// <summary>Builds the tables (with captions) and charts of whatever experiments the rows hold.</summary>
    public static (IReadOnlyList<TableEntry> Tables, IReadOnlyList<FigureEntry> Figures) BuildWithCaptions(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var tables = new List<TableEntry>();
        var figures = new List<FigureEntry>();
        var order = MethodOrderDefault;

        // One table per forget set: random 5% keeps the plain name; 10% and class-wise get a suffix. Tuned rows
        // (variant "tuned") show as "method [tuned]" beside the reference-default rows.
        foreach (var g in ComparisonSettings(rows))
        {
            var (experiment, dataset, model, forget) = g.Key;
            var name = SettingName(experiment, dataset, model, forget);
            var what = experiment == "classwise" ? $"Class-wise forgetting ({forget})" : $"Main comparison ({forget.Replace("ratio=", "random ", StringComparison.Ordinal)})";
            var table = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true });
            tables.Add(new(name, TableCaption($"{what}, {model} on {dataset}", table), table, Wide: true));

            var barMetrics = new[] { Metric.TA, Metric.RA, Metric.FA, Metric.MiaShadow, Metric.MiaEntropy }.Where(m => g.Any(r => r.Metrics.ContainsKey(m))).ToList();
            if (barMetrics.Count > 0)
            {
                var size = BarsSize(g, order);
                figures.Add(new(
                    $"{name}-bars",
                    $"{what}, {model} on {dataset}: {Join(barMetrics.Select(Charts.MetricLabel))} per method ({Seeds(g)}). " +
                    $"Dashed line and grey band: Retrain's mean ± std, the target every method should match. " +
                    OutlierSentence(g, barMetrics, order),
                    Charts.MetricBars(g, barMetrics, $"{model} on {dataset}", order, size: size),
                    size));
            }

            var trade = g.Where(r => r.Method != "original").ToList();
            if (trade.Any(r => r.Metrics.ContainsKey(Metric.AvgGap) && r.Metrics.ContainsKey(Metric.Rte)))
            {
                var points = trade.Where(r => !IsRetrain(r)).Select(r => (r.Method, r.Variant)).Distinct().Count();
                var tradeSize = FigureSize.DoubleColumn(Charts.TradeOffHeightInches(points, FigureStyle.DoubleColumnInches));
                figures.Add(new(
                    $"{name}-tradeoff",
                    $"Cost against fidelity, {model} on {dataset}: Avg Gap to Retrain (mean |Δ| over TA, RA, FA, MIA; lower is closer) against unlearning time RTE, " +
                    $"{(Charts.TradeOffUsesLogY(trade, Metric.AvgGap, Metric.Rte, order) ? "both on log scales" : "time on a log scale")} ({Seeds(trade)}). Dashed line: Retrain's time (band ± std); Retrain's Avg Gap is 0 by definition.",
                    Charts.TradeOff(trade, Metric.AvgGap, Metric.Rte, $"Avg Gap vs time, {model}", order, tradeSize),
                    tradeSize));
            }

            if (SettingComparison.Build([.. g]) is { } cmp)
            {
                // One legend entry per compared row and one for Retrain, laid out as the trade-off figure's.
                var fsize = FigureSize.DoubleColumn(Charts.TradeOffHeightInches(cmp.Entries.Count + 1, FigureStyle.DoubleColumnInches));
                if (ForgettingChart.Build(cmp, $"Forgetting vs utility, {model}", fsize, order) is { } chart)
                {
                    figures.Add(new(
                        $"{name}-forgetting",
                        $"Forgetting against utility, {what}, {model} on {dataset} ({cmp.Seeds} forget-set seed(s); error bars: 95% bootstrap intervals over the seeds): " +
                        (cmp.ShareDefined
                            ? "share of the original's forget-accuracy gap to Retrain that each row closes, 1 − (FA − FA_r)/(FA_o − FA_r)"
                            : $"FA − FA_Retrain (the share of the original's FA gap closed is n/a: {cmp.ShareNote})") +
                        ", against the test accuracy lost relative to Retrain. Retrain: black star and dashed line; the untouched original (dotted) and the random-direction step of IAU's size (dash-dot) are drawn as points and as reference lines at their forgetting level.",
                        chart,
                        fsize));
                }
            }

            var seed = g.Min(x => x.Seed);
            // Reference-default rows only: beside them the tuned variants doubled the curves (27 on LeNet5) past reading;
            // every row's loss-attack AUC is in the table (AUC_loss).
            var tunedLeftOut = g.Any(r => r.Variant.Length > 0 && r.Notes.ContainsKey(RocNote.Key));
            var roc = g.Where(r => r.Seed == seed && r.Variant.Length == 0 && r.Notes.ContainsKey(RocNote.Key))
                .OrderBy(r => IndexIn(order, r.Method))
                .Select(r => (Method: r.Variant.Length == 0 ? r.Method : $"{r.Method} [{r.Variant}]", Curve: RocNote.Parse(r.Notes[RocNote.Key])))
                .Select(t => (t.Method, (IReadOnlyList<double>)t.Curve.Fpr, (IReadOnlyList<double>)t.Curve.Tpr))
                .ToList();
            if (roc.Count > 0)
            {
                var firstFpr = roc.Select(c => c.Item2.Where(f => f > 0).DefaultIfEmpty(double.NaN).Min()).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
                var resolution = double.IsFinite(firstFpr) && firstFpr > Charts.LowFprLevels.Max()
                    ? $" n/r: not resolved — some curves' first point above FPR 0 lies at FPR up to {firstFpr.ToString("0.####", CultureInfo.InvariantCulture)}: many non-members share one loss (as a collapsed model's outputs do), so the curve jumps past 1% and 0.1% FPR and the TPR there cannot be read."
                    : "";
                var rocSize = FigureSize.DoubleColumn(Math.Max(3.0, 0.7 + (0.19 * (roc.Count + 1))));
                figures.Add(new(
                    $"{name}-mia-roc",
                    $"Loss-threshold membership attack on {model}, forget set (members) against the test samples of its classes (non-members), seed {seed}: ROC per method on log–log axes; " +
                    $"the legend gives the AUC and the TPR at 1% and 0.1% FPR (dotted lines), Retrain dashed black. A single seed: no error bars." +
                    (tunedLeftOut ? " Reference-default rows only; the tuned rows' AUC is the table's AUC_loss." : "") + resolution,
                    Charts.Roc(roc, $"Loss attack ROC, {model}", size: rocSize),
                    rocSize));
            }
        }

        foreach (var g in Settings(rows, "ablation"))
        {
            var (dataset, model) = g.Key;
            var name = $"ablation-{dataset}-{model}";
            var table = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = AblationOrder });
            tables.Add(new(name, TableCaption($"Ablation of IAU on {model}, {dataset} (IA: forget term alone; GC: gradient correction with D_r; GR: original trained with gradient restriction)", table), table, Wide: true));
            var metrics = new[] { Metric.TA, Metric.RA, Metric.FA, Metric.MiaShadow, Metric.AvgGap }.Where(m => g.Any(r => r.Metrics.ContainsKey(m))).ToList();
            var seeds = g.Select(r => r.Seed).ToHashSet();
            var reference = rows.Where(r => r.Experiment == "main" && ForgetOf(r) == ForgetOf(g.First()) && r.Dataset == dataset && r.Model == model && IsRetrain(r) && seeds.Contains(r.Seed)).ToList();
            var refText = reference.Count > 0
                ? $"Dashed line: Retrain of the main experiment for the same seed{(seeds.Count > 1 ? "s" : "")} (its original trained with GR); the Avg Gap of each variant is measured against a Retrain of its own original, whose Avg Gap is 0 by definition."
                : "Retrain has no row for this setting; the Avg Gap panel's dashed line is Retrain's 0 by definition.";
            var size = FigureSize.DoubleColumn(1.75);
            figures.Add(new(
                $"{name}-bars",
                $"Ablation on {model}, {dataset}: {Join(metrics.Select(Charts.MetricLabel))} of IA, IA+GC, IA+GR and IA+GC+GR (= IAU) ({Seeds(g)}). {refText}",
                Charts.MetricBars(g, metrics, $"Ablation, {model}", AblationOrder, reference, size: size),
                size));
        }

        foreach (var g in Settings(rows, "sensitivity"))
        {
            var (dataset, model) = g.Key;
            var name = $"sensitivity-{dataset}-{model}";
            var table = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true });
            tables.Add(new(name, TableCaption($"Sensitivity of IAU on {model}, {dataset} (GR weight α of the original, steps and learning rate of the update, forget ratio)", table), table, Wide: true));
            var alpha = g.Where(r => r.Variant.StartsWith("alpha=", StringComparison.Ordinal)).ToList();
            if (alpha.Count > 0)
            {
                var metrics = new[] { Metric.FA, Metric.AvgGap }.Where(m => alpha.Any(r => r.Metrics.ContainsKey(m))).ToList();
                var seeds = alpha.Select(r => r.Seed).ToHashSet();
                var reference = rows.Where(r => r.Experiment == "main" && ForgetOf(r) == ForgetOf(g.First()) && r.Dataset == dataset && r.Model == model && IsRetrain(r) && seeds.Contains(r.Seed)).ToList();
                var size = FigureSize.DoubleColumn(2.3);
                figures.Add(new(
                    $"{name}-alpha",
                    $"Sensitivity to the gradient-restriction weight α of the original ({Values(alpha, "alpha")}): {Join(metrics.Select(Charts.MetricLabel))} of IAU ({Seeds(alpha)}). " +
                    (reference.Count > 0 && metrics.Contains(Metric.FA) ? "Dashed line in the FA panel: Retrain of the main experiment (its original trained with the default α) for the same seed; " : "") +
                    "each Avg Gap is measured against a Retrain with the same α, 0 by definition (dashed).",
                    Charts.Sweep(alpha, metrics, "alpha", "IAU vs α", logX: false, order, reference, size),
                    size));
            }

            var ratio = g.Where(r => r.Variant.StartsWith("ratio=", StringComparison.Ordinal)).ToList();
            if (ratio.Count > 0)
            {
                var metrics = new[] { Metric.TA, Metric.FA }.Where(m => ratio.Any(r => r.Metrics.ContainsKey(m))).ToList();
                var size = FigureSize.DoubleColumn(2.3);
                figures.Add(new(
                    $"{name}-ratio",
                    $"Sensitivity to the forget ratio ({Values(ratio, "ratio")}): {Join(metrics.Select(Charts.MetricLabel))} of {Join(MethodOrder.Arrange(ratio.Select(r => r.Method), order).Select(Pretty))}, Retrain dashed black ({Seeds(ratio)}).",
                    Charts.Sweep(ratio, metrics, "ratio", "Accuracy vs forget ratio", logX: false, order, size: size),
                    size));
            }
        }

        foreach (var g in Settings(rows, "efficiency"))
        {
            var (dataset, model) = g.Key;
            var name = $"efficiency-{dataset}-{model}";
            var table = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order, SplitByVariant = true, Metrics = [Metric.Rte, Metric.TA, Metric.FA, Metric.ForgetSize, Metric.RetainSize] });
            tables.Add(new(name, TableCaption($"Efficiency on {model}, {dataset}: unlearning time against the sizes of D_f and D_r", table), table, Wide: false));
            var forget = g.Where(r => r.Variant.StartsWith("forget=", StringComparison.Ordinal)).ToList();
            var effSeeds = g.Select(r => r.Seed).ToHashSet();
            var mainRetrain = rows.Where(r => r.Experiment == "main" && ForgetOf(r) == ForgetOf(g.First()) && r.Dataset == dataset && r.Model == model && IsRetrain(r) && effSeeds.Contains(r.Seed)).ToList();
            if (forget.Count > 0)
            {
                var hasRetrain = forget.Any(IsRetrain);
                figures.Add(new(
                    $"{name}-forget",
                    $"Unlearning time RTE against the forget-set size (forget ratio of the training split {Values(forget, "forget")}, log scale) for {Join(MethodOrder.Arrange(forget.Where(r => !IsRetrain(r)).Select(r => r.Method), order).Select(Pretty))} ({Seeds(forget)}). " +
                    (hasRetrain ? "Retrain dashed black." : mainRetrain.Count > 0 ? "Dashed line: Retrain's time in the main experiment (its forget set, same seed); this experiment does not run Retrain." : "This experiment does not run Retrain."),
                    Charts.Sweep(forget, [Metric.Rte], "forget", "Time vs |D_f|", logX: true, order, hasRetrain ? null : mainRetrain.Count > 0 ? mainRetrain : null, FigureSize.SingleColumn(2.6)),
                    FigureSize.SingleColumn(2.6)));
            }

            var retain = g.Where(r => r.Variant.StartsWith("retain=", StringComparison.Ordinal)).ToList();
            if (retain.Count > 0)
            {
                // Retrain at the same forget-set size as the retain sweep, from the forget sweep.
                var forgetSize = retain.Select(r => r.Metrics.GetValueOrDefault(Metric.ForgetSize, double.NaN)).FirstOrDefault(double.IsFinite, double.NaN);
                var reference = forget.Where(r => IsRetrain(r) && r.Metrics.GetValueOrDefault(Metric.ForgetSize, double.NaN) == forgetSize).ToList();
                var fromMain = reference.Count == 0 && mainRetrain.Count > 0;
                if (fromMain)
                {
                    reference = mainRetrain;
                }

                figures.Add(new(
                    $"{name}-retain",
                    $"Unlearning time of IAU against the share of D_r its retain gradient is computed on ({Values(retain, "retain")}; cached IAU needs no pass over D_r) ({Seeds(retain)})." +
                    (fromMain ? " Dashed line: Retrain's time in the main experiment (same seed)."
                        : reference.Count > 0 ? $" Dashed line: Retrain's time for the same |D_f| = {forgetSize.ToString("F0", CultureInfo.InvariantCulture)}." : " No Retrain time to compare with."),
                    Charts.Sweep(retain, [Metric.Rte], "retain", "Time vs |D_r|", logX: false, order, reference, FigureSize.SingleColumn(2.6)),
                    FigureSize.SingleColumn(2.6)));
            }
        }

        foreach (var g in Settings(rows, "sequential"))
        {
            var (dataset, model) = g.Key;
            var name = $"sequential-{dataset}-{model}";
            var streamOrder = MethodOrder.Arrange(g.Select(r => r.Method), StreamOrder);
            var requests = g.Select(r => VariantParameter.TryParse(r.Variant, "request", out var j) ? j : 0).DefaultIfEmpty().Max();
            var perRequest = g.Select(r => r.Metrics.GetValueOrDefault(Metric.Removed)).DefaultIfEmpty().Min();
            var stream = $"{requests:F0} requests of {perRequest:F0} samples each";
            var checkpoints = g.Where(r => r.Metrics.ContainsKey(Metric.AvgGap)).ToList();
            if (checkpoints.Count > 0)
            {
                var table = SummaryTable.Build(checkpoints, new SummaryTableOptions { MethodOrder = streamOrder, SplitByVariant = true, Metrics = [Metric.AvgGap, Metric.FaGap, Metric.TA, Metric.TaGap, Metric.FA, Metric.MiaShadow, Metric.Rte, Metric.CumulativeSeconds, Metric.Removed] });
                tables.Add(new(name, TableCaption($"A stream of deletion requests on {model}, {dataset} ({stream}), measured after every 5th request and the last against Retrain on what remains: Avg Gap, forgetting (FA of everything forgotten so far, and its gap to Retrain's), utility (TA and its gap), and cost (seconds of the request, cumulative seconds; Retrain's as if retrained after every request)", table), table, Wide: true));
                var size = FigureSize.DoubleColumn(2.4);
                figures.Add(new(
                    $"{name}-gap",
                    $"A stream of deletion requests ({stream}): Avg Gap and forget-accuracy gap to Retrain on the remaining set, after every 5th request and the last, per method, mean ± std over {Seeds(g)}; Retrain is 0 by definition.",
                    Charts.Sweep(checkpoints, [Metric.AvgGap, Metric.FaGap], "request", "Gap to Retrain over a stream of requests", logX: false, streamOrder, null, size),
                    size));
            }

            var metrics = new[] { Metric.TA, Metric.FA }.Where(m => g.Any(r => r.Metrics.ContainsKey(m))).ToList();
            var accuracySize = FigureSize.DoubleColumn(2.3);
            figures.Add(new(
                $"{name}-requests",
                $"A stream of deletion requests ({stream}): test accuracy and forget accuracy on everything forgotten so far, after each request, mean ± std over {Seeds(g)}" +
                (checkpoints.Count > 0 ? "; Retrain (dashed) on the remaining set after every 5th request and the last." : "; no Retrain reference in these rows."),
                Charts.Sweep(g, metrics, "request", "Accuracy over a stream of requests", logX: false, streamOrder, null, accuracySize),
                accuracySize));
            if (g.Any(r => r.Metrics.ContainsKey(Metric.CumulativeSeconds)))
            {
                var timeSize = FigureSize.DoubleColumn(2.6);
                figures.Add(new(
                    $"{name}-time",
                    $"A stream of deletion requests ({stream}): cumulative seconds against the request index (log scale where the range needs it), mean ± std over {Seeds(g)}; Retrain's as if it retrained after every request, each request charged the time of the Retrain at the next checkpoint; the original (no work) is left out.",
                    Charts.Sweep(g.Where(r => r.Method != "original"), [Metric.CumulativeSeconds], "request", "Cumulative time over a stream of requests", logX: false, streamOrder, null, timeSize),
                    timeSize));
            }
        }

        foreach (var g in Settings(rows, "convex"))
        {
            var (dataset, model) = g.Key;
            var name = $"convex-{dataset}-{model}";
            var table = SummaryTable.Build(g, new SummaryTableOptions { SplitByVariant = true, Metrics = [.. ConvexColumns] });
            tables.Add(new(name, TableCaption($"Convex ground truth on {model}, {dataset}: error ‖θ_method − θ_retrain‖ / ‖θ* − θ_retrain‖ against exact retraining, cosine of each update with the true shift, times", table), table, Wide: true));
            var points = g.Select(r => (Removed: r.Metrics.GetValueOrDefault(Metric.Removed, ParseRemoved(r.Variant)), r))
                .GroupBy(p => p.Removed).OrderBy(p => p.Key).ToList();
            var removed = points.Select(p => p.Key).ToList();
            var series = new[] { "iau", "iu", "certified" }
                .Where(m => g.Any(r => r.Metrics.ContainsKey(Metric.OfMethod(m, Metric.ErrorSuffix))))
                .Select(m => (m, (IReadOnlyList<MeanStd>)[.. points.Select(p => MeanStd.Of(p.Select(x => x.r.Metrics.GetValueOrDefault(Metric.OfMethod(m, Metric.ErrorSuffix), double.NaN))))]))
                .ToList();
            figures.Add(new(
                $"{name}-error",
                $"Convex ground truth ({model}, {dataset}): relative parameter error ‖θ_method − θ_retrain‖ / ‖θ* − θ_retrain‖ of {Join(series.Select(s => Pretty(s.m)))} against the number of samples removed, log scale ({Seeds(g)}). " +
                "Exact retraining is the reference at error 0 (not drawable on a log axis); 1 means no closer than the original.",
                Charts.RemovalError(removed, series, "Error vs exact retraining", "Relative error to retraining", logY: true, FigureSize.SingleColumn(2.6)),
                FigureSize.SingleColumn(2.6)));
        }

        // Any other experiment (e.g. added later): a table per setting, and metric panels when it has accuracies.
        var known = new HashSet<string>(["main", "classwise", "ablation", "sensitivity", "efficiency", "sequential", "convex"], StringComparer.Ordinal);
        foreach (var experiment in rows.Select(r => r.Experiment).Where(e => !known.Contains(e)).Distinct().Order(StringComparer.Ordinal))
        {
            foreach (var g in Settings(rows, experiment))
            {
                var (dataset, model) = g.Key;
                var name = $"{experiment}-{dataset}-{model}";
                var table = SummaryTable.Build(g, new SummaryTableOptions { MethodOrder = order });
                tables.Add(new(name, TableCaption($"Experiment \"{experiment}\", {model} on {dataset}", table), table, Wide: table.Metrics.Count > 6));
                // The audit's own scores (forget score F, U-LiRA's AUC) beside test accuracy; the other experiments' accuracies.
                var metrics = (experiment == "audit" ? AuditBarMetrics : Charts.DefaultBarMetrics).Where(m => g.Any(r => r.Metrics.ContainsKey(m))).ToList();
                if (metrics.Count > 0 && g.Any(r => !IsRetrain(r)))
                {
                    var size = BarsSize(g, order);
                    figures.Add(new(
                        $"{name}-bars",
                        $"Experiment \"{experiment}\", {model} on {dataset}: {Join(metrics.Select(Charts.MetricLabel))} per method ({Seeds(g)})" +
                        (g.Any(IsRetrain) ? "; dashed line and grey band: Retrain's mean ± std." : "; this experiment has no Retrain rows."),
                        Charts.MetricBars(g, metrics, $"{experiment}, {model} on {dataset}", order, size: size),
                        size));
                }
            }
        }

        return (tables, figures);
    }

    /// <summary>The main and class-wise rows grouped by setting (experiment, dataset, model, forget set), in table order.</summary>
    internal static IEnumerable<IGrouping<(string Experiment, string Dataset, string Model, string Forget), ResultRow>> ComparisonSettings(IReadOnlyList<ResultRow> rows) =>
        rows.Where(r => r.Experiment is "main" or "classwise")
            .GroupBy(r => (r.Experiment, r.Dataset, r.Model, Forget: ForgetOf(r)))
            .OrderBy(g => g.Key.Experiment, StringComparer.Ordinal).ThenBy(g => g.Key.Dataset, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Forget, StringComparer.Ordinal);

    /// <summary>A setting's table name: random 5% keeps the plain name; 10% gets a suffix; class-wise is its own experiment.</summary>
    internal static string SettingName(string experiment, string dataset, string model, string forget) =>
        $"{experiment}-{dataset}-{model}" + (forget is "ratio=0.05" or "" || experiment == "classwise" ? string.Empty : "-" + forget.Replace("ratio=", "random-", StringComparison.Ordinal));

    /// <summary>The forget set of a row's setting ("ratio=0.05", "class=0"; see <see cref="ResultRow.ForgetSetting"/>).</summary>
    public static string ForgetOf(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.ForgetSetting;
    }

    /// <summary>
    /// Writes tables (.md, .html, .tex), figures (.html loading one shared plotly.min.js; .png at 300 dpi, .svg and
    /// .pdf through Chromium when available) and README.md.
    /// </summary>
    public static async Task<FigureSetResult> WriteAsync(
        IReadOnlyList<ResultRow> rows, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default,
        FigureSetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new FigureSetOptions();
        Directory.CreateDirectory(directory);
        var (tables, figures) = BuildWithCaptions(rows);
        var markdown = WriteTables(tables, directory);

        var script = FigureExport.WriteSharedScript(directory);
        foreach (var f in figures)
        {
            progress?.Report($"figure {f.Name}");
            FigureExport.WriteHtmlWithSharedScript(f.Chart, Path.Combine(directory, f.Name + ".html"), f.Name, script);
        }

        string message;
        var imagesWritten = false;
        if (!options.Images)
        {
            message = "PNG/SVG/PDF not requested: tables and HTML only";
        }
        else if (figures.Count == 0)
        {
            message = "no figures";
        }
        else
        {
            progress?.Report("PNG/SVG/PDF export");
            var imageOptions = options.ImageOptions.ForPaper();
            await using var exporter = await FigureExporter.StartAsync(imageOptions, cancellationToken).ConfigureAwait(false);
            var results = new List<ExportResult>();
            foreach (var f in figures)
            {
                var size = f.ExportSize;
                results.Add(await exporter.TryWriteImagesAsync(f.Chart, Path.Combine(directory, f.Name), size.WidthPixels, size.HeightPixels, cancellationToken).ConfigureAwait(false));
            }

            imagesWritten = results.All(i => i.Succeeded);
            message = imagesWritten
                ? $"PNG ({FigureStyle.Dpi} dpi), SVG and PDF written for {results.Count} figures"
                : results.First(i => !i.Succeeded).Message + "; tables and HTML written";
        }

        var readme = Path.Combine(directory, "README.md");
        Readme(rows, tables, figures, directory, options.Source).WriteTo(readme);
        return new FigureSetResult(markdown, [.. figures.Select(f => f.Name)], message, readme) { ImagesWritten = imagesWritten };
    }

    /// <summary>
    /// Writes every table as .md (caption in italics, then the table), .html and .tex into
    /// <paramref name="directory"/>; returns the Markdown by name. Needs no browser.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WriteTables(IReadOnlyList<TableEntry> tables, string directory)
    {
        ArgumentNullException.ThrowIfNull(tables);
        Directory.CreateDirectory(directory);
        var markdown = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, caption, table, wide) in tables)
        {
            var md = table.ToMarkdown();
            markdown[name] = md;
            FigureExport.WriteAllTextAtomic(Path.Combine(directory, name + ".md"), $"*{caption}*\n\n{md}");
            FigureExport.WriteAllTextAtomic(Path.Combine(directory, name + ".html"), TableHtml(name, caption, table));
            FigureExport.WriteAllTextAtomic(Path.Combine(directory, name + ".tex"), table.ToLatex(caption, $"tab:{name}", resizeToWidth: wide));
        }

        return markdown;
    }

    private static string TableHtml(string name, string caption, SummaryTable table) =>
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + System.Net.WebUtility.HtmlEncode(name) + "</title>\n" +
        "<style>body{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;font-size:13px;margin:16px}" +
        "table.iau-summary{border-collapse:collapse}table.iau-summary caption{caption-side:top;text-align:left;padding:4px 0;max-width:60em}" +
        "table.iau-summary th,table.iau-summary td{padding:2px 8px;text-align:right;white-space:nowrap}" +
        "table.iau-summary th:first-child,table.iau-summary td:first-child{text-align:left}" +
        "table.iau-summary thead tr{border-top:2px solid #000;border-bottom:1px solid #000}table.iau-summary tbody tr:last-child{border-bottom:2px solid #000}</style>\n" +
        "</head><body>\n" + table.ToHtml(caption) + "</body></html>\n";

    /// <summary>
    /// A table's caption from its data: the title, the seed counts (mean and its 95% bootstrap interval over n seeds,
    /// as <see cref="MeanStd.Format(int)"/> writes a cell, or a single seed with no interval) and which cells are bold by which rule.
    /// </summary>
    public static string TableCaption(string title, SummaryTable table)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(table);
        var counts = table.Rows.Select(table.SeedCount).Distinct().Order().ToList();
        var seeds = counts switch
        {
            [1] => "single seed (n = 1): values without an interval",
            [var n] => $"mean [95% bootstrap interval of the mean] over {n} seeds",
            _ => $"mean [95% bootstrap interval of the mean] where n > 1 (n = {counts[0]}–{counts[^1]} seeds per row)",
        };
        var bold = new List<string>();
        foreach (var (rule, text) in new[] { (BestRule.ClosestToReference, "closest to Retrain"), (BestRule.Lowest, "lowest"), (BestRule.Highest, "highest") })
        {
            var metrics = table.Metrics.Where(m => table.Rules[m] == rule && table.Rows.Any(r => table.IsBest(r, m))).Select(Charts.MetricLabel).ToList();
            if (metrics.Count > 0)
            {
                bold.Add($"{text} for {Join(metrics)}");
            }
        }

        return $"{title}; {seeds}." + (bold.Count > 0 ? $" Bold: best per column ({string.Join("; ", bold)})." : "");
    }

    // The profile whose run a figures folder holds, for the refresh example: figures/ holds the quick profile's, a
    // sub-folder (figures/fmnist-paper) the profile it is named after.
    private static string RunName(string directory)
    {
        var last = Path.GetFileName(directory.Replace('\\', '/').TrimEnd('/'));
        return last.Length == 0 || last == "figures" ? "quick" : last;
    }

    private static MarkdownReport Readme(IReadOnlyList<ResultRow> rows, IReadOnlyList<TableEntry> tables, IReadOnlyList<FigureEntry> figures, string directory, string? source)
    {
        var report = new MarkdownReport(
            "Figures and tables",
            "Generated by `iau figures` (or at the end of `iau reproduce`) from stored result rows" +
            (source is null ? "" : $" — here `{source}`") + ". Regenerate with\n\n" +
            $"    iau figures --results {source ?? "results/quick/results.jsonl"} --out {directory.Replace('\\', '/').TrimEnd('/')}\n\n" +
            "Tables are rebuilt byte for byte from the rows (a test checks the committed ones); figures need Chromium (`apt-get install chromium`) for PNG, SVG and PDF, " +
            "and without it the command writes the tables and the HTML figures and says so. To refresh this folder from a new run, copy that run's " +
            $"`results.jsonl` here first (e.g. `cp results/{RunName(directory)}/results.jsonl {source ?? "figures/results.jsonl"}`), then run the command above.");
        report.AddSection("What is here");
        report.AddList(
        [
            "Every **table** as Markdown (`.md`, caption in italics), HTML (`.html`) and LaTeX (`.tex`: booktabs, `\\input{…}` it; wide tables use `table*` and `\\resizebox`, so load `graphicx`). " +
            "Cells are mean ± sample std over seeds, the ± only where a row has more than one seed; counts are integers; the best cell of each column is bold.",
            $"Every **figure** as PNG at {FigureStyle.Dpi} dpi, vector SVG and PDF (printed by Chromium, fonts embedded), sized for paper templates: " +
            $"{FigureStyle.SingleColumnInches} in wide for one column, {FigureStyle.DoubleColumnInches} in for both (`\\includegraphics{{name.pdf}}` at its natural size). " +
            "Titles are left out of the images (the captions below carry them) and kept in the interactive HTML, which loads the one `plotly.min.js` beside it or, for a figure set inside another, in the folder above (offline).",
            "Captions are generated from the rows each figure or table shows (seed counts, settings, what the reference lines are).",
        ]);
        report.AddSection("Figure style");
        report.AddParagraph(
            "White background, black frame, Arial/Liberation Sans at 7.5 pt. Each method has one colour (Okabe–Ito and Paul Tol colour-blind-safe palettes), " +
            "one marker and one line dash in every figure, from the table in `lib/Iau.Reporting/FigureStyle.cs`; a method not in the table gets a fallback colour " +
            "no other method of the same figure uses. Retrain, the gold standard, is a dashed black line with a grey band of ± 1 std wherever methods are compared to it. " +
            "Error bars are ± 1 sample std over seeds where a point has more than one seed (the forgetting-against-utility figures: 95% bootstrap intervals); single-seed figures say so in a note; the tables give each mean with its 95% bootstrap interval over the seeds. " +
            "Axis ranges fit the data rather than starting at 0; in the metric panels a method far outside the others (beyond 3 interquartile ranges) is an arrow at the panel's edge with its value. " +
            "ROC curves are on log–log axes with the TPR at 1% and 0.1% FPR in the legend.");
        report.AddTable(MethodStyleTable());
        report.AddSection("Tables");
        var findings = Findings.Build(rows).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var streams = rows.Where(r => r.Experiment == "sequential").GroupBy(r => $"sequential-{r.Dataset}-{r.Model}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => StreamReading.Sentences([.. g]), StringComparer.Ordinal);
        foreach (var (name, caption, table, _) in tables)
        {
            report.AddParagraph($"**{name}** — [Markdown]({name}.md) · [HTML]({name}.html) · [LaTeX]({name}.tex)");
            report.AddTable(table, caption);
            if (findings.TryGetValue(name, out var f))
            {
                report.AddParagraph("What the rows say (computed by `Findings.Build`; places, intervals and tests over the forget-set seeds):\n\n" + Findings.ToMarkdown([f]));
            }

            if (streams.TryGetValue(name, out var s) && s.Count > 0)
            {
                report.AddParagraph("What the rows say (computed by `StreamReading.Sentences`; intervals and tests over the seeds):\n\n" + string.Join("\n", s.Select(x => "- " + x)));
            }
        }

        report.AddSection("Figures");
        foreach (var f in figures)
        {
            report.AddFigure(f.Caption, Path.Combine(directory, f.Name), directory);
        }

        return report;
    }

    private static readonly string[] ConvexColumns =
    [
        Metric.OfMethod("iau", Metric.ErrorSuffix), Metric.OfMethod("iu", Metric.ErrorSuffix), Metric.OfMethod("certified", Metric.ErrorSuffix),
        Metric.OfMethod("iau", Metric.CosineSuffix), Metric.OfMethod("iu", Metric.CosineSuffix), Metric.ShiftNorm, Metric.RetrainSeconds,
        Metric.OfMethod("iau", Metric.SecondsSuffix), Metric.OfMethod("iu", Metric.SecondsSuffix),
    ];

    private static readonly string[] AuditBarMetrics = [Metric.AuditF, Metric.ULiraAuc, Metric.TA];

    /// <summary>The stream's methods first, in the order its cells run; the baselines follow as in the main comparison.</summary>
    internal static readonly string[] StreamOrder = ["retrain", "original", "iau-exact", "iau-cached-r1", "iau-cached-r2", "iau-cached-r5", "iau-cached", .. MethodOrderDefault];

    // The points the bar chart draws (Retrain is its reference line, not a point), grouped as the chart groups them.
    private static List<(string Label, string Method, List<ResultRow> Rows)> BarPoints(IEnumerable<ResultRow> rows, IReadOnlyList<string> order) =>
        Charts.GroupByMethodAndVariant([.. rows.Where(r => !IsRetrain(r))], order);

    private static FigureSize BarsSize(IEnumerable<ResultRow> rows, IReadOnlyList<string> order) => Charts.MetricBarsSize(BarPoints(rows, order).Count);

    private static string MethodStyleTable()
    {
        var sb = new StringBuilder("| method | label | colour | marker | dash |\n| --- | --- | --- | --- | --- |\n");
        foreach (var s in FigureStyle.Methods)
        {
            sb.Append($"| `{s.Method}` | {s.Label} | `{s.Color}` | {s.Marker} | {s.Dash} |\n");
        }

        foreach (var (alias, target) in FigureStyle.Aliases.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            sb.Append($"| `{alias}` | drawn as `{target}` | | | |\n");
        }

        return sb.ToString();
    }

    private static IEnumerable<IGrouping<(string Dataset, string Model), ResultRow>> Settings(IReadOnlyList<ResultRow> rows, string experiment) =>
        rows.Where(r => r.Experiment == experiment)
            .GroupBy(r => (r.Dataset, r.Model))
            .OrderBy(g => g.Key.Dataset, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Model, StringComparer.Ordinal);

    private static bool IsRetrain(ResultRow r) => string.Equals(r.Method, MethodOrder.DefaultReference, StringComparison.OrdinalIgnoreCase);

    private static int IndexIn(IReadOnlyList<string> order, string method)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (string.Equals(order[i], method, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static string Pretty(string method) => FigureStyle.Known(method)?.Label ?? method;

    /// <summary>"3 seeds: mean ± std" or "single seed: no error bars" from the rows' distinct seeds per point.</summary>
    private static string Seeds(IEnumerable<ResultRow> rows)
    {
        var perPoint = rows.GroupBy(r => (r.Method, r.Variant)).Select(g => g.Select(r => r.Seed).Distinct().Count()).Distinct().Order().ToList();
        return perPoint switch
        {
            [] => "no rows",
            [1] => "single seed, no error bars",
            [var n] => $"mean ± std over {n} seeds",
            _ => $"mean ± std where n > 1, n = {perPoint[0]}–{perPoint[^1]} seeds",
        };
    }

    private static string Values(IEnumerable<ResultRow> rows, string parameter) =>
        string.Join(", ", rows.Select(r => VariantParameter.TryParse(r.Variant, parameter, out var v) ? v : double.NaN)
            .Where(double.IsFinite).Distinct().Order().Select(v => v.ToString("0.#####", CultureInfo.InvariantCulture)));

    private static string OutlierSentence(IEnumerable<ResultRow> rows, IReadOnlyList<string> metrics, IReadOnlyList<string> order)
    {
        var list = rows.ToList();
        // One point per method and variant, as the chart draws them (a tuned row is not averaged with its default).
        var points = BarPoints(list, order);
        var styles = FigureStyle.Assign(points.Select(p => p.Method));
        var off = new List<string>();
        foreach (var metric in metrics)
        {
            var stats = points.Select(p => MeanStd.Of(p.Rows.Select(r => r.Metrics.GetValueOrDefault(metric, double.NaN)))).ToList();
            var refStat = MeanStd.Of(list.Where(IsRetrain).Select(r => r.Metrics.GetValueOrDefault(metric, double.NaN)));
            var (_, _, outliers) = Charts.FitRange(stats, refStat, Charts.IsDistanceToReference(metric));
            off.AddRange(outliers.Select(i => $"{Charts.Label(points[i].Label, points[i].Method, styles)} on {Charts.MetricLabel(metric)} ({stats[i].Mean.ToString("F3", CultureInfo.InvariantCulture)})"));
        }

        return off.Count == 0
            ? "Each panel's range fits the points."
            : $"Each panel's range fits the points; off-scale values are arrows at the edge with their mean: {Join(off)}.";
    }

    private static string Join(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            2 => $"{list[0]} and {list[1]}",
            _ => string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1],
        };
    }

    private static double ParseRemoved(string variant) =>
        VariantParameter.TryParse(variant, out _, out var v) ? v : double.NaN;
}
