using System.Text.Json;

namespace Iau.Experiments;

/// <summary>A ROC curve kept in a result row's notes as {"fpr":[…],"tpr":[…]}, thinned to about 50 points.</summary>
public static class RocNote
{
    /// <summary>The notes key.</summary>
    public const string Key = "roc";

    /// <summary>Serialises a curve (at most ~50 points, 4 decimals).</summary>
    public static string Serialize(IReadOnlyList<double> fpr, IReadOnlyList<double> tpr)
    {
        var step = Math.Max(1, fpr.Count / 50);
        var idx = Enumerable.Range(0, fpr.Count).Where(i => i % step == 0 || i == fpr.Count - 1).ToList();
        return JsonSerializer.Serialize(new { fpr = idx.Select(i => Math.Round(fpr[i], 4)), tpr = idx.Select(i => Math.Round(tpr[i], 4)) });
    }

    /// <summary>Reads a curve written by <see cref="Serialize"/>.</summary>
    public static (double[] Fpr, double[] Tpr) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return (doc.RootElement.GetProperty("fpr").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            doc.RootElement.GetProperty("tpr").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }
}
