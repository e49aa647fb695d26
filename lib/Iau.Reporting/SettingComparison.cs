using Iau.Evaluation;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>One compared row of a setting (a method, a tuned variant, or a control) with its seed statistics.</summary>
/// <param name="Label">Its label in tables and sentences (<see cref="SummaryRowKey.Label"/>).</param>
/// <param name="Method">Registry name (or "original").</param>
/// <param name="Variant">"" or "tuned".</param>
/// <param name="Seeds">Seeds with a row and a Retrain row.</param>
/// <param name="AvgRank">The paper's average rank on seed means (over TA, RA, FA and MIA_shadow; 1 = closest to Retrain).</param>
/// <param name="Position">Place in the ranking by <paramref name="AvgRank"/> (1 = first; ties share the better place).</param>
/// <param name="PositionLow">2.5th percentile of the place over bootstrap resamples of the seeds.</param>
/// <param name="PositionHigh">97.5th percentile of the place.</param>
/// <param name="AvgGap">The paper's Avg Gap, mean over seeds with its interval.</param>
/// <param name="FaGap">Forgetting: FA − FA_Retrain (signed; positive = remembers more than Retrain).</param>
/// <param name="ShareClosed">Forgetting: share of the original's FA gap closed, 1 − (FA − FA_r)/(FA_o − FA_r); null where n/a.</param>
/// <param name="RmiaGap">Forgetting: RMIA AUC − Retrain's (null where the setting has no per-example attack).</param>
/// <param name="TaGap">Utility: TA − TA_Retrain.</param>
/// <param name="RaGap">Utility: RA − RA_Retrain.</param>
/// <param name="Ta">Test accuracy.</param>
/// <param name="Rte">Mean unlearning time in seconds (NaN when not measured).</param>
/// <param name="AvgGapVsIau">Paired test of the per-seed Avg Gap against IAU's (null for IAU itself or without IAU).</param>
/// <param name="AvgGapVsOriginal">Paired test of the per-seed Avg Gap against the original's.</param>
/// <param name="ShareVsIau">Paired test of the per-seed share closed against IAU's (null where n/a).</param>
/// <param name="ShareVsOriginal">Paired test of the per-seed share closed against the original's, i.e. against 0.</param>
public sealed record ComparisonEntry(
    string Label, string Method, string Variant, int Seeds,
    double AvgRank, int Position, double PositionLow, double PositionHigh,
    Interval AvgGap, Interval FaGap, Interval? ShareClosed, Interval? RmiaGap, Interval TaGap, Interval RaGap, Interval Ta, double Rte,
    PairedComparison? AvgGapVsIau, PairedComparison? AvgGapVsOriginal, PairedComparison? ShareVsIau, PairedComparison? ShareVsOriginal)
{
    /// <summary>Whether the place's interval includes first place.</summary>
    public bool CouldBeFirst => PositionLow <= 1;
}

/// <summary>
/// One setting's rows compared the way a reviewer asks: every compared row — the methods, their tuned variants and
/// both controls (the untouched original and the random-direction step) — against Retrain of the same forget-set
/// seed, with the paper's Avg Gap and average rank kept as the paper defines them and, beside them, forgetting
/// (signed FA gap, share of the original's FA gap closed, RMIA AUC gap) reported apart from utility (TA and RA
/// gaps). Seeds are the unit:
/// <list type="bullet">
/// <item>every mean carries a 95% percentile bootstrap interval over the seeds (<see cref="BootstrapSamples"/>
/// resamples, seed <see cref="BootstrapSeed"/>; every row of a setting is resampled with the same seed draws, so the
/// intervals are paired);</item>
/// <item>the place in the ranking carries an interval: the ranking is recomputed on each resample;</item>
/// <item>each row is tested against IAU and against the original on the per-seed Avg Gap and share closed (paired
/// sign-flip permutation test, <see cref="PairedTest"/>), Holm-corrected over the rows of the family.</item>
/// </list>
/// The share closed is n/a where the original's own FA gap is within noise: fewer than 2 seeds, a seed whose gap is
/// not positive, or a 95% interval of the mean gap that reaches 0.
/// </summary>
public sealed record SettingComparison(
    IReadOnlyList<ComparisonEntry> Entries, int Seeds, Interval OriginalFaGap, bool ShareDefined, string? ShareNote)
{
    /// <summary>Bootstrap resamples of the seeds.</summary>
    public const int BootstrapSamples = 5000;

    /// <summary>Seed of the resampling (fixed: regenerating a table gives the same intervals).</summary>
    public const int BootstrapSeed = 20_261_205;

    /// <summary>The entry of a label, or null.</summary>
    public ComparisonEntry? this[string label] => Entries.FirstOrDefault(e => e.Label == label);

    /// <summary>Compares the rows of one setting (one experiment, dataset, model and forget set).</summary>
    /// <returns>Null when the setting has no Retrain row or nothing to compare.</returns>
    public static SettingComparison? Build(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var retrain = rows.Where(r => r.Method == MethodOrder.DefaultReference)
            .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Metrics);
        if (retrain.Count == 0)
        {
            return null;
        }

        var groups = rows.Where(r => r.Method != MethodOrder.DefaultReference && retrain.ContainsKey(r.Seed))
            .GroupBy(r => new SummaryRowKey(r.Method, r.Variant))
            .Select(g => (Key: g.Key, BySeed: g.GroupBy(r => r.Seed).OrderBy(s => s.Key).ToDictionary(s => s.Key, s => s.First().Metrics)))
            .ToList();
        if (groups.Count == 0 || Aggregation.GapMetrics.Any(k => !retrain.Values.First().ContainsKey(k)))
        {
            return null;
        }

        var seeds = retrain.Keys.Order().ToArray();
        var original = groups.FirstOrDefault(g => g.Key.Method == "original").BySeed;
        double[] Gap(IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> bySeed, string metric) =>
            [.. seeds.Select(s => bySeed.TryGetValue(s, out var m) && m.TryGetValue(metric, out var v) && retrain[s].TryGetValue(metric, out var r) ? v - r : double.NaN)];

        var originalFa = original is null ? seeds.Select(_ => double.NaN).ToArray() : Gap(original, Metric.FA);
        var originalInterval = MeanInterval(originalFa);
        string? note = null;
        if (original is null)
        {
            note = "no original rows";
        }
        else if (originalFa.Count(double.IsFinite) < 2)
        {
            note = "fewer than 2 seeds: no spread to tell the original's FA gap from noise";
        }
        else if (originalFa.Any(g => !(g > 0)))
        {
            note = "the original's forget accuracy is not above Retrain's on every seed";
        }
        else if (originalInterval.Low <= 0)
        {
            note = "the 95% interval of the original's FA gap reaches 0";
        }

        var shareDefined = note is null;
        var perRow = groups.Select(g =>
        {
            var avgGap = seeds.Select(s => g.BySeed.TryGetValue(s, out var m) ? AvgGapOf(m, retrain[s]) : double.NaN).ToArray();
            var fa = Gap(g.BySeed, Metric.FA);
            var share = shareDefined ? fa.Select((x, i) => 1 - (x / originalFa[i])).ToArray() : null;
            return (g.Key, g.BySeed, AvgGap: avgGap, Fa: fa, Share: share);
        }).ToList();

        // The paper's average rank on seed means, and its place; then the same on every bootstrap resample.
        var (ranks, places) = Rank(perRow.Select(r => r.BySeed).ToList(), retrain, seeds, seeds);
        var placeDraws = perRow.Select(_ => new double[BootstrapSamples]).ToArray();
        var rng = new Random(BootstrapSeed);
        var draw = new int[seeds.Length];
        for (var b = 0; b < BootstrapSamples; b++)
        {
            for (var i = 0; i < draw.Length; i++)
            {
                draw[i] = seeds[rng.Next(seeds.Length)];
            }

            var (_, p) = Rank(perRow.Select(r => r.BySeed).ToList(), retrain, seeds, draw);
            for (var k = 0; k < perRow.Count; k++)
            {
                placeDraws[k][b] = p[k];
            }
        }

        var iau = perRow.FindIndex(r => r.Key.Method == "iau" && r.Key.Variant.Length == 0);
        var orig = perRow.FindIndex(r => r.Key.Method == "original");
        var gapVsIau = Tests(perRow.Select(r => r.AvgGap).ToList(), iau);
        var gapVsOrig = Tests(perRow.Select(r => r.AvgGap).ToList(), orig);
        var shareVsIau = shareDefined ? Tests(perRow.Select(r => r.Share!).ToList(), iau) : null;
        var shareVsOrig = shareDefined ? Tests(perRow.Select(r => r.Share!).ToList(), orig) : null;

        var entries = perRow.Select((r, k) =>
        {
            Array.Sort(placeDraws[k]);
            var rmia = Gap(r.BySeed, Metric.RmiaAuc);
            var rte = r.BySeed.Values.Select(m => m.GetValueOrDefault(Metric.Rte, double.NaN)).Where(double.IsFinite).ToArray();
            return new ComparisonEntry(
                r.Key.Label, r.Key.Method, r.Key.Variant, r.BySeed.Count,
                ranks[k], places[k], Bootstrap.Percentile(placeDraws[k], 0.025), Bootstrap.Percentile(placeDraws[k], 0.975),
                MeanInterval(r.AvgGap), MeanInterval(r.Fa), r.Share is null ? null : MeanInterval(r.Share), rmia.Any(double.IsFinite) ? MeanInterval(rmia) : null,
                MeanInterval(Gap(r.BySeed, Metric.TA)), MeanInterval(Gap(r.BySeed, Metric.RA)),
                MeanInterval([.. seeds.Select(s => r.BySeed.TryGetValue(s, out var m) ? m.GetValueOrDefault(Metric.TA, double.NaN) : double.NaN)]),
                rte.Length > 0 ? rte.Average() : double.NaN,
                gapVsIau?[k], gapVsOrig?[k], shareVsIau?[k], shareVsOrig?[k]);
        })
            .OrderBy(e => e.AvgRank).ThenBy(e => e.Label, StringComparer.Ordinal)
            .ToList();
        return new SettingComparison(entries, seeds.Length, originalInterval, shareDefined, note);
    }

    /// <summary>The row's Avg Gap as stored, else (rows written before the original was measured against Retrain) from its metrics.</summary>
    private static double AvgGapOf(IReadOnlyDictionary<string, double> m, IReadOnlyDictionary<string, double> retrain)
    {
        if (m.TryGetValue(Metric.AvgGap, out var g))
        {
            return g;
        }

        var names = Aggregation.GapMetrics.Where(k => m.ContainsKey(k) && retrain.ContainsKey(k)).ToList();
        return names.Count == 0 ? double.NaN : Aggregation.AvgGap(m, retrain, names);
    }

    /// <summary>
    /// Mean over the finite values with its bootstrap interval (<see cref="BootstrapSamples"/> resamples, seed
    /// <see cref="BootstrapSeed"/>: equal counts resample in pairs); NaN for none. Every seed interval of the reports
    /// (tables, comparisons, sentences) comes from here.
    /// </summary>
    internal static Interval MeanInterval(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        return v.Length == 0
            ? new Interval(double.NaN, double.NaN, double.NaN)
            : Bootstrap.Of(v.Length, idx => idx.Average(i => v[i]), BootstrapSamples, BootstrapSeed);
    }

    /// <summary>Average ranks and places of the rows on the means over <paramref name="draw"/> (seeds, possibly repeated).</summary>
    private static (double[] Ranks, int[] Places) Rank(
        IReadOnlyList<Dictionary<int, IReadOnlyDictionary<string, double>>> rows, Dictionary<int, IReadOnlyDictionary<string, double>> retrain, int[] seeds, int[] draw)
    {
        double MeanOf(IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> bySeed, string k)
        {
            var v = draw.Where(bySeed.ContainsKey).Select(s => bySeed[s].GetValueOrDefault(k, double.NaN)).Where(double.IsFinite).ToArray();
            return v.Length == 0 ? double.NaN : v.Average();
        }

        var reference = Aggregation.GapMetrics.ToDictionary(k => k, k => MeanOf(retrain, k), StringComparer.Ordinal);
        var means = rows.Select((r, i) => (Key: i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Means: (IReadOnlyDictionary<string, double>)Aggregation.GapMetrics.ToDictionary(k => k, k => MeanOf(r, k), StringComparer.Ordinal)))
            .ToDictionary(t => t.Key, t => t.Means, StringComparer.Ordinal);
        var avg = Aggregation.AvgRank(means, reference);
        var ranks = Enumerable.Range(0, rows.Count).Select(i => avg[i.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ToArray();
        var places = ranks.Select(r => 1 + ranks.Count(o => o < r)).ToArray();
        return (ranks, places);
    }

    /// <summary>Each row's paired test against row <paramref name="against"/> on the shared finite seeds, Holm-corrected over the rows.</summary>
    private static PairedComparison?[]? Tests(IReadOnlyList<double[]> values, int against)
    {
        if (against < 0)
        {
            return null;
        }

        var raw = values.Select((v, k) =>
        {
            if (k == against)
            {
                return ((double Diff, int N, double P)?)null;
            }

            var shared = Enumerable.Range(0, v.Length).Where(i => double.IsFinite(v[i]) && double.IsFinite(values[against][i])).ToArray();
            if (shared.Length == 0)
            {
                return null;
            }

            var a = shared.Select(i => v[i]).ToArray();
            var b = shared.Select(i => values[against][i]).ToArray();
            return (a.Average() - b.Average(), shared.Length, PairedTest.SignFlipP(a, b));
        }).ToArray();
        var holm = PairedTest.Holm([.. raw.Select(t => t?.P ?? double.NaN)]);
        return [.. raw.Select((t, k) => t is { } x ? new PairedComparison(x.Diff, x.N, x.P, holm[k]) : null)];
    }
}
