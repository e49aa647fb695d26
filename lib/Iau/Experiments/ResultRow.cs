using System.Text.Json.Serialization;
using Iau.Evaluation;

namespace Iau.Experiments;

/// <summary>
/// One cell of an experiment: a (spec, seed, method) run with its metrics. The results store keeps one JSON
/// line per row; reporting groups rows by experiment, method and variant and aggregates over seeds.
/// </summary>
/// <param name="Experiment">main | efficiency | ablation | sensitivity | sequential | convex.</param>
/// <param name="Key">Unique key of the cell (experiment/dataset/model/variant/method/seed); re-runs skip existing keys.</param>
/// <param name="ConfigHash">Hash of everything that determines the result (spec, method options, seed, kit version).</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">Architecture.</param>
/// <param name="Method">Unlearning method (registry name, or "original").</param>
/// <param name="Variant">What varies within the experiment (e.g. "alpha=0.005", "ratio=0.10", "request=3"); "" for none.</param>
/// <param name="Seed">Seed of the split, forget set and training.</param>
/// <param name="Metrics">
/// Named numbers. Conventions: TA, RA, FA, UA (accuracies in [0,1]); MIA_shadow (share of forget samples the
/// shadow-model attack calls member); MIA_entropy (share called non-member, SalUn's MIA-efficacy);
/// AUC_loss; L2_retrain; JS_forget, JS_test; RTE (seconds); Speedup; AvgGap; others per experiment. Timings: <see cref="IsTiming"/>.
/// </param>
/// <param name="Notes">Free-form details (method notes, sizes).</param>
/// <param name="KitVersion">Version of the kit that produced the row.</param>
/// <param name="CreatedUtc">When the row was written.</param>
public sealed record ResultRow(
    string Experiment,
    string Key,
    string ConfigHash,
    string Dataset,
    string Model,
    string Method,
    string Variant,
    int Seed,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Notes,
    string KitVersion,
    DateTimeOffset CreatedUtc)
{
    /// <summary>
    /// The forget set of the row's setting, as its key writes it: "ratio=0.05" (random) or "class=0" (class-wise).
    /// Written with every row since the field exists; null in older rows, which <see cref="ForgetSetting"/> reads
    /// from the key.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Forget { get; init; }

    /// <summary>
    /// The forget set of the row's setting: <see cref="Forget"/>, or for a row written before that field the key's
    /// forget-set segment (experiment/dataset/model/forget/variant/method/seed); "" when neither has one.
    /// </summary>
    [JsonIgnore]
    public string ForgetSetting => Forget ?? (Key.Split('/') is { Length: >= 7 } parts ? parts[3] : string.Empty);

    /// <summary>
    /// Whether a metric is a wall-clock measurement (RTE, Speedup, the audit's seconds per model, a stream's cumulative
    /// seconds, any "…_seconds"): the one kind of metric that differs between two runs of the same cell; every other
    /// metric is the same bit for bit on CPU.
    /// </summary>
    public static bool IsTiming(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return Metric.IsTiming(metric);
    }
}
