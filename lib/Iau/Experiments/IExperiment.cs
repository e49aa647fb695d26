namespace Iau.Experiments;

/// <summary>
/// One experiment (one file under <c>Experiments/Kinds/</c>): which cells a spec has, and how one cell runs.
/// <para>
/// The driver (<see cref="Reproduction"/>) owns everything the experiments share: row keys and config
/// hashes, resume (finished cells are skipped), sharding, the results store, and — through
/// <see cref="ExperimentContext"/> — the splits, the cached originals, retrained models and shadow attacks,
/// and the standard measurement of a model against Retrain.
/// </para>
/// <para>
/// Adding an experiment: a member of <see cref="ExperimentKind"/>, a class implementing this interface in
/// <c>Kinds/</c>, and one line in <see cref="ExperimentRegistry"/>. The driver calls <see cref="Plan"/> once
/// per spec (the same plan is used for every seed of the spec) and <see cref="Run"/> once per cell and seed.
/// </para>
/// </summary>
internal interface IExperiment
{
    /// <summary>Which experiment this is (its rows' <see cref="ResultRow.Experiment"/> is the lower-case name).</summary>
    ExperimentKind Kind { get; }

    /// <summary>
    /// The cells of one seed of <paramref name="spec"/>, in a stable order. Each cell gives the rows named by its
    /// <see cref="CellPlan.RowVariants"/>; keys and hashes are made by the driver from (spec, seed, variant,
    /// method, options), so nothing else may change what a cell computes.
    /// </summary>
    /// <param name="spec">The experiment's spec.</param>
    /// <param name="recipes">Tuned method options (data/recipes), for experiments that report tuned rows.</param>
    IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes);

    /// <summary>Runs one cell and returns its rows (made with <see cref="ExperimentContext.Row"/>), one per row variant.</summary>
    IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context);
}

/// <summary>One planned cell of an experiment (per seed).</summary>
/// <param name="Variant">What varies within the experiment ("" for none); part of the key and the hash.</param>
/// <param name="Method">Method (registry name) or another label of the cell ("original", "IA+GC", "all").</param>
/// <param name="RowVariants">The variants of the rows the cell writes (usually just <paramref name="Variant"/>).</param>
/// <param name="Options">
/// Method options of this cell when they are not the spec's (e.g. a tuned recipe's); they enter the cell's
/// hash, so changed options re-run it. Null = <see cref="ExperimentSpec.OptionsFor"/>.
/// </param>
internal sealed record CellPlan(string Variant, string Method, IReadOnlyList<string> RowVariants, IReadOnlyList<string>? Options = null);

/// <summary>A unit of work and resume: its row keys and the hash of everything its result depends on.</summary>
/// <param name="Spec">The experiment.</param>
/// <param name="Seed">Seed of the cell.</param>
/// <param name="Variant">Variant of the cell.</param>
/// <param name="Method">Method (or label) of the cell.</param>
/// <param name="Keys">Keys of the rows it writes.</param>
/// <param name="Hash">Hash of everything its result depends on.</param>
/// <param name="Options">Method options of the cell when not the spec's (see <see cref="CellPlan.Options"/>).</param>
internal sealed record Cell(ExperimentSpec Spec, int Seed, string Variant, string Method, IReadOnlyList<string> Keys, string Hash, IReadOnlyList<string>? Options = null)
{
    /// <summary>Readable name for progress lines.</summary>
    public string Label => $"{Spec.Name} {Variant} {Method} seed {Seed}".Replace("  ", " ", StringComparison.Ordinal);

    /// <summary>The method options in effect: the cell's own, else the spec's.</summary>
    public IReadOnlyList<string> MethodOptions => Options ?? Spec.OptionsFor(Method);
}
