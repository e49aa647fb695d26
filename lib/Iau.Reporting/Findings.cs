using System.Globalization;
using Iau.Evaluation;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>What one setting's rows say: the ranking and the sentences that interpret it, computed from the rows.</summary>
/// <param name="Name">The setting's table name (as in <see cref="FigureSet"/>, e.g. main-fashion-mnist-lenet5).</param>
/// <param name="Title">What the setting is, in words.</param>
/// <param name="Ranking">Compared rows — methods, tuned variants and both controls, not Retrain — by average rank, best first.</param>
/// <param name="Sentences">The findings, each one sentence.</param>
/// <param name="Comparison">The seed statistics behind them (null when the setting has nothing to compare).</param>
public sealed record SettingFindings(string Name, string Title, IReadOnlyList<ComparisonEntry> Ranking, IReadOnlyList<string> Sentences, SettingComparison? Comparison = null);

/// <summary>
/// Sentences whose truth depends on numbers — who ranks first, where IAU ranks, how much faster it is than
/// Retrain, which methods lose test accuracy, what tuning changed — computed from result rows so that the
/// notebooks, the figures README and the README say what the numbers say.
/// </summary>
public static class Findings
{
    /// <summary>The test-accuracy drop below the original's that counts as a collapse (the tuner's guard).</summary>
    public const double CollapseGuard = 0.05;

    /// <summary>The findings of every main and class-wise setting in <paramref name="rows"/>, in the order of <see cref="FigureSet"/>'s tables.</summary>
    public static IReadOnlyList<SettingFindings> Build(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new List<SettingFindings>();
        foreach (var g in FigureSet.ComparisonSettings(rows))
        {
            var (experiment, dataset, model, forget) = g.Key;
            var title = (experiment == "classwise" ? $"Class-wise forgetting ({forget})" : $"Main comparison ({forget.Replace("ratio=", "random ", StringComparison.Ordinal)})") + $", {model} on {dataset}";
            result.Add(Setting(FigureSet.SettingName(experiment, dataset, model, forget), title, [.. g]));
        }

        return result;
    }

    /// <summary>
    /// The findings as Markdown: per setting a heading, the ranking (place with its 95% interval, label, n, average
    /// rank, Avg Gap, the forgetting and utility gaps, RTE) and the sentences as a list (what <c>iau results findings</c>
    /// prints; the README quotes it). Intervals are 95% percentile bootstraps over the forget-set seeds.
    /// </summary>
    public static string ToMarkdown(IReadOnlyList<SettingFindings> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var sb = new System.Text.StringBuilder();
        foreach (var f in findings)
        {
            sb.Append(CultureInfo.InvariantCulture, $"### {f.Title} (`{f.Name}`)\n\n");
            if (f.Ranking.Count > 0)
            {
                sb.Append("| place [95%] | method | n | avg rank | Avg Gap | FA − FA_Retrain | share of FA gap closed | RMIA AUC − Retrain's | TA − TA_Retrain | RA − RA_Retrain | RTE (s) |\n")
                    .Append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
                foreach (var r in f.Ranking)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"| {r.Position} [{Place(r.PositionLow)}, {Place(r.PositionHigh)}] | {r.Label} | {r.Seeds} | {F2(r.AvgRank)} | {Cell(r.AvgGap)} | {Cell(r.FaGap)} | {(r.ShareClosed is { } sc ? Cell(sc, "F2") : "n/a")} | {(r.RmiaGap is { } g ? Cell(g) : "—")} | {Cell(r.TaGap)} | {Cell(r.RaGap)} | {(double.IsFinite(r.Rte) ? F2(r.Rte) : "—")} |\n");
                }

                sb.Append('\n');
            }

            foreach (var sentence in f.Sentences)
            {
                sb.Append("- ").Append(sentence).Append('\n');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>"mean [low, high]" (just the mean for one seed), 4 decimals unless told.</summary>
    internal static string Cell(Interval i, string format = "F4") =>
        !double.IsFinite(i.Value) ? "—"
        : i.Low == i.High ? i.Value.ToString(format, CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{i.Value.ToString(format, CultureInfo.InvariantCulture)} [{i.Low.ToString(format, CultureInfo.InvariantCulture)}, {i.High.ToString(format, CultureInfo.InvariantCulture)}]");

    private static string Place(double p) => Math.Round(p).ToString("F0", CultureInfo.InvariantCulture);

    private static SettingFindings Setting(string name, string title, IReadOnlyList<ResultRow> rows)
    {
        var cmp = SettingComparison.Build(rows);
        if (cmp is null)
        {
            return new(name, title, [], [rows.Any(r => r.Method == MethodOrder.DefaultReference) ? "No compared methods with the gap metrics." : "No Retrain rows: nothing to rank against."]);
        }

        var ranking = cmp.Entries;
        var sentences = new List<string>();
        var n = cmp.Seeds;
        var iau = cmp["iau"];
        var original = cmp["original"];
        var random = cmp["random-step"];
        string Where(ComparisonEntry e) => $"{Ordinal(e.Position)} ([{Place(e.PositionLow)}, {Place(e.PositionHigh)}])";

        var firsts = ranking.Where(e => e.CouldBeFirst).Select(e => e.Label).ToList();
        var lead = $"Ranked by the paper's average rank (TA, RA, FA and MIA_shadow; closest to Retrain = 1) over {n} forget-set seed(s), {ranking.Count} rows compared, both controls included; " +
            $"places with their 95% bootstrap intervals over the seeds. {ranking[0].Label} leads by the point estimate ({F2(ranking[0].AvgRank)})";
        sentences.Add(firsts.Count <= 1
            ? lead + $" and its interval holds first place alone."
            : lead + $", but {firsts.Count} rows cannot be told apart for first place at 95% (their intervals include 1): {Join(firsts)}.");

        var places = new List<string>();
        if (original is not null)
        {
            places.Add($"the untouched original ranks {Where(original)}");
        }

        if (random is not null)
        {
            places.Add($"the random-direction step {Where(random)}");
        }

        if (iau is not null)
        {
            places.Add($"IAU {Where(iau)}");
        }

        if (places.Count > 0)
        {
            sentences.Add($"Of {ranking.Count} rows, " + Join(places) + ".");
        }

        var smallestP = n <= PairedTest.ExactLimit ? Math.Pow(2, 1 - n) : double.NaN;
        var power = n <= 5 ? $" (with {n} seeds the smallest attainable p is {smallestP.ToString("0.###", CultureInfo.InvariantCulture)}: no difference can reach 95%)" : "";
        if (iau is not null && iau.AvgGapVsOriginal is { } io && original is not null)
        {
            sentences.Add($"IAU's Avg Gap {Cell(iau.AvgGap)} against the original's {Cell(original.AvgGap)}: " +
                (io.Significant ? (io.MeanDifference < 0 ? "lower" : "higher") + " at 95%" : "not distinguishable at 95%") +
                $" (paired sign-flip test over {io.Seeds} seeds, p = {P(io.P)}, Holm-adjusted over the rows p = {P(io.HolmP)}){power}.");
        }

        if (iau is not null && random?.AvgGapVsIau is { } ri)
        {
            sentences.Add($"Against the random-direction step of the same size (Avg Gap {Cell(random.AvgGap)}), IAU's Avg Gap is " +
                (ri.Significant ? (ri.MeanDifference > 0 ? "lower" : "higher") + " at 95%" : "not distinguishable at 95%") +
                $" (p = {P(ri.P)}, Holm {P(ri.HolmP)}).");
        }

        if (original is not null)
        {
            var better = ranking.Where(e => e.AvgGapVsOriginal is { Significant: true, MeanDifference: < 0 }).Select(e => e.Label).ToList();
            var worse = ranking.Where(e => e.AvgGapVsOriginal is { Significant: true, MeanDifference: > 0 }).Select(e => e.Label).ToList();
            sentences.Add($"Rows whose Avg Gap is lower than the untouched original's at 95% (Holm over the rows): {(better.Count == 0 ? "none" : Join(better))}; higher: {(worse.Count == 0 ? "none" : Join(worse))}; " +
                $"the other {ranking.Count - 1 - better.Count - worse.Count} are not distinguishable from doing nothing.");
        }

        var originalTa = Mean(rows.Where(r => r.Method == "original"), Metric.TA);
        // Forgetting a whole class costs Retrain that class's share of TA by design, so class-wise settings are
        // measured against Retrain's TA; random forget sets against the original's (the tuner's guard).
        var classWise = rows.Any(r => r.Experiment == "classwise");
        var useOriginal = double.IsFinite(originalTa) && !classWise;
        var reference = useOriginal ? originalTa : Mean(rows.Where(r => r.Method == MethodOrder.DefaultReference), Metric.TA);
        var who = useOriginal ? "the original's" : "Retrain's";
        var collapsed = ranking.Where(r => r.Ta.Value < reference - CollapseGuard).ToList();

        if (cmp.ShareDefined)
        {
            var closers = ranking.Where(e => e.ShareClosed is not null && e.Method != "original").OrderByDescending(e => e.ShareClosed!.Value).ToList();
            var text = $"Forgetting: the original's forget accuracy exceeds Retrain's by {Cell(cmp.OriginalFaGap)}";
            if (iau?.ShareClosed is { } isc)
            {
                text += $"; IAU closes {Cell(isc, "F2")} of that gap" + (iau.ShareVsOriginal is { } so ? (so.Significant ? " (more than none at 95%)" : " (not distinguishable from none at 95%)") : "");
            }

            if (random?.ShareClosed is { } rsc)
            {
                text += $", the random-direction step {Cell(rsc, "F2")}";
            }

            // A share above 1 forgets more than Retrain (FA below Retrain's), which a collapsed model does trivially; so
            // the row named is the one nearest to closing the whole gap among the rows that keep their TA.
            var kept = closers.Where(e => !collapsed.Contains(e)).OrderBy(e => Math.Abs(1 - e.ShareClosed!.Value)).ToList();
            if (kept.Count > 0)
            {
                text += $"; of the rows that keep their TA, {kept[0].Label} comes nearest to closing all of it: {Cell(kept[0].ShareClosed!, "F2")}";
            }

            var over = closers.Where(e => e.ShareClosed!.Value > 1 && e.ShareClosed.Low > 1).Select(e => e.Label).ToList();
            if (over.Count > 0)
            {
                text += $"; above 1 at 95% (forget accuracy below Retrain's, forgetting more than Retrain): {Join(over)}";
            }

            sentences.Add(text + ".");
        }
        else
        {
            sentences.Add($"The share of the original's FA gap closed is n/a here: {cmp.ShareNote} (FA gap {Cell(cmp.OriginalFaGap)}); the signed FA − FA_Retrain is in the table.");
        }

        var rmiaOriginal = Interval(rows.Where(r => r.Method == "original"), Metric.RmiaAuc);
        var rmiaRetrain = Interval(rows.Where(r => r.Method == MethodOrder.DefaultReference), Metric.RmiaAuc);
        if (double.IsFinite(rmiaOriginal.Value) && double.IsFinite(rmiaRetrain.Value))
        {
            var separates = rmiaOriginal.Low > rmiaRetrain.High;
            sentences.Add($"The per-example attack (RMIA, D_f against same-class test samples) gives the original an AUC of {Cell(rmiaOriginal)} and Retrain {Cell(rmiaRetrain)}: " +
                (separates ? "the intervals do not overlap, so the attack can see what the original still holds of D_f." : "the intervals overlap, so this attack cannot tell the original from Retrain here and its column does not rank forgetting."));
        }

        var retrainRte = Mean(rows.Where(r => r.Method == MethodOrder.DefaultReference), Metric.Rte);
        var timed = new[] { "iau", "iau-cached" }.Select(l => cmp[l]).Where(r => r is not null && double.IsFinite(r.Rte) && r.Rte > 0).ToList();
        if (timed.Count > 0 && double.IsFinite(retrainRte))
        {
            sentences.Add("Unlearning time: " + string.Join("; ", timed.Select(r => $"{(r!.Label == "iau" ? "IAU" : "cached IAU")} {r.Rte.ToString("F2", CultureInfo.InvariantCulture)} s, {(retrainRte / r.Rte).ToString("F1", CultureInfo.InvariantCulture)}× faster than Retrain ({retrainRte.ToString("F1", CultureInfo.InvariantCulture)} s)")) + ".");
        }

        sentences.Add(collapsed.Count == 0
            ? $"Every compared row keeps its mean TA within {CollapseGuard} of {who} ({F2(reference)})."
            : $"Mean TA more than {CollapseGuard} below {who} ({F2(reference)}): " + string.Join("; ", collapsed.Select(r => $"{r.Label} {Cell(r.Ta, "F2")}")) + ".");

        var diverged = rows.Where(r => r.Method != MethodOrder.DefaultReference).GroupBy(r => new SummaryRowKey(r.Method, r.Variant).Label)
            .Select(g => (Label: g.Key, Count: g.Count(r => r.Metrics.GetValueOrDefault(Metric.Diverged) == 1), Total: g.Count()))
            .Where(t => t.Count > 0).OrderBy(t => t.Label, StringComparer.Ordinal).ToList();
        if (diverged.Count > 0)
        {
            sentences.Add("Weights became NaN or infinite (diverged; no attack metrics, Avg Gap over TA, RA and FA only) for " +
                string.Join("; ", diverged.Select(t => $"{t.Label} in {t.Count} of {t.Total} seed(s)")) + ".");
        }

        var tuned = TunedEffects(rows);
        if (tuned is not null)
        {
            sentences.Add(tuned);
        }

        return new(name, title, ranking, sentences, cmp);
    }

    /// <summary>
    /// What the tuned recipes change: each tuned row's per-seed Avg Gap against its reference-default row's (paired
    /// sign-flip test, Holm over the methods): lower, higher, or inside the noise.
    /// </summary>
    private static string? TunedEffects(IReadOnlyList<ResultRow> rows)
    {
        var retrain = rows.Where(r => r.Method == MethodOrder.DefaultReference).GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Metrics);
        var pairs = rows.Where(r => r.Variant == MainExperiment.TunedVariant).Select(r => r.Method).Distinct().Order(StringComparer.Ordinal)
            .Select(m =>
            {
                double Gap(ResultRow r) => r.Metrics.GetValueOrDefault(Metric.AvgGap, double.NaN);
                var t = rows.Where(r => r.Method == m && r.Variant == MainExperiment.TunedVariant && retrain.ContainsKey(r.Seed)).ToDictionary(r => r.Seed, Gap);
                var d = rows.Where(r => r.Method == m && r.Variant.Length == 0 && retrain.ContainsKey(r.Seed)).ToDictionary(r => r.Seed, Gap);
                var seeds = t.Keys.Where(s => d.ContainsKey(s) && double.IsFinite(t[s]) && double.IsFinite(d[s])).Order().ToArray();
                return (Method: m, Label: new SummaryRowKey(m, MainExperiment.TunedVariant).Label, Tuned: seeds.Select(s => t[s]).ToArray(), Default: seeds.Select(s => d[s]).ToArray());
            })
            .Where(p => p.Tuned.Length > 0).ToList();
        if (pairs.Count == 0)
        {
            return null;
        }

        var p = pairs.Select(x => PairedTest.SignFlipP(x.Tuned, x.Default)).ToArray();
        var holm = PairedTest.Holm(p);
        string Diff((string Method, string Label, double[] Tuned, double[] Default) x) => $"{x.Label} {F4(x.Default.Average())} → {F4(x.Tuned.Average())}";
        var lower = pairs.Where((x, i) => holm[i] < 0.05 && x.Tuned.Average() < x.Default.Average()).Select(Diff).ToList();
        var higher = pairs.Where((x, i) => holm[i] < 0.05 && x.Tuned.Average() > x.Default.Average()).Select(Diff).ToList();
        var seedCount = pairs.Max(x => x.Tuned.Length);
        return $"Tuned recipes (data/recipes) against reference defaults, per-seed Avg Gap, paired sign-flip test with Holm over {pairs.Count} methods: lower at 95% for " +
            (lower.Count == 0 ? "none" : string.Join("; ", lower)) + "; higher for " + (higher.Count == 0 ? "none" : string.Join("; ", higher)) +
            $"; not distinguishable for the other {pairs.Count - lower.Count - higher.Count}" +
            (seedCount <= 5 ? $" (with {seedCount} seeds no difference can reach 95%)." : ".");
    }

    private static Interval Interval(IEnumerable<ResultRow> rows, string metric) =>
        SettingComparison.MeanInterval(rows.OrderBy(r => r.Seed).Select(r => r.Metrics.GetValueOrDefault(metric, double.NaN)));

    private static string Ordinal(int k) => k + ((k % 100) is 11 or 12 or 13 ? "th" : (k % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    private static string P(double p) => p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);

    private static double[] Values(IEnumerable<ResultRow> rows, string metric) =>
        [.. rows.Select(r => r.Metrics.GetValueOrDefault(metric, double.NaN)).Where(double.IsFinite)];

    private static double Mean(IEnumerable<ResultRow> rows, string metric) => Values(rows, metric) is { Length: > 0 } v ? v.Average() : double.NaN;

    private static string Join(IReadOnlyList<string> items) => items.Count <= 1 ? string.Concat(items) : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    private static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
