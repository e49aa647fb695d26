namespace Iau.Unlearning;

/// <summary>A registry entry: a method's name, what it is, and how to build it from settings.</summary>
/// <param name="Name">Registry name, as the CLI takes it.</param>
/// <param name="Summary">One line for listings.</param>
/// <param name="Options">The option keys it reads, with their defaults, for help texts.</param>
/// <param name="Create">Builds the method from settings.</param>
/// <param name="AppliesTo">Which architectures it supports (null = all), e.g. certified removal needs logreg.</param>
public sealed record MethodEntry(string Name, string Summary, string Options, Func<MethodSettings, IUnlearningMethod> Create, Func<string, bool>? AppliesTo = null)
{
    /// <summary>Whether the method supports the architecture.</summary>
    public bool Supports(string architecture) => AppliesTo?.Invoke(architecture) ?? true;
}

/// <summary>Every unlearning method by name.</summary>
public static class UnlearningMethods
{
    private static readonly List<MethodEntry> Entries =
    [
        .. Retrain.Entries,
        new("iau", "IAU, the paper preset: one Adam step (lr 1e-3, fresh state) with g = ∇L̄_r − ∇L̄_f",
            "steps=1 lr=0.001 optimizer=adam|sgd forget-weight=1 retain-weight=1 momentum=0 cache=false",
            s => FromSettings(s, IauOptions.PaperPreset, "iau")),
        new("iau-cached", "IAU with ∇L̄_r from the mean training gradient stored with the model (passes over D_f only)",
            "lr=0.001 optimizer=adam|sgd forget-weight=1 retain-weight=1",
            s => FromSettings(s, IauOptions.Cached, "iau-cached")),
        new("ia", "Ablation: IA alone, one Adam step on −∇L̄_f (no gradient correction)",
            "steps=1 lr=0.001 optimizer=adam|sgd forget-weight=1",
            s => FromSettings(s, IauOptions.IaOnly, "ia")),
        .. GradientBaselines.Entries,
        .. InfluenceBaselines.Entries,
    ];

    /// <summary>All registered methods.</summary>
    public static IReadOnlyList<MethodEntry> All => Entries;

    /// <summary>Names of the methods that support an architecture (what "all" means for a model).</summary>
    public static IReadOnlyList<string> NamesFor(string architecture) => Entries.Where(e => e.Supports(architecture)).Select(e => e.Name).ToList();

    /// <summary>Names of all methods.</summary>
    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToList();

    /// <summary>Builds a method by name; unknown names and options are errors that list what exists.</summary>
    public static IUnlearningMethod Create(string name, MethodSettings? settings = null)
    {
        var entry = Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown unlearning method '{name}'. Known: {string.Join(", ", Names)}.");
        settings ??= MethodSettings.Empty;
        var method = entry.Create(settings);
        settings.ThrowIfUnused(entry.Name);
        return method;
    }

    private static IauMethod FromSettings(MethodSettings s, IauOptions preset, string name) => new(
        new IauOptions(
            Steps: s.Int("steps", preset.Steps),
            LearningRate: s.Double("lr", preset.LearningRate),
            Optimizer: s.Enum("optimizer", preset.Optimizer),
            ForgetWeight: s.Double("forget-weight", preset.ForgetWeight),
            RetainWeight: s.Double("retain-weight", preset.RetainWeight),
            UseCache: s.Bool("cache", preset.UseCache),
            Momentum: s.Double("momentum", preset.Momentum)),
        name);
}
