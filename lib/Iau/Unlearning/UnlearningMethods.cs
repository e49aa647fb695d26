using System.Reflection;

namespace Iau.Unlearning;

/// <summary>A registry entry: a method's name, what it is, and how to build it from settings.</summary>
/// <param name="Name">Registry name, as the CLI takes it.</param>
/// <param name="Summary">One line for listings.</param>
/// <param name="Options">The option keys it reads, with their defaults, for help texts.</param>
/// <param name="Create">Builds the method from settings.</param>
/// <param name="AppliesTo">Which architectures it supports (null = all), e.g. certified removal needs logreg.</param>
public sealed record MethodEntry(string Name, string Summary, string Options, Func<MethodSettings, IUnlearningMethod> Create, Func<string, bool>? AppliesTo = null)
{
    /// <summary>The declared options (key, default, range, search space, source), or null for a method that reads its few options ad hoc (retrain, certified).</summary>
    public IMethodOptions? Declaration { get; init; }

    /// <summary>An entry whose options, help and validation all come from one declaration.</summary>
    public static MethodEntry Declared<T>(string name, string summary, MethodOptions<T> options, Func<T, IUnlearningMethod> create, Func<string, bool>? appliesTo = null)
        where T : notnull =>
        new(name, summary, options.Help(), s => create(options.Parse(s)), appliesTo) { Declaration = options };

    /// <summary>Whether comparisons run it (false for ablation-only methods, e.g. IA alone).</summary>
    public bool InComparisons { get; init; } = true;

    /// <summary>Whether the method supports the architecture.</summary>
    public bool Supports(string architecture) => AppliesTo?.Invoke(architecture) ?? true;
}

/// <summary>
/// A class that registers unlearning methods. The registry (<see cref="UnlearningMethods"/>) finds every
/// implementation in the assembly and lists their entries by <see cref="RegistryOrder"/>, which is the order of
/// tables, charts and the profiles' method lists (and so part of their configuration hashes): a method keeps its
/// place. Adding a method is one file whose class implements this, plus its test.
/// </summary>
internal interface IRegisteredMethods
{
    /// <summary>The place of these entries in the registry; unique across the assembly.</summary>
    static abstract int RegistryOrder { get; }

    /// <summary>The registry entries, in their order.</summary>
    static abstract IReadOnlyList<MethodEntry> Registered { get; }
}

/// <summary>Every unlearning method by name.</summary>
public static class UnlearningMethods
{
    private static readonly List<MethodEntry> Entries = Discover();

    /// <summary>All registered methods.</summary>
    public static IReadOnlyList<MethodEntry> All => Entries;

    /// <summary>Names of the methods that support an architecture (what "all" means for a model).</summary>
    public static IReadOnlyList<string> NamesFor(string architecture) => Entries.Where(e => e.Supports(architecture)).Select(e => e.Name).ToList();

    /// <summary>Names of all methods, in registry order (the order of tables and charts).</summary>
    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToList();

    /// <summary>
    /// The methods a comparison runs on an architecture: those for every architecture in registry order, then those
    /// for this one only (certified removal on logreg). Ablation-only methods (IA) are left out. The profiles take
    /// their method lists from here, so a registered method joins every comparison.
    /// </summary>
    public static IReadOnlyList<string> ComparedOn(string architecture) =>
    [
        .. Entries.Where(e => e.InComparisons && e.AppliesTo is null).Select(e => e.Name),
        .. Entries.Where(e => e.InComparisons && e.AppliesTo is not null && e.Supports(architecture)).Select(e => e.Name),
    ];

    /// <summary>Builds a method by name; unknown names and options are errors that list what exists.</summary>
    public static IUnlearningMethod Create(string name, MethodSettings? settings = null)
    {
        var entry = Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new UnknownMethodException(name);
        settings ??= MethodSettings.Empty;
        var method = entry.Create(settings);
        settings.ThrowIfUnused(entry.Name);
        return method;
    }

    /// <summary>
    /// The entries of every <see cref="IRegisteredMethods"/> in this assembly, by <see cref="IRegisteredMethods.RegistryOrder"/>.
    /// Two classes at one place, or two entries of one name, are a programming error.
    /// </summary>
    internal static List<MethodEntry> Discover()
    {
        var read = typeof(UnlearningMethods).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!;
        var found = typeof(UnlearningMethods).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IRegisteredMethods).IsAssignableFrom(t))
            .Select(t => (Registration)read.MakeGenericMethod(t).Invoke(null, null)!)
            .OrderBy(r => r.Order)
            .ToList();
        if (found.GroupBy(r => r.Order).FirstOrDefault(g => g.Count() > 1) is { } place)
        {
            throw new InvalidOperationException($"Registry place {place.Key} is taken by {string.Join(" and ", place.Select(r => r.Type.Name))}.");
        }

        var entries = found.SelectMany(r => r.Entries).ToList();
        if (entries.GroupBy(e => e.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } name)
        {
            throw new InvalidOperationException($"Method '{name.Key}' is registered twice.");
        }

        return entries;
    }

    private static Registration Read<T>()
        where T : IRegisteredMethods => new(typeof(T), T.RegistryOrder, T.Registered);

    private sealed record Registration(Type Type, int Order, IReadOnlyList<MethodEntry> Entries);
}
