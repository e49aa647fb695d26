using System.Globalization;
using System.Text;
using Iau.Evaluation;

namespace Iau.Audit;

/// <summary>One row of the audit: a method's pool (or a noise floor) scored against the retrained pool.</summary>
/// <param name="Name">Method name, or "floor: retrain (second pool)" / "floor: original (no unlearning)".</param>
/// <param name="Models">Models in the scored pool (N).</param>
/// <param name="ReferenceModels">Retrained models it is compared with.</param>
/// <param name="Forget">F, the challenge's forget score (1 = indistinguishable from retraining), with its interval.</param>
/// <param name="Final">F · (RA_u/RA_r) · (TA_u/TA_r), with its interval (accuracy ratios held fixed).</param>
/// <param name="ULira">The U-LiRA attack's numbers.</param>
/// <param name="ULiraAuc">U-LiRA's AUC with its interval.</param>
/// <param name="RetainAccuracy">Mean RA of the pool.</param>
/// <param name="TestAccuracy">Mean TA of the pool.</param>
/// <param name="ForgetAccuracy">Mean FA of the pool.</param>
/// <param name="Seconds">Mean seconds per model (training or the unlearning step).</param>
/// <param name="Epsilons">Per-example ε (for the distribution figure).</param>
/// <param name="Note">Caveats (e.g. identical runs of a deterministic method under design a).</param>
public sealed record AuditRow(
    string Name,
    int Models,
    int ReferenceModels,
    Interval Forget,
    Interval Final,
    ULiraResult ULira,
    Interval ULiraAuc,
    double RetainAccuracy,
    double TestAccuracy,
    double ForgetAccuracy,
    double Seconds,
    double[] Epsilons,
    string Note);

/// <summary>What one call of <see cref="ForgettingAudit.Run(AuditOptions, IProgress{AuditProgress}?, CancellationToken)"/> did and found.</summary>
/// <param name="Options">The options.</param>
/// <param name="ForgetCount">|D_f|.</param>
/// <param name="RetainCount">|D_r|.</param>
/// <param name="ModelsBuilt">Models trained or unlearned by this call.</param>
/// <param name="ModelsCached">Models found in the cache.</param>
/// <param name="Seconds">Wall time of this call.</param>
/// <param name="Rows">The scores: null when this call built one shard of several (merge, then run without --shard).</param>
/// <param name="Missing">Records the scores still need (other shards'), 0 when complete.</param>
public sealed record AuditSummary(
    AuditOptions Options,
    int ForgetCount,
    int RetainCount,
    int ModelsBuilt,
    int ModelsCached,
    double Seconds,
    IReadOnlyList<AuditRow>? Rows,
    int Missing)
{
    /// <summary>The table as Markdown: one row per method and per noise floor, then its reading (<see cref="AuditReading"/>).</summary>
    public string ToMarkdown()
    {
        var o = Options;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"Forgetting audit: {o.Dataset}/{o.Model}, |D_f| = {ForgetCount:N0} ({o.ForgetRatio:P0} random, seed {o.ForgetSeed}), |D_r| = {RetainCount:N0}, N = {o.Pool} per pool, design ({o.Design.ToString().ToLowerInvariant()}), recipe {(o.EffectiveTraining.Patience is null ? $"{o.EffectiveTraining.MaxEpochs} epochs, no early stopping" : $"≤{o.EffectiveTraining.MaxEpochs} epochs")} GR α {o.EffectiveTraining.GrAlpha:G3}.");
        sb.AppendLine();
        sb.AppendLine("F: the NeurIPS 2023 challenge's forget score (1 = as retraining); final = F·(RA_u/RA_r)·(TA_u/TA_r); U-LiRA: how well a per-example likelihood-ratio attack tells the pool from retrained models (0.5 = not at all). Brackets: 95% bootstrap intervals; " + (o.ModelBootstrapSamples > 0
            ? FormattableString.Invariant($"F's and final's resample the models of both pools and the forget examples ({o.ModelBootstrapSamples} resamples, shifted onto the estimate: a resampled pool repeats models, which alone lowers F), U-LiRA AUC's the forget examples and the target models of both pools (its Gaussians stay fitted to the whole pools).")
            : "over the forget examples, with the models fixed (they leave out the noise of drawing other models)."));
        sb.AppendLine();
        sb.AppendLine("| pool | N | F | final | U-LiRA acc | U-LiRA AUC | TPR@1% FPR | TPR@0.1% FPR | RA | TA | FA | s/model | note |");
        sb.AppendLine("|---|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Rows ?? [])
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Models} | {r.Forget} | {r.Final} | {r.ULira.Accuracy:F3} | {r.ULiraAuc} | {r.ULira.TprAt1PercentFpr:F3} | {r.ULira.TprAt01PercentFpr:F3} | {r.RetainAccuracy:F4} | {r.TestAccuracy:F4} | {r.ForgetAccuracy:F4} | {r.Seconds:F2} | {r.Note} |");
        }

        if (Rows is { Count: > 0 } rows)
        {
            sb.AppendLine();
            foreach (var s in AuditReading.Sentences(rows, o.ModelBootstrapSamples > 0))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {s}");
            }
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{ModelsBuilt} models built, {ModelsCached} cached, {Seconds / 60:F1} min wall time.");
        return sb.ToString();
    }
}

/// <summary>Progress of an audit: a stage ("train", "unlearn", "score"), counts and what finished.</summary>
public sealed record AuditProgress(string Stage, int Done, int Total, string Message);

/// <summary>One kind of model of an audit plan (<see cref="ForgettingAudit.Estimate"/>).</summary>
/// <param name="Method">"original", "retrain" (the reference pool and the floor's second pool) or the unlearning method.</param>
/// <param name="Pending">Models still to build.</param>
/// <param name="Done">Models found in the pool cache.</param>
/// <param name="SecondsEach">Estimated seconds per model.</param>
/// <param name="Measured">Whether the estimate comes from recorded times (else <see cref="ForgettingAudit.UnknownSeconds"/>).</param>
public sealed record AuditPlanRow(string Method, int Pending, int Done, double SecondsEach, bool Measured);

/// <summary>What an audit still has to build and its estimated wall time (<c>iau audit --plan</c>).</summary>
/// <param name="Rows">Per kind of model, in build order.</param>
/// <param name="WallSeconds">Estimated wall seconds of the pending models on <paramref name="Workers"/> workers (scores not included).</param>
/// <param name="Workers">Workers assumed.</param>
public sealed record AuditPlan(IReadOnlyList<AuditPlanRow> Rows, double WallSeconds, int Workers)
{
    /// <summary>Models still to build.</summary>
    public int Pending => Rows.Sum(r => r.Pending);

    /// <summary>Pending models whose kind has no recorded time.</summary>
    public int Unmeasured => Rows.Where(r => !r.Measured).Sum(r => r.Pending);
}
