using System.Globalization;

namespace Iau.Experiments;

/// <summary>
/// Sensitivity of IAU: the gradient-restriction α of the original (the sweep), the number of steps and the
/// learning rate of the update, and the forget ratio (with Retrain at each ratio).
/// </summary>
internal sealed class SensitivityExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Sensitivity;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        foreach (var a in spec.GrAlphas ?? [spec.GrAlpha])
        {
            yield return new(ExperimentContext.Invariant($"alpha={a}"), "iau", [ExperimentContext.Invariant($"alpha={a}")]);
        }

        foreach (var (steps, lr) in new[] { (1, 1e-3), (1, 5e-3), (3, 1e-3), (5, 1e-3) })
        {
            yield return new(ExperimentContext.Invariant($"steps={steps},lr={lr}"), "iau", [ExperimentContext.Invariant($"steps={steps},lr={lr}")]);
        }

        foreach (var r in new[] { 0.01, 0.05, 0.1 })
        {
            yield return new(ExperimentContext.Invariant($"ratio={r}"), "iau", [ExperimentContext.Invariant($"ratio={r}")]);
            yield return new(ExperimentContext.Invariant($"ratio={r}"), "retrain", [ExperimentContext.Invariant($"ratio={r}")]);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var v = cell.Variant;
        if (v.StartsWith("alpha=", StringComparison.Ordinal))
        {
            var alpha = double.Parse(v[6..], CultureInfo.InvariantCulture);
            var data = context.Split(spec, cell.Seed);
            var original = context.Original(spec, cell.Seed, alpha);
            var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, alpha, "iau", []);
            return [context.Row(cell, v, metrics, notes)];
        }

        if (v.StartsWith("steps=", StringComparison.Ordinal))
        {
            var parts = v.Split(',');
            var data = context.Split(spec, cell.Seed);
            var original = context.Original(spec, cell.Seed, spec.GrAlpha);
            var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, "iau", parts);
            return [context.Row(cell, v, metrics, notes)];
        }

        var ratio = double.Parse(v[6..], CultureInfo.InvariantCulture);
        var d = context.Split(spec, cell.Seed, ratio);
        var o = context.Original(spec, cell.Seed, spec.GrAlpha);
        var (m, n) = context.RunMethod(spec, cell.Seed, d, o, spec.GrAlpha, cell.Method, []);
        return [context.Row(cell, v, m, n)];
    }
}
