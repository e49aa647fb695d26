using System.Globalization;

namespace Iau.Experiments;

/// <summary>
/// Main comparison (the paper's tables): the original, then every method on the same forget set, each
/// measured against Retrain on every metric (TA, RA, FA, MIAs, distances, RTE, Avg Gap). Where a tuned
/// recipe holds a method (<see cref="RecipeBook"/>), that method also gets a row of variant
/// <see cref="TunedVariant"/> with the recipe's options over the spec's; the reference-default row stays.
/// </summary>
internal sealed class MainExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Main;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes) => Comparison(spec, recipes);

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context) => [Compare(cell, context)];

    /// <summary>Variant of the rows that use a tuned recipe.</summary>
    public const string TunedVariant = "tuned";

    /// <summary>
    /// The cells of a comparison: the original, one per applicable method with the spec's options
    /// ("reference defaults"), then one "tuned" cell per method the recipe book holds, with the spec's options
    /// followed by the recipe's (a key given in both takes the recipe's value).
    /// </summary>
    internal static IEnumerable<CellPlan> Comparison(ExperimentSpec spec, RecipeBook recipes)
    {
        var methods = ExperimentContext.Applicable(spec);
        yield return new(string.Empty, "original", [string.Empty]);
        foreach (var m in methods)
        {
            yield return new(string.Empty, m, [string.Empty]);
        }

        foreach (var m in methods.Where(m => m != "retrain"))
        {
            if (recipes.OptionsFor(spec, m) is { } tuned && Changes(spec.OptionsFor(m), tuned))
            {
                yield return new(TunedVariant, m, [TunedVariant], [.. spec.OptionsFor(m), .. tuned]);
            }
        }
    }

    /// <summary>
    /// Whether the recipe's options change the spec's (a later key=value overrides an earlier one): a recipe whose
    /// best trial was the reference defaults (or only restates the spec's settings) gives no second, identical row.
    /// </summary>
    internal static bool Changes(IReadOnlyList<string> specOptions, IReadOnlyList<string> tuned)
    {
        static Dictionary<string, string> Map(IEnumerable<string> options)
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var o in options)
            {
                var i = o.IndexOf('=', StringComparison.Ordinal);
                map[i < 0 ? o.Trim() : o[..i].Trim()] = i < 0 ? string.Empty : o[(i + 1)..].Trim();
            }

            return map;
        }

        var before = Map(specOptions);
        var after = Map([.. specOptions, .. tuned]);
        return after.Count != before.Count || after.Any(kv => !before.TryGetValue(kv.Key, out var v) || v != kv.Value);
    }

    /// <summary>
    /// One comparison cell: the original measured as it is (no unlearning: the first control, with its gaps to
    /// Retrain), or one method's unlearned model.
    /// </summary>
    internal static ResultRow Compare(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var data = context.Split(spec, cell.Seed);
        var original = context.Original(spec, cell.Seed, spec.GrAlpha);
        if (cell.Method == "original")
        {
            // Measured against Retrain like every method, so that the control ranks beside them.
            var retrain = context.Retrained(spec, cell.Seed, data, original, spec.GrAlpha);
            var m = context.Measure(spec, cell.Seed, data, original.Model, spec.GrAlpha, seconds: null, retrain);
            var originalNotes = new Dictionary<string, string> { ["epochs"] = original.Metadata.History.Count.ToString(CultureInfo.InvariantCulture) };
            AddRoc(originalNotes, context);
            return context.Row(cell, cell.Variant, m, originalNotes);
        }

        var (metrics, notes) = context.RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, cell.Method, cell.MethodOptions);
        if (cell.Variant == TunedVariant)
        {
            notes["options"] = string.Join(" ", cell.MethodOptions);
        }

        AddRoc(notes, context);
        return context.Row(cell, cell.Variant, metrics, notes);
    }

    /// <summary>The loss attack's ROC of the model just measured (none for a diverged model).</summary>
    private static void AddRoc(Dictionary<string, string> notes, ExperimentContext context)
    {
        if (context.LastRoc is { } roc)
        {
            notes[RocNote.Key] = RocNote.Serialize(roc.Fpr, roc.Tpr);
        }
    }
}
