using Iau.Experiments;

namespace Iau.Tests.Reporting;

/// <summary>Hand-made result rows for the reporting tests.</summary>
internal static class ReportingRows
{
    public static ResultRow Row(string method, int seed, string variant, params (string Name, double Value)[] metrics) =>
        new(
            Experiment: "main",
            Key: $"main/fmnist/lenet5/{variant}/{method}/{seed}",
            ConfigHash: "hash",
            Dataset: "fmnist",
            Model: "lenet5",
            Method: method,
            Variant: variant,
            Seed: seed,
            Metrics: metrics.ToDictionary(m => m.Name, m => m.Value),
            Notes: new Dictionary<string, string>(),
            KitVersion: "0.1.0",
            CreatedUtc: DateTimeOffset.UnixEpoch);

    /// <summary>
    /// Three methods over two seeds. Retrain TA 0.90/0.92 (mean 0.91); IAU TA 0.905/0.915 (mean 0.91, closest);
    /// FT TA 0.95/0.97 (mean 0.96). RTE: retrain 100/110, IAU 1.5/2.5 (lowest), FT 10/12.
    /// </summary>
    public static IReadOnlyList<ResultRow> MainRows() =>
    [
        Row("retrain", 1, "", ("TA", 0.90), ("FA", 0.80), ("RTE", 100), ("Speedup", 1), ("L2_retrain", 0)),
        Row("retrain", 2, "", ("TA", 0.92), ("FA", 0.82), ("RTE", 110), ("Speedup", 1), ("L2_retrain", 0)),
        Row("iau", 1, "", ("TA", 0.905), ("FA", 0.95), ("RTE", 1.5), ("Speedup", 100), ("L2_retrain", 2.0)),
        Row("iau", 2, "", ("TA", 0.915), ("FA", 0.97), ("RTE", 2.5), ("Speedup", 36.7), ("L2_retrain", 2.2)),
        Row("ft", 1, "", ("TA", 0.95), ("FA", 0.85), ("RTE", 10), ("Speedup", 10), ("L2_retrain", 1.0)),
        Row("ft", 2, "", ("TA", 0.97), ("FA", 0.83), ("RTE", 12), ("Speedup", 9.2), ("L2_retrain", 1.2)),
    ];

    /// <summary>An α sweep: IAU and GA at three α values over two seeds, Retrain once without a variant.</summary>
    public static IReadOnlyList<ResultRow> Sweep()
    {
        var rows = new List<ResultRow>
        {
            Row("retrain", 1, "", ("TA", 0.9)),
            Row("retrain", 2, "", ("TA", 0.92)),
        };
        foreach (var alpha in new[] { "0.05", "0.0005", "0.005" })
        {
            foreach (var seed in new[] { 1, 2 })
            {
                rows.Add(Row("iau", seed, $"alpha={alpha}", ("TA", 0.8 + double.Parse(alpha, System.Globalization.CultureInfo.InvariantCulture) + seed * 0.001)));
                rows.Add(Row("ga", seed, $"alpha={alpha}", ("TA", 0.7 + seed * 0.001)));
            }
        }

        return rows;
    }
}
