using System.Globalization;
using Iau.Evaluation;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// Efficiency: unlearning time against |D_f| (forget ratios of the sweep) and, for IAU, against |D_r|
/// (the retain set cut to 25%, 50%, 100% with the same forget set).
/// </summary>
internal sealed class EfficiencyExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Efficiency;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        var applicable = ExperimentContext.Applicable(spec);
        foreach (var r in spec.ForgetRatios ?? [spec.ForgetRatio])
        {
            foreach (var m in applicable)
            {
                yield return new(ExperimentContext.Invariant($"forget={r}"), m, [ExperimentContext.Invariant($"forget={r}")]);
            }
        }

        foreach (var f in new[] { 0.25, 0.5, 1.0 })
        {
            // Cached IAU needs the full training set's gradient, and its cost does not involve D_r at all.
            foreach (var m in applicable.Where(m => m == "iau"))
            {
                yield return new(ExperimentContext.Invariant($"retain={f}"), m, [ExperimentContext.Invariant($"retain={f}")]);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var value = double.Parse(cell.Variant[(cell.Variant.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var original = context.Original(spec, cell.Seed, spec.GrAlpha);
        if (cell.Variant.StartsWith("forget=", StringComparison.Ordinal))
        {
            var data = context.Split(spec, cell.Seed, value);
            var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, cell.Method, cell.MethodOptions, full: false);
            metrics[Metric.ForgetSize] = data.Forget.Count;
            metrics[Metric.RetainSize] = data.Retain.Count;
            return [context.Row(cell, cell.Variant, metrics, notes)];
        }

        // retain=f: the same forget set, D_r cut to a fraction: how time grows with |D| (the cache only needs D_f).
        var full = context.Split(spec, cell.Seed);
        using var retain = full.Retain.Subset(Enumerable.Range(0, (int)(full.Retain.Count * value)).ToArray());
        var method = UnlearningMethods.Create(cell.Method, MethodSettings.Parse(cell.MethodOptions));
        var unlearning = new UnlearningContext(cell.Seed, original.Metadata.Training);
        using var result = Unlearner.Run(method, original.Model, new UnlearningData(full.Forget, retain, full.Valid, full.Test), unlearning, cancellationToken: context.CancellationToken);
        var m = new Dictionary<string, double>
        {
            [Metric.Rte] = result.Seconds,
            [Metric.ForgetSize] = full.Forget.Count,
            [Metric.RetainSize] = retain.Count,
            [Metric.FA] = Evaluator.Accuracy(result.Model, full.Forget),
            [Metric.TA] = Evaluator.Accuracy(result.Model, full.Test),
        };
        return [context.Row(cell, cell.Variant, m, result.Notes)];
    }
}
