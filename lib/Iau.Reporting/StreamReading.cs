using Iau.Evaluation;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>
/// Sentences that read a stream of deletion requests (the sequential experiment's rows), computed from the rows, per
/// dataset and model: at the last request, each method's Avg Gap, forget-accuracy gap and TA against Retrain on what
/// remains, with 95% bootstrap intervals over seeds (<see cref="SettingComparison.MeanInterval"/>), and its cumulative
/// time against Retrain's; how far exact and cached IAU's TA moved over the stream; the cheapest cached-IAU setting
/// whose mean TA and Avg Gap stay inside exact IAU's intervals; and which methods end nearer Retrain than the untouched
/// original, by the paired sign-flip test over seeds with Holm's correction (<see cref="PairedTest"/>).
/// </summary>
public static class StreamReading
{
    /// <summary>The sentences for every stream in <paramref name="rows"/> (none when there is no stream with Retrain references).</summary>
    public static IReadOnlyList<string> Sentences(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sentences = new List<string>();
        foreach (var g in rows.Where(r => r.Experiment == "sequential").GroupBy(r => (r.Dataset, r.Model)))
        {
            sentences.AddRange(Setting(g.Key.Dataset, g.Key.Model, [.. g]));
        }

        return sentences;
    }

    private static IEnumerable<string> Setting(string dataset, string model, IReadOnlyList<ResultRow> rows)
    {
        static int Request(ResultRow r) => VariantParameter.TryParse(r.Variant, "request", out var j) ? (int)j : 0;
        var measured = rows.Where(r => r.Metrics.ContainsKey(Metric.AvgGap)).ToList();
        if (measured.Count == 0)
        {
            yield return FormattableString.Invariant($"{model} on {dataset}: the stream's rows carry no Retrain reference (rows of an older kit), so nothing is read against retraining.");
            yield break;
        }

        var last = measured.Max(Request);
        var checkpoints = measured.Select(Request).Distinct().Order().ToList();
        var seeds = rows.Select(r => r.Seed).Distinct().Count();
        var size = rows.Where(r => Request(r) == 1).Select(r => r.Metrics.GetValueOrDefault(Metric.Removed)).DefaultIfEmpty().Max();
        yield return FormattableString.Invariant($"{model} on {dataset}: {last} requests of {size:F0} samples each, on {seeds} seed(s); Retrain on what remains after requests {string.Join(", ", checkpoints)}. Intervals: 95% bootstrap over seeds.");

        var atLast = rows.Where(r => Request(r) == last && r.Metrics.ContainsKey(Metric.AvgGap)).ToList();
        var methods = MethodOrder.Arrange(atLast.Select(r => r.Method), FigureSet.StreamOrder);
        Dictionary<int, double> BySeed(string method, string metric) => atLast.Where(r => r.Method == method && r.Metrics.ContainsKey(metric))
            .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Metrics[metric]);
        double Mean(string method, string metric) => BySeed(method, metric).Values.DefaultIfEmpty(double.NaN).Average();
        Interval Of(string method, string metric) => SettingComparison.MeanInterval(BySeed(method, metric).Values);

        var retrainCost = Mean("retrain", Metric.CumulativeSeconds);
        foreach (var m in methods.Where(m => m != "retrain"))
        {
            var cost = Mean(m, Metric.CumulativeSeconds);
            var versus = double.IsFinite(retrainCost) && retrainCost > 0 && double.IsFinite(cost)
                ? FormattableString.Invariant($"; {cost:F1} s in all, {cost / retrainCost:P1} of Retrain's {retrainCost:F0} s")
                : string.Empty;
            yield return FormattableString.Invariant($"{m} after request {last}: Avg Gap {Of(m, Metric.AvgGap)}, FA − FA_Retrain {Of(m, Metric.FaGap)}, TA {Of(m, Metric.TA)}{versus}.");
        }

        // Drift of IAU's test accuracy over the stream.
        foreach (var m in methods.Where(m => m.StartsWith("iau", StringComparison.Ordinal)))
        {
            var first = rows.Where(r => r.Method == m && Request(r) == 1).Select(r => r.Metrics[Metric.TA]).DefaultIfEmpty(double.NaN).Average();
            yield return FormattableString.Invariant($"{m}: mean TA {first:F3} after request 1, {Mean(m, Metric.TA):F3} after request {last}.");
        }

        // The cheapest cached setting that holds exact IAU's accuracy and gap.
        if (methods.Contains(SequentialExperiment.ExactIau))
        {
            var (ta, gap, exactCost) = (Of(SequentialExperiment.ExactIau, Metric.TA), Of(SequentialExperiment.ExactIau, Metric.AvgGap), Mean(SequentialExperiment.ExactIau, Metric.CumulativeSeconds));
            var holding = methods.Where(m => m.StartsWith(SequentialExperiment.CachedIau, StringComparison.Ordinal))
                .Where(m => Inside(Mean(m, Metric.TA), ta) && Inside(Mean(m, Metric.AvgGap), gap))
                .OrderBy(m => Mean(m, Metric.CumulativeSeconds))
                .ToList();
            yield return holding.Count == 0
                ? FormattableString.Invariant($"No cached setting keeps its mean TA and Avg Gap after request {last} inside exact IAU's intervals (TA {ta}, Avg Gap {gap}).")
                : FormattableString.Invariant($"The cheapest cached setting whose mean TA and Avg Gap after request {last} lie inside exact IAU's intervals (TA {ta}, Avg Gap {gap}) is {holding[0]}, at {Mean(holding[0], Metric.CumulativeSeconds) / exactCost:P0} of exact IAU's cumulative time; the others that hold: {(holding.Count > 1 ? string.Join(", ", holding.Skip(1)) : "none")}.");
        }

        // Which methods end nearer Retrain than doing nothing (paired over seeds, Holm over the methods).
        if (methods.Contains("original"))
        {
            var original = BySeed("original", Metric.AvgGap);
            var compared = methods.Where(m => m is not "retrain" and not "original").Select(m =>
            {
                var mine = BySeed(m, Metric.AvgGap);
                var shared = mine.Keys.Intersect(original.Keys).Order().ToList();
                var p = shared.Count == 0 ? 1.0 : PairedTest.SignFlipP([.. shared.Select(s => mine[s])], [.. shared.Select(s => original[s])]);
                var diff = shared.Count == 0 ? double.NaN : shared.Average(s => mine[s] - original[s]);
                return (Method: m, P: p, Diff: diff, Pairs: shared.Count);
            }).ToList();
            var holm = PairedTest.Holm([.. compared.Select(c => c.P)]);
            var nearer = compared.Where((c, i) => holm[i] < 0.05 && c.Diff < 0).Select(c => c.Method).ToList();
            var farther = compared.Where((c, i) => holm[i] < 0.05 && c.Diff > 0).Select(c => c.Method).ToList();
            var pairs = compared.Select(c => c.Pairs).DefaultIfEmpty().Min();
            yield return FormattableString.Invariant($"Against the untouched original (Avg Gap {Of("original", Metric.AvgGap)} after request {last}), paired sign-flip test over {pairs} seed(s) with Holm over {compared.Count} methods: nearer Retrain at 95% {List(nearer)}; farther {List(farther)}; not distinguishable {List([.. compared.Select(c => c.Method).Except(nearer).Except(farther)])}")
                + (pairs is > 0 and < 6 ? FormattableString.Invariant($" (with {pairs} seeds the smallest possible p is {2.0 / Math.Pow(2, pairs):F3}).") : ".");
        }
    }

    private static bool Inside(double value, Interval interval) => value >= interval.Low && value <= interval.High;

    private static string List(IReadOnlyList<string> methods) => methods.Count == 0 ? "none" : string.Join(", ", methods);
}
