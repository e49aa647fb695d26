using System.Globalization;
using Iau.Evaluation;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>One compared method of a setting, ranked by the paper's average rank.</summary>
/// <param name="Label">"method", or "method [variant]" for tuned rows.</param>
/// <param name="Method">Registry name.</param>
/// <param name="Variant">"" for reference defaults, "tuned" for a recipe's options.</param>
/// <param name="Seeds">Seeds averaged.</param>
/// <param name="AvgRank">Average over TA, RA, FA, MIA_shadow of the rank by |m_k − Retrain_k| (1 = closest), on seed means.</param>
/// <param name="AvgGap">Mean Avg Gap to Retrain over seeds.</param>
/// <param name="Ta">Mean test accuracy.</param>
/// <param name="TaStd">Sample std of the test accuracy (0 for one seed).</param>
/// <param name="Rte">Mean unlearning time in seconds (NaN when not measured).</param>
public sealed record RankEntry(string Label, string Method, string Variant, int Seeds, double AvgRank, double AvgGap, double Ta, double TaStd, double Rte);

/// <summary>What one setting's rows say: the ranking and the sentences that interpret it, computed from the rows.</summary>
/// <param name="Name">The setting's table name (as in <see cref="FigureSet"/>, e.g. main-fashion-mnist-lenet5).</param>
/// <param name="Title">What the setting is, in words.</param>
/// <param name="Ranking">Compared methods (not Retrain, not the original) by average rank, best first.</param>
/// <param name="Sentences">The findings, each one sentence.</param>
public sealed record SettingFindings(string Name, string Title, IReadOnlyList<RankEntry> Ranking, IReadOnlyList<string> Sentences);

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
    /// The findings as Markdown: per setting a heading, the ranking (label, n, average rank, Avg Gap, TA, RTE) and the
    /// sentences as a list (what <c>iau results findings</c> prints; the README quotes it).
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
                sb.Append("| rank | method | n | avg rank | Avg Gap | TA | RTE (s) |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
                for (var i = 0; i < f.Ranking.Count; i++)
                {
                    var r = f.Ranking[i];
                    sb.Append(CultureInfo.InvariantCulture,
                        $"| {i + 1} | {r.Label} | {r.Seeds} | {F2(r.AvgRank)} | {F4(r.AvgGap)} | {F2(r.Ta)}{(r.Seeds > 1 ? " ± " + F2(r.TaStd) : "")} | {(double.IsFinite(r.Rte) ? F2(r.Rte) : "—")} |\n");
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

    private static SettingFindings Setting(string name, string title, IReadOnlyList<ResultRow> rows)
    {
        var groups = rows.GroupBy(r => (r.Method, r.Variant)).ToDictionary(x => x.Key, x => x.ToList());
        var retrain = groups.Where(kv => kv.Key.Method == MethodOrder.DefaultReference).SelectMany(kv => kv.Value).ToList();
        var sentences = new List<string>();
        var ranking = new List<RankEntry>();
        if (retrain.Count == 0)
        {
            return new(name, title, ranking, ["No Retrain rows: nothing to rank against."]);
        }

        var retrainMeans = Means(retrain);
        var compared = groups.Where(kv => kv.Key.Method is not (MethodOrder.DefaultReference or "original"))
            .ToDictionary(kv => Label(kv.Key.Method, kv.Key.Variant), kv => kv.Value, StringComparer.Ordinal);
        if (compared.Count == 0 || Aggregation.GapMetrics.Any(k => !retrainMeans.ContainsKey(k)))
        {
            return new(name, title, ranking, ["No compared methods with the gap metrics."]);
        }

        var ranks = Aggregation.AvgRank(compared.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, double>)Means(kv.Value), StringComparer.Ordinal), retrainMeans);
        foreach (var (label, list) in compared)
        {
            var ta = Values(list, "TA");
            ranking.Add(new(label, list[0].Method, list[0].Variant, list.Select(r => r.Seed).Distinct().Count(), ranks[label], Mean(list, "AvgGap"),
                ta.Length > 0 ? ta.Average() : double.NaN, ta.Length > 1 ? MathNet.Numerics.Statistics.Statistics.StandardDeviation(ta) : 0, Mean(list, "RTE")));
        }

        ranking.Sort((a, b) => a.AvgRank != b.AvgRank ? a.AvgRank.CompareTo(b.AvgRank) : string.CompareOrdinal(a.Label, b.Label));
        var first = ranking.Where(r => r.AvgRank == ranking[0].AvgRank).Select(r => r.Label).ToList();
        var iau = ranking.FindIndex(r => r.Label == "iau");
        var lead = $"By average rank over TA, RA, FA and MIA (closest to Retrain = 1) of {ranking.Count} compared rows, {Join(first)} {(first.Count > 1 ? "share" : "is")} first ({F2(ranking[0].AvgRank)})";
        if (iau < 0)
        {
            sentences.Add(lead + "; IAU is not in this setting.");
        }
        else if (first.Contains("iau"))
        {
            sentences.Add(lead + (first.Count > 1 ? "; IAU ranks first jointly, as the paper reports it first." : "; IAU ranks first, as the paper reports."));
        }
        else
        {
            var ahead = ranking.Count(r => r.AvgRank < ranking[iau].AvgRank);
            sentences.Add(lead + $"; IAU does not rank first: {ahead} row(s) rank ahead of it (IAU's average rank {F2(ranking[iau].AvgRank)}, Avg Gap {F4(ranking[iau].AvgGap)}).");
        }

        var best = ranking.Where(r => double.IsFinite(r.AvgGap)).OrderBy(r => r.AvgGap).FirstOrDefault();
        if (best is not null)
        {
            sentences.Add($"The smallest Avg Gap to Retrain is {best.Label}'s ({F4(best.AvgGap)})" +
                (iau >= 0 && best.Label != "iau" ? $"; IAU's is {F4(ranking[iau].AvgGap)}." : "."));
        }

        var retrainRte = Mean(retrain, "RTE");
        var timed = new[] { "iau", "iau-cached" }.Select(l => ranking.FirstOrDefault(r => r.Label == l)).Where(r => r is not null && double.IsFinite(r.Rte) && r.Rte > 0).ToList();
        if (timed.Count > 0 && double.IsFinite(retrainRte))
        {
            sentences.Add("Unlearning time: " + string.Join("; ", timed.Select(r => $"{(r!.Label == "iau" ? "IAU" : "cached IAU")} {r.Rte.ToString("F2", CultureInfo.InvariantCulture)} s, {(retrainRte / r.Rte).ToString("F1", CultureInfo.InvariantCulture)}× faster than Retrain ({retrainRte.ToString("F1", CultureInfo.InvariantCulture)} s)")) + ".");
        }

        var originalTa = groups.Where(kv => kv.Key.Method == "original").SelectMany(kv => Values(kv.Value, "TA")).DefaultIfEmpty(double.NaN).Average();
        // Forgetting a whole class costs Retrain that class's share of TA by design, so class-wise settings are
        // measured against Retrain's TA; random forget sets against the original's (the tuner's guard).
        var classWise = rows.Any(r => r.Experiment == "classwise");
        var useOriginal = double.IsFinite(originalTa) && !classWise;
        var reference = useOriginal ? originalTa : retrainMeans["TA"];
        var who = useOriginal ? "the original's" : "Retrain's";
        var collapsed = ranking.Where(r => r.Ta < reference - CollapseGuard).ToList();
        sentences.Add(collapsed.Count == 0
            ? $"Every compared row keeps its mean TA within {CollapseGuard} of {who} ({F2(reference)})."
            : $"Mean TA more than {CollapseGuard} below {who} ({F2(reference)}): " + string.Join("; ", collapsed.Select(r => $"{r.Label} {F2(r.Ta)}" + (r.Seeds > 1 ? $" ± {F2(r.TaStd)}" : ""))) + ".");

        var diverged = compared.Select(kv => (Label: kv.Key, Count: kv.Value.Count(r => r.Metrics.GetValueOrDefault(ExperimentContext.DivergedMetric) == 1), Total: kv.Value.Count))
            .Where(t => t.Count > 0).OrderBy(t => t.Label, StringComparer.Ordinal).ToList();
        if (diverged.Count > 0)
        {
            sentences.Add("Weights became NaN or infinite (diverged; no attack metrics, Avg Gap over TA, RA and FA only) for " +
                string.Join("; ", diverged.Select(t => $"{t.Label} in {t.Count} of {t.Total} seed(s)")) + ".");
        }

        var tuned = ranking.Where(r => r.Variant == MainExperiment.TunedVariant).ToList();
        var pairs = tuned.Select(t => (Tuned: t, Default: ranking.FirstOrDefault(r => r.Method == t.Method && r.Variant.Length == 0))).Where(p => p.Default is not null).ToList();
        if (pairs.Count > 0)
        {
            var better = pairs.Where(p => p.Tuned.AvgGap < p.Default!.AvgGap).ToList();
            sentences.Add($"Tuned recipes (data/recipes) lower the Avg Gap for {better.Count} of {pairs.Count} methods" +
                (better.Count > 0 ? ": " + string.Join("; ", better.OrderBy(p => p.Tuned.AvgGap).Select(p => $"{p.Tuned.Method} {F4(p.Default!.AvgGap)} → {F4(p.Tuned.AvgGap)}")) : "") + ".");
        }

        return new(name, title, ranking, sentences);
    }

    private static string Label(string method, string variant) => variant.Length == 0 ? method : $"{method} [{variant}]";

    private static Dictionary<string, double> Means(IReadOnlyList<ResultRow> rows) =>
        rows.SelectMany(r => r.Metrics.Keys).Distinct().ToDictionary(k => k, k => Mean(rows, k), StringComparer.Ordinal);

    private static double[] Values(IEnumerable<ResultRow> rows, string metric) =>
        [.. rows.Select(r => r.Metrics.GetValueOrDefault(metric, double.NaN)).Where(double.IsFinite)];

    private static double Mean(IEnumerable<ResultRow> rows, string metric) => Values(rows, metric) is { Length: > 0 } v ? v.Average() : double.NaN;

    private static string Join(IReadOnlyList<string> items) => items.Count <= 1 ? string.Concat(items) : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    private static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
