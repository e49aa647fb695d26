namespace Iau.Reporting;

/// <summary>How the best cell of a summary-table column is chosen.</summary>
public enum BestRule
{
    /// <summary>No cell is marked.</summary>
    None,

    /// <summary>The mean closest to the reference (Retrain) row's mean: the gold standard of unlearning.</summary>
    ClosestToReference,

    /// <summary>The lowest mean (times, gaps, distances to Retrain).</summary>
    Lowest,

    /// <summary>The highest mean (speed-ups).</summary>
    Highest,
}

/// <summary>The default choice of <see cref="BestRule"/> per metric name.</summary>
public static class BestRules
{
    /// <summary>
    /// Default rule: <see cref="BestRule.ClosestToReference"/> for TA, RA, FA, UA and every metric starting
    /// with "MIA_" or "AUC_" (unlearning should look like Retrain, not like "maximal" forgetting);
    /// <see cref="BestRule.Lowest"/> for RTE, AvgGap, AvgRank and every metric starting with "L2_" or "JS_";
    /// <see cref="BestRule.Highest"/> for Speedup; <see cref="BestRule.None"/> otherwise. Names are matched
    /// case-insensitively.
    /// </summary>
    public static BestRule Default(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var m = metric.ToUpperInvariant();
        if (m is "TA" or "RA" or "FA" or "UA" || m.StartsWith("MIA_", StringComparison.Ordinal) ||
            m.StartsWith("AUC_", StringComparison.Ordinal))
        {
            return BestRule.ClosestToReference;
        }

        if (m is "RTE" or "AVGGAP" or "AVGRANK" || m.StartsWith("L2_", StringComparison.Ordinal) ||
            m.StartsWith("JS_", StringComparison.Ordinal))
        {
            return BestRule.Lowest;
        }

        return m == "SPEEDUP" ? BestRule.Highest : BestRule.None;
    }
}
