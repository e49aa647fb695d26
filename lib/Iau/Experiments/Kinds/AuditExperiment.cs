using System.Globalization;
using Iau.Audit;
using Iau.Evaluation;
using Iau.Training;

namespace Iau.Experiments;

/// <summary>
/// The per-example forgetting audit (<see cref="ForgettingAudit"/>: the NeurIPS 2023 challenge's ε-score and U-LiRA)
/// as an experiment of the profiles. For every pool size N in the spec's <see cref="ExperimentSpec.PoolSizes"/> (default
/// <see cref="AuditOptions.SmokePool"/>), design (b): N originals (training seeds 1..N) on the seed's split, each
/// unlearned once by every method, scored against N models retrained on D_r. One cell (and row) per method, plus
/// the two noise floors at the same N, under the names of the kit's two reference rows: <c>retrain</c> (a second pool
/// of N retrained models: what perfect unlearning scores) and <c>original</c> (no unlearning). The cells of a spec share one pool cache under the run's cache folder, so the
/// originals and the retrain pool are trained once. Rows: F (the forget score, 1 = indistinguishable from
/// retraining) with its bootstrap interval, the final score, U-LiRA's accuracy, AUC (with interval) and TPR at 1%
/// and 0.1% FPR, and the pool's mean TA, RA, FA and seconds per model.
/// </summary>
internal sealed class AuditExperiment : IExperiment
{
    /// <summary>Cell method of the perfect-unlearning floor (a second retrained pool of the same N): Retrain's row.</summary>
    public const string RetrainFloorCell = "retrain";

    /// <summary>Cell method of the no-unlearning floor.</summary>
    public const string OriginalCell = "original";

    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Audit;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        foreach (var n in Pools(spec))
        {
            var variant = ExperimentContext.Invariant($"pool={n}");
            yield return new(variant, RetrainFloorCell, [variant]);
            yield return new(variant, OriginalCell, [variant]);
            foreach (var m in ExperimentContext.Applicable(spec).Where(m => m != RetrainFloorCell))
            {
                yield return new(variant, m, [variant]);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var n = int.Parse(cell.Variant["pool=".Length..], CultureInfo.InvariantCulture);
        var data = context.Split(spec, cell.Seed);
        var training = TrainingOptions.PaperWithGr with { GrAlpha = spec.GrAlpha, MaxEpochs = spec.MaxEpochs, Patience = spec.Patience };
        var floor = cell.Method is RetrainFloorCell or OriginalCell;
        var pool = Runtime.ShortHash.Of(ExperimentContext.Invariant(
            $"audit/{spec.Dataset}/{spec.Model}/{data.Split.TrainingFingerprint}/{string.Join(",", data.Split.Forget)}/{n}/{System.Text.Json.JsonSerializer.Serialize(training)}/{Checkpoint.KitVersion}"));
        var options = new AuditOptions(
            Methods: floor ? [] : [cell.Method],
            OutDir: Path.Combine(context.CacheDir, "audit-" + pool),
            Dataset: spec.Dataset,
            Model: spec.Model,
            Pool: n,
            Design: PoolDesign.B,
            Training: training,
            ForgetRatio: spec.ForgetRatio,
            ForgetSeed: cell.Seed,
            SplitSeed: cell.Seed,
            MethodOptions: floor ? null : new Dictionary<string, IReadOnlyList<string>> { [cell.Method] = cell.MethodOptions },
            Workers: context.InnerWorkers);
        // The floors' cells come first in a lineage and train the pools every cell of the spec shares.
        AuditSummary Audit() => ForgettingAudit.Run(options, data, cancellationToken: context.CancellationToken);
        var summary = floor ? SharedWork.Measure(Audit) : Audit();
        var name = cell.Method switch
        {
            RetrainFloorCell => ForgettingAudit.RetrainFloor,
            OriginalCell => ForgettingAudit.OriginalFloor,
            _ => cell.Method,
        };
        var row = summary.Rows?.FirstOrDefault(r => r.Name == name)
            ?? throw new InvalidOperationException($"The audit of {cell.Label} returned no row '{name}'.");
        var metrics = new Dictionary<string, double>
        {
            [Metric.AuditF] = row.Forget.Value,
            [Metric.AuditFLow] = row.Forget.Low,
            [Metric.AuditFHigh] = row.Forget.High,
            [Metric.AuditFinal] = row.Final.Value,
            [Metric.ULiraAcc] = row.ULira.Accuracy,
            [Metric.ULiraAuc] = row.ULiraAuc.Value,
            [Metric.ULiraAucLow] = row.ULiraAuc.Low,
            [Metric.ULiraAucHigh] = row.ULiraAuc.High,
            [Metric.ULiraTpr1] = row.ULira.TprAt1PercentFpr,
            [Metric.ULiraTpr01] = row.ULira.TprAt01PercentFpr,
            [Metric.TA] = row.TestAccuracy,
            [Metric.RA] = row.RetainAccuracy,
            [Metric.FA] = row.ForgetAccuracy,
            [Metric.Models] = row.Models,
            [Metric.ReferenceModels] = row.ReferenceModels,
            [Metric.SecondsPerModel] = row.Seconds,
        };
        var notes = new Dictionary<string, string>
        {
            ["audit"] = ExperimentContext.Invariant($"design (b), N = {n}, |D_f| = {summary.ForgetCount}, |D_r| = {summary.RetainCount}; pool cache {Path.GetFileName(options.OutDir)}"),
        };
        if (row.Note.Length > 0)
        {
            notes["note"] = row.Note;
        }

        return [context.Row(cell, cell.Variant, metrics, notes)];
    }

    private static IEnumerable<int> Pools(ExperimentSpec spec) =>
        spec.PoolSizes ?? [AuditOptions.SmokePool];
}
