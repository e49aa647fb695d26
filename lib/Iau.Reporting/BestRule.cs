using Iau.Evaluation;
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
    /// Default rule, from the metric's goal in the catalog (<see cref="Metric.GoalOf"/>):
    /// <see cref="BestRule.ClosestToReference"/> for TA, RA, FA, UA, the MIA metrics and the loss attack's AUC
    /// (unlearning should look like Retrain, not like "maximal" forgetting); <see cref="BestRule.Lowest"/> for RTE,
    /// the Avg Gap, the average rank and the distances to Retrain; <see cref="BestRule.Highest"/> for the speed-up;
    /// <see cref="BestRule.None"/> otherwise. Names are matched case-insensitively.
    /// </summary>
    public static BestRule Default(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return Metric.GoalOf(metric) switch
        {
            MetricGoal.MatchReference => BestRule.ClosestToReference,
            MetricGoal.Lower => BestRule.Lowest,
            MetricGoal.Higher => BestRule.Highest,
            _ => BestRule.None,
        };
    }
}
