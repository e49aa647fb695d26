using System.Text.Json;

namespace Iau.Experiments;

/// <summary>
/// A ROC curve kept in a result row's notes as {"fpr":[…],"tpr":[…]}, thinned: about 50 evenly spaced points of the
/// curve, plus the two points that bracket each FPR of a log grid (10⁻⁴ … 1, four per decade) so that the
/// low-FPR regime — the TPR at 1% and 0.1% FPR that membership-inference papers report — is kept exactly where
/// the curve resolves it. Values rounded to 6 decimals.
/// </summary>
public static class RocNote
{
    /// <summary>The notes key.</summary>
    public const string Key = "roc";

    /// <summary>The FPRs whose bracketing curve points are always kept: 10^(−4 + k/4), k = 0 … 16.</summary>
    internal static IReadOnlyList<double> LogGrid { get; } = Enumerable.Range(0, 17).Select(k => Math.Pow(10, -4 + (k / 4.0))).ToArray();

    /// <summary>Serialises a curve whose FPRs are in ascending order (about 50 points plus the log grid's brackets; 6 decimals).</summary>
    public static string Serialize(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr)
    {
        ArgumentNullException.ThrowIfNull(fpr);
        ArgumentNullException.ThrowIfNull(tpr);
        var step = Math.Max(1, fpr.Count / 50);
        var keep = new SortedSet<int>(Enumerable.Range(0, fpr.Count).Where(i => i % step == 0 || i == fpr.Count - 1));
        foreach (var level in LogGrid)
        {
            var below = LastIndex(fpr, f => f <= level);
            var above = FirstIndex(fpr, f => f >= level);
            if (below >= 0)
            {
                keep.Add(below);
            }

            if (above >= 0)
            {
                keep.Add(above);
            }
        }

        if (FirstIndex(fpr, f => f > 0) is var first and >= 0)
        {
            keep.Add(first);
        }

        return JsonSerializer.Serialize(new { fpr = keep.Select(i => Math.Round(fpr[i], 6)), tpr = keep.Select(i => Math.Round(tpr[i], 6)) });
    }

    private static int FirstIndex(IReadOnlyList<double> values, Func<double, bool> test)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (test(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static int LastIndex(IReadOnlyList<double> values, Func<double, bool> test)
    {
        for (var i = values.Count - 1; i >= 0; i--)
        {
            if (test(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads a curve written by <see cref="Serialize"/>.</summary>
    public static (double[] Fpr, double[] Tpr) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return (doc.RootElement.GetProperty("fpr").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            doc.RootElement.GetProperty("tpr").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }
}
