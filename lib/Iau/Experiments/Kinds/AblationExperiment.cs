using System.Globalization;

namespace Iau.Experiments;

/// <summary>
/// Ablation of IAU's parts: IA (forget term alone), IA+GC (with the retain gradient), IA+GR and IA+GC+GR
/// (the same on an original trained with gradient restriction, α = the spec's GrAlpha; else α = 0).
/// </summary>
internal sealed class AblationExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Ablation;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes) =>
        new[] { "IA", "IA+GC", "IA+GR", "IA+GC+GR" }.Select(v => new CellPlan(v, v, [v]));

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var gr = cell.Variant.Contains("GR", StringComparison.Ordinal);
        var alpha = gr ? spec.GrAlpha : 0;
        var method = cell.Variant.Contains("GC", StringComparison.Ordinal) ? "iau" : "ia";
        var data = context.Split(spec, cell.Seed);
        var original = context.Original(spec, cell.Seed, alpha);
        var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, alpha, method, []);
        notes["method"] = method;
        notes["original GR alpha"] = alpha.ToString(CultureInfo.InvariantCulture);
        return [context.Row(cell, cell.Variant, metrics, notes)];
    }
}
