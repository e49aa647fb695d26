using System.Globalization;

namespace Iau.Experiments;

/// <summary>
/// Main comparison (the paper's tables): the original, then every method on the same forget set, each
/// measured against Retrain on every metric (TA, RA, FA, MIAs, distances, RTE, Avg Gap).
/// </summary>
internal sealed class MainExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Main;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes) => Comparison(spec);

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context) => [Compare(cell, context)];

    /// <summary>The cells of a comparison: the original, then one per applicable method.</summary>
    internal static IEnumerable<CellPlan> Comparison(ExperimentSpec spec)
    {
        yield return new(string.Empty, "original", [string.Empty]);
        foreach (var m in ExperimentContext.Applicable(spec))
        {
            yield return new(string.Empty, m, [string.Empty]);
        }
    }

    /// <summary>One comparison cell: the original measured as it is, or one method's unlearned model.</summary>
    internal static ResultRow Compare(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var data = context.Split(spec, cell.Seed, spec.ForgetRatio);
        var original = context.Original(spec, cell.Seed, spec.GrAlpha);
        if (cell.Method == "original")
        {
            var m = context.Measure(spec, cell.Seed, data, original.Model, spec.GrAlpha, seconds: null);
            return context.Row(cell, cell.Variant, m, new Dictionary<string, string>
            {
                ["epochs"] = original.Metadata.History.Count.ToString(CultureInfo.InvariantCulture),
                [RocNote.Key] = RocNote.Serialize(context.LastRoc.Fpr, context.LastRoc.Tpr),
            });
        }

        var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, cell.Method, cell.MethodOptions);
        notes[RocNote.Key] = RocNote.Serialize(context.LastRoc.Fpr, context.LastRoc.Tpr);
        return context.Row(cell, cell.Variant, metrics, notes);
    }
}
