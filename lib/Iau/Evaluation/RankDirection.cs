namespace Iau.Evaluation;

/// <summary>Which values of a metric rank first in <see cref="Aggregation.Ranks"/> and the general Aggregation.AvgRank.</summary>
public enum RankDirection
{
    /// <summary>The smallest value gets rank 1 (e.g. a gap to Retrain, a run time).</summary>
    LowerIsBetter,

    /// <summary>The largest value gets rank 1 (e.g. an accuracy judged on its own).</summary>
    HigherIsBetter,
}
