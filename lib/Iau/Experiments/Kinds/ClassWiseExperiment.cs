namespace Iau.Experiments;

/// <summary>
/// Class-wise forgetting: the main comparison (the original, then every method against Retrain on every
/// metric) with every training sample of one class (<see cref="ExperimentSpec.ForgetClass"/>) as the forget
/// set. Retrain then never sees the class, so its forget accuracy is near 0 and an unlearned model should
/// match that; tuned rows read the <c>classwise</c> recipe.
/// </summary>
internal sealed class ClassWiseExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.ClassWise;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        if (spec.ForgetClass is null)
        {
            throw new ArgumentException($"{spec.Name}: a class-wise experiment needs ForgetClass (the class to forget).");
        }

        return MainExperiment.Comparison(spec, recipes);
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context) => [MainExperiment.Compare(cell, context)];
}
