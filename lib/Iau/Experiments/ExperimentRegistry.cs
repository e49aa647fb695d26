namespace Iau.Experiments;

/// <summary>Every experiment the driver can run, by kind. Adding an experiment adds one line here.</summary>
internal static class ExperimentRegistry
{
    private static readonly IReadOnlyDictionary<ExperimentKind, IExperiment> ByKind = new IExperiment[]
    {
        new MainExperiment(),
        new EfficiencyExperiment(),
        new AblationExperiment(),
        new SensitivityExperiment(),
        new SequentialExperiment(),
        new ConvexExperiment(),
        new ClassWiseExperiment(),
        new AuditExperiment(),
    }.ToDictionary(e => e.Kind);

    /// <summary>The experiment of a kind.</summary>
    /// <exception cref="NotSupportedException">No experiment is registered for the kind.</exception>
    public static IExperiment Get(ExperimentKind kind) =>
        ByKind.TryGetValue(kind, out var e) ? e : throw new NotSupportedException($"No experiment is registered for {kind} (ExperimentRegistry).");

    /// <summary>Every registered experiment.</summary>
    public static IReadOnlyCollection<IExperiment> All => [.. ByKind.Values];
}
