using Iau.Evaluation;
namespace Iau.Reporting;

/// <summary>How <see cref="SummaryTable.Build"/> aggregates and renders rows.</summary>
public sealed record SummaryTableOptions
{
    /// <summary>
    /// The canonical metric order: the catalog's metrics that a comparison judges (<see cref="Metric.All"/> with a
    /// goal), in catalog order. Columns follow it, then any other metric alphabetically, unless
    /// <see cref="Metrics"/> names the columns.
    /// </summary>
    public static IReadOnlyList<string> CanonicalMetricOrder { get; } =
        [.. Metric.All.Where(m => m.Goal != MetricGoal.None).Select(m => m.Name)];

    /// <summary>Columns to show, in this order; null for every metric found (canonical order first).</summary>
    public IReadOnlyList<string>? Metrics { get; init; }

    /// <summary>Method order; null for alphabetical with <see cref="ReferenceMethod"/> first (see <see cref="MethodOrder"/>).</summary>
    public IReadOnlyList<string>? MethodOrder { get; init; }

    /// <summary>The gold-standard method that <see cref="BestRule.ClosestToReference"/> compares with.</summary>
    public string ReferenceMethod { get; init; } = Reporting.MethodOrder.DefaultReference;

    /// <summary>
    /// The rule that marks the best cell of each column; defaults to <see cref="BestRules.Default"/>:
    /// closest to Retrain's mean for TA/RA/FA/UA/MIA_*/AUC_*, lowest for RTE/AvgGap/AvgRank/L2_*/JS_*,
    /// highest for Speedup, none otherwise.
    /// </summary>
    public Func<string, BestRule> BestRuleFor { get; init; } = BestRules.Default;

    /// <summary>
    /// Methods never marked best (besides the reference method, which never is: it is the yardstick). Default:
    /// "original", the model before unlearning.
    /// </summary>
    public IReadOnlyCollection<string> ExcludedFromBest { get; init; } = ["original"];

    /// <summary>Whether rows are split by variant ("method [variant]") when an experiment has several.</summary>
    public bool SplitByVariant { get; init; } = true;

    /// <summary>Decimals per metric; default the catalog's (<see cref="Metric.DigitsOf"/>: 2 for RTE and Speedup, which are seconds and ratios, else 4).</summary>
    public Func<string, int> DigitsFor { get; init; } = DefaultDigits;

    /// <summary>Whether to add a column "n" with the number of seeds of each row.</summary>
    public bool ShowSeedCount { get; init; } = true;

    /// <summary>Two means closer than this count as a tie (both marked).</summary>
    public double TieTolerance { get; init; } = 1e-12;

    /// <summary>The default of <see cref="DigitsFor"/>.</summary>
    public static int DefaultDigits(string metric) => Metric.DigitsOf(metric);
}
