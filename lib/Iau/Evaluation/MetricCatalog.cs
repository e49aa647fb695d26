namespace Iau.Evaluation;

/// <summary>What a metric tells about an unlearned model (the groups that tables and findings keep apart).</summary>
public enum MetricGroup
{
    /// <summary>Accuracy on data the model should still serve (TA, RA).</summary>
    Utility,

    /// <summary>How much of the forget set the model still fits (FA, UA, the stream's gap to Retrain on D_f).</summary>
    Forgetting,

    /// <summary>Membership attacks and the per-example audit.</summary>
    Privacy,

    /// <summary>Distances to Retrain (Avg Gap, parameter and output distances).</summary>
    Distance,

    /// <summary>Wall-clock time and ratios of it.</summary>
    Cost,

    /// <summary>Counts and bookkeeping that describe a run rather than judge it.</summary>
    Bookkeeping,
}

/// <summary>Which value of a metric is best when methods are compared.</summary>
public enum MetricGoal
{
    /// <summary>None is best on its own (counts, bookkeeping).</summary>
    None,

    /// <summary>The value closest to Retrain's: unlearning should look like Retrain, not like maximal forgetting.</summary>
    MatchReference,

    /// <summary>The lowest (times, gaps and distances to Retrain).</summary>
    Lower,

    /// <summary>The highest (speed-ups).</summary>
    Higher,
}

/// <summary>One metric as result rows, tables, charts and findings know it.</summary>
/// <param name="Name">The key in a result row's metrics (serialised data; never renamed).</param>
/// <param name="Label">Display name in tables and on axes.</param>
/// <param name="Group">What it tells (utility, forgetting, privacy, distance, cost, bookkeeping).</param>
/// <param name="Goal">Which value is best when methods are compared (the table's marked cell).</param>
/// <param name="InAvgGap">Whether it counts in the paper's Avg Gap to Retrain.</param>
/// <param name="Timing">A wall-clock measurement: the one kind of value that differs between two runs of one cell.</param>
/// <param name="ToReference">Measured against Retrain, so that Retrain's own value is 0 by definition.</param>
/// <param name="Digits">Decimals in tables.</param>
public sealed record MetricInfo(
    string Name, string Label, MetricGroup Group, MetricGoal Goal, bool InAvgGap = false, bool Timing = false,
    bool ToReference = false, int Digits = 4);

/// <summary>
/// The kit's metrics, declared once: the name each is stored under, its label, group, goal, whether it counts in
/// the Avg Gap, whether it is a timing, and its decimals. Measuring code writes the names below; tables, charts,
/// findings and the tuner read the rest from <see cref="All"/>. Adding a metric takes one entry here, plus the code
/// that computes it. The order of <see cref="All"/> is the order of table columns.
/// </summary>
public static class Metric
{
    /// <summary>Test accuracy.</summary>
    public const string TA = "TA";

    /// <summary>Retain-set accuracy.</summary>
    public const string RA = "RA";

    /// <summary>Forget-set accuracy.</summary>
    public const string FA = "FA";

    /// <summary>Unlearning accuracy, 1 − FA (Unlearn-Sparse).</summary>
    public const string UA = "UA";

    /// <summary>The paper's shadow-model membership attack: share of D_f predicted member.</summary>
    public const string MiaShadow = "MIA_shadow";

    /// <summary>The entropy attack's "MIA-efficacy" (Unlearn-Sparse).</summary>
    public const string MiaEntropy = "MIA_entropy";

    /// <summary>AUC of the loss-threshold attack, D_f against test samples of its classes.</summary>
    public const string AucLoss = "AUC_loss";

    /// <summary>RMIA's AUC (reference-model attack, Zarifzadeh et al. 2024).</summary>
    public const string RmiaAuc = "RMIA_AUC";

    /// <summary>RMIA's TPR at 1% FPR.</summary>
    public const string RmiaTpr1 = "RMIA_TPR1";

    /// <summary>RMIA's TPR at 0.1% FPR.</summary>
    public const string RmiaTpr01 = "RMIA_TPR01";

    /// <summary>L2 distance of the parameters to Retrain's.</summary>
    public const string L2Retrain = "L2_retrain";

    /// <summary>Jensen–Shannon divergence of the outputs from Retrain's on D_f.</summary>
    public const string JsForget = "JS_forget";

    /// <summary>Jensen–Shannon divergence of the outputs from Retrain's on the test set.</summary>
    public const string JsTest = "JS_test";

    /// <summary>The paper's Avg Gap: mean |m − Retrain| over the <see cref="MetricInfo.InAvgGap"/> metrics.</summary>
    public const string AvgGap = "AvgGap";

    /// <summary>The paper's average rank (computed by tables, not stored).</summary>
    public const string AvgRank = "AvgRank";

    /// <summary>Run time of the unlearning step, seconds (RTE).</summary>
    public const string Rte = "RTE";

    /// <summary>Retrain's time over the method's.</summary>
    public const string Speedup = "Speedup";

    /// <summary>1 when the model's weights are not finite (a diverged run), stored only then.</summary>
    public const string Diverged = "Diverged";

    /// <summary>A stream's FA minus Retrain's FA after the same request.</summary>
    public const string FaGap = "FA_gap";

    /// <summary>A stream's TA minus Retrain's TA after the same request.</summary>
    public const string TaGap = "TA_gap";

    /// <summary>A stream's seconds summed over the requests so far.</summary>
    public const string CumulativeSeconds = "CumSeconds";

    /// <summary>Samples removed so far in a stream.</summary>
    public const string Removed = "removed";

    /// <summary>|D_f| of an efficiency point.</summary>
    public const string ForgetSize = "forget_size";

    /// <summary>|D_r| of an efficiency point.</summary>
    public const string RetainSize = "retain_size";

    /// <summary>The audit's forgetting quality F (ε-score), with its interval.</summary>
    public const string AuditF = "F";

    /// <summary>Lower end of F's interval.</summary>
    public const string AuditFLow = "F_low";

    /// <summary>Upper end of F's interval.</summary>
    public const string AuditFHigh = "F_high";

    /// <summary>The challenge's final score (F scaled by utility).</summary>
    public const string AuditFinal = "Final";

    /// <summary>U-LiRA's accuracy.</summary>
    public const string ULiraAcc = "ULiRA_Acc";

    /// <summary>U-LiRA's AUC.</summary>
    public const string ULiraAuc = "ULiRA_AUC";

    /// <summary>Lower end of U-LiRA's AUC interval.</summary>
    public const string ULiraAucLow = "ULiRA_AUC_low";

    /// <summary>Upper end of U-LiRA's AUC interval.</summary>
    public const string ULiraAucHigh = "ULiRA_AUC_high";

    /// <summary>U-LiRA's TPR at 1% FPR.</summary>
    public const string ULiraTpr1 = "ULiRA_TPR1";

    /// <summary>U-LiRA's TPR at 0.1% FPR.</summary>
    public const string ULiraTpr01 = "ULiRA_TPR01";

    /// <summary>Models in an audit pool.</summary>
    public const string Models = "Models";

    /// <summary>Reference models of an audit.</summary>
    public const string ReferenceModels = "ReferenceModels";

    /// <summary>An audit's mean seconds per model.</summary>
    public const string SecondsPerModel = "SecondsPerModel";

    /// <summary>The convex experiment's Retrain time, seconds.</summary>
    public const string RetrainSeconds = "retrain_seconds";

    /// <summary>An unlearned checkpoint's unlearning time in its metadata (Retrain's is the Speed-up's numerator).</summary>
    public const string UnlearnSeconds = "unlearn_seconds";

    /// <summary>The convex experiment's norm of the exact parameter shift.</summary>
    public const string ShiftNorm = "shift_norm";

    /// <summary>Every metric, in table-column order.</summary>
    public static IReadOnlyList<MetricInfo> All { get; } =
    [
        new(TA, "TA", MetricGroup.Utility, MetricGoal.MatchReference, InAvgGap: true),
        new(RA, "RA", MetricGroup.Utility, MetricGoal.MatchReference, InAvgGap: true),
        new(FA, "FA", MetricGroup.Forgetting, MetricGoal.MatchReference, InAvgGap: true),
        new(UA, "UA", MetricGroup.Forgetting, MetricGoal.MatchReference),
        new(MiaShadow, "MIA (shadow)", MetricGroup.Privacy, MetricGoal.MatchReference, InAvgGap: true),
        new(MiaEntropy, "MIA (entropy)", MetricGroup.Privacy, MetricGoal.MatchReference),
        new(AucLoss, "AUC (loss attack)", MetricGroup.Privacy, MetricGoal.MatchReference),
        new(L2Retrain, "L2 to Retrain", MetricGroup.Distance, MetricGoal.Lower, ToReference: true),
        new(JsForget, "JS on D_f", MetricGroup.Distance, MetricGoal.Lower, ToReference: true),
        new(JsTest, "JS on test", MetricGroup.Distance, MetricGoal.Lower, ToReference: true),
        new(Rte, "RTE (s)", MetricGroup.Cost, MetricGoal.Lower, Timing: true, Digits: 2),
        new(Speedup, "Speed-up", MetricGroup.Cost, MetricGoal.Higher, Timing: true, Digits: 2),
        new(AvgGap, "Avg Gap", MetricGroup.Distance, MetricGoal.Lower, ToReference: true),
        new(AvgRank, "AvgRank", MetricGroup.Distance, MetricGoal.Lower),
        new(RmiaAuc, RmiaAuc, MetricGroup.Privacy, MetricGoal.None),
        new(RmiaTpr1, RmiaTpr1, MetricGroup.Privacy, MetricGoal.None),
        new(RmiaTpr01, RmiaTpr01, MetricGroup.Privacy, MetricGoal.None),
        new(Diverged, Diverged, MetricGroup.Bookkeeping, MetricGoal.None),
        new(FaGap, FaGap, MetricGroup.Forgetting, MetricGoal.None),
        new(TaGap, TaGap, MetricGroup.Utility, MetricGoal.None),
        new(CumulativeSeconds, CumulativeSeconds, MetricGroup.Cost, MetricGoal.None, Timing: true),
        new(Removed, Removed, MetricGroup.Bookkeeping, MetricGoal.None),
        new(ForgetSize, ForgetSize, MetricGroup.Bookkeeping, MetricGoal.None),
        new(RetainSize, RetainSize, MetricGroup.Bookkeeping, MetricGoal.None),
        new(AuditF, AuditF, MetricGroup.Privacy, MetricGoal.None),
        new(AuditFLow, AuditFLow, MetricGroup.Privacy, MetricGoal.None),
        new(AuditFHigh, AuditFHigh, MetricGroup.Privacy, MetricGoal.None),
        new(AuditFinal, AuditFinal, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraAcc, ULiraAcc, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraAuc, ULiraAuc, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraAucLow, ULiraAucLow, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraAucHigh, ULiraAucHigh, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraTpr1, ULiraTpr1, MetricGroup.Privacy, MetricGoal.None),
        new(ULiraTpr01, ULiraTpr01, MetricGroup.Privacy, MetricGoal.None),
        new(Models, Models, MetricGroup.Bookkeeping, MetricGoal.None),
        new(ReferenceModels, ReferenceModels, MetricGroup.Bookkeeping, MetricGoal.None),
        new(SecondsPerModel, SecondsPerModel, MetricGroup.Cost, MetricGoal.None, Timing: true),
        new(RetrainSeconds, RetrainSeconds, MetricGroup.Cost, MetricGoal.None, Timing: true),
        new(ShiftNorm, ShiftNorm, MetricGroup.Bookkeeping, MetricGoal.None),
    ];

    /// <summary>Suffix of the convex experiment's relative error of a method's step to exact retraining's ("iau_error").</summary>
    public const string ErrorSuffix = "_error";

    /// <summary>Suffix of the cosine of a method's step with exact retraining's.</summary>
    public const string CosineSuffix = "_cosine";

    /// <summary>Suffix of a method's seconds.</summary>
    public const string SecondsSuffix = "_seconds";

    /// <summary>
    /// Per-method metrics of the convex experiment, named "{method}{suffix}" (<see cref="OfMethod"/>): the suffix
    /// declares the metric once for every method.
    /// </summary>
    public static IReadOnlyList<MetricInfo> PerMethodSuffixes { get; } =
    [
        new(ErrorSuffix, "error to exact retraining", MetricGroup.Distance, MetricGoal.None),
        new(CosineSuffix, "cosine with exact retraining", MetricGroup.Distance, MetricGoal.None),
        new(SecondsSuffix, "seconds", MetricGroup.Cost, MetricGoal.None, Timing: true),
    ];

    /// <summary>The name of a per-method metric: <paramref name="method"/> followed by one of <see cref="PerMethodSuffixes"/>.</summary>
    public static string OfMethod(string method, string suffix) => method + suffix;

    /// <summary>The metrics of the paper's Avg Gap, in order: TA, RA, FA and MIA_shadow.</summary>
    public static IReadOnlyList<string> GapMetrics { get; } = [.. All.Where(m => m.InAvgGap).Select(m => m.Name)];

    /// <summary>The Avg Gap's metrics without the attack, for a Retrain whose attack could not be measured (diverged).</summary>
    public static IReadOnlyList<string> AccuracyGapMetrics { get; } = [.. All.Where(m => m.InAvgGap && m.Group != MetricGroup.Privacy).Select(m => m.Name)];

    private static readonly Dictionary<string, MetricInfo> ByName = All.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The catalog entry of <paramref name="name"/> (case-insensitive; "{method}_seconds" and the convex experiment's other per-method names by their suffix), or null.</summary>
    public static MetricInfo? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name, out var m) ? m
            : PerMethodSuffixes.FirstOrDefault(s => name.Length > s.Name.Length && name.EndsWith(s.Name, StringComparison.Ordinal));
    }

    /// <summary>The display name of a metric ("MIA_shadow" → "MIA (shadow)"); an unknown name is its own label.</summary>
    public static string Label(string name) => ByName.TryGetValue(name, out var m) ? m.Label : name;

    /// <summary>Whether a metric is a wall-clock measurement (see <see cref="MetricInfo.Timing"/>).</summary>
    public static bool IsTiming(string name) => Find(name)?.Timing ?? false;

    /// <summary>Whether a metric is measured against Retrain (Retrain's own value is 0 by definition).</summary>
    public static bool IsToReference(string name) => Find(name)?.ToReference ?? false;

    /// <summary>Which value of a metric is best (<see cref="MetricGoal.None"/> for an unknown name).</summary>
    public static MetricGoal GoalOf(string name) => Find(name)?.Goal ?? MetricGoal.None;

    /// <summary>Decimals of a metric in tables (4 for an unknown name).</summary>
    public static int DigitsOf(string name) => Find(name)?.Digits ?? 4;
}
