using System.Globalization;

namespace Iau.Unlearning;

/// <summary>One option of a method as users and tools see it.</summary>
/// <param name="Key">The key of --opt key=value.</param>
/// <param name="Default">The default, as option text.</param>
/// <param name="Range">The valid values, e.g. "(0, ∞)", "[0, 1]", "adam|sgd".</param>
/// <param name="Description">What it does.</param>
/// <param name="Search">What the tuner tries, or null when the option is not tuned.</param>
public sealed record OptionInfo(string Key, string Default, string Range, string Description, SearchSpace? Search);

/// <summary>A method's declared options, without its settings type (for help texts and the tuner).</summary>
public interface IMethodOptions
{
    /// <summary>Where the defaults come from (paper, repository, file).</summary>
    string Source { get; }

    /// <summary>Every option, in declaration order.</summary>
    IReadOnlyList<OptionInfo> Options { get; }

    /// <summary>"key=default …" for every option.</summary>
    string Help();

    /// <summary>Checks that key=value pairs parse and validate (throws <see cref="ArgumentException"/> naming the first problem).</summary>
    void Check(MethodSettings settings);
}

/// <summary>A valid interval of a number option: bounds, each open or closed.</summary>
/// <param name="Min">Lower bound (−∞ for none).</param>
/// <param name="Max">Upper bound (+∞ for none).</param>
/// <param name="MinOpen">Whether the lower bound itself is excluded.</param>
/// <param name="MaxOpen">Whether the upper bound itself is excluded.</param>
public sealed record Bounds(double Min, double Max, bool MinOpen = false, bool MaxOpen = false)
{
    /// <summary>(0, ∞).</summary>
    public static Bounds Positive { get; } = new(0, double.PositiveInfinity, MinOpen: true);

    /// <summary>[0, ∞).</summary>
    public static Bounds NonNegative { get; } = new(0, double.PositiveInfinity);

    /// <summary>(−∞, ∞).</summary>
    public static Bounds Any { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>[0, 1].</summary>
    public static Bounds Unit { get; } = new(0, 1);

    /// <summary>(0, 1].</summary>
    public static Bounds Share { get; } = new(0, 1, MinOpen: true);

    /// <summary>[n, ∞).</summary>
    public static Bounds AtLeast(double n) => new(n, double.PositiveInfinity);

    /// <summary>Whether v is finite and inside.</summary>
    public bool Contains(double v) =>
        double.IsFinite(v) && (MinOpen ? v > Min : v >= Min) && (MaxOpen ? v < Max : v <= Max);

    /// <summary>Interval notation, e.g. "(0, ∞)".</summary>
    public string Describe() =>
        (MinOpen || double.IsNegativeInfinity(Min) ? "(" : "[") + Text(Min) + ", " + Text(Max) + (MaxOpen || double.IsPositiveInfinity(Max) ? ")" : "]");

    private static string Text(double v) => double.IsPositiveInfinity(v) ? "∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One declared option of a settings record <typeparamref name="T"/>: how to read it from key=value settings
/// into a copy of the record, how to check it, how to show it, and what the tuner may try.
/// Build them with <see cref="MethodOption"/>.
/// </summary>
/// <typeparam name="T">The settings record.</typeparam>
public sealed class MethodOption<T>
{
    private readonly Func<T, MethodSettings, T> read;
    private readonly Func<T, string> format;
    private readonly Func<T, string?> check;

    internal MethodOption(string key, string range, string description, SearchSpace? search, Func<T, MethodSettings, T> read, Func<T, string> format, Func<T, string?> check)
    {
        Key = key;
        Range = range;
        Description = description;
        Search = search;
        this.read = read;
        this.format = format;
        this.check = check;
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>Valid values, as text.</summary>
    public string Range { get; }

    /// <summary>What it does.</summary>
    public string Description { get; }

    /// <summary>What the tuner tries (null = not tuned).</summary>
    public SearchSpace? Search { get; }

    /// <summary>The record with this option read from the settings (unchanged when the key is absent).</summary>
    internal T Read(T current, MethodSettings settings) => read(current, settings);

    /// <summary>The option's value in a record, as option text.</summary>
    internal string Format(T value) => format(value);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when the record's value is outside the range.</summary>
    internal void Check(T value)
    {
        if (check(value) is { } problem)
        {
            throw new ArgumentOutOfRangeException(Key, $"Method option {Key}={format(value)} {problem}.");
        }
    }
}

/// <summary>Factories of <see cref="MethodOption{T}"/> by value type.</summary>
public static class MethodOption
{
    /// <summary>An integer option within <paramref name="bounds"/>.</summary>
    public static MethodOption<T> Int<T>(string key, Func<T, int> get, Func<T, int, T> set, Bounds bounds, string description, SearchSpace? search = null) =>
        new(key, bounds.Describe(), description, search,
            (o, s) => set(o, s.Int(key, get(o))),
            o => get(o).ToString(CultureInfo.InvariantCulture),
            o => bounds.Contains(get(o)) ? null : "must lie in " + bounds.Describe());

    /// <summary>A real option, finite and within <paramref name="bounds"/>.</summary>
    public static MethodOption<T> Double<T>(string key, Func<T, double> get, Func<T, double, T> set, Bounds bounds, string description, SearchSpace? search = null) =>
        new(key, bounds.Describe(), description, search,
            (o, s) => set(o, s.Double(key, get(o))),
            o => get(o).ToString(CultureInfo.InvariantCulture),
            o => bounds.Contains(get(o)) ? null : "must lie in " + bounds.Describe());

    /// <summary>A true/false option.</summary>
    public static MethodOption<T> Bool<T>(string key, Func<T, bool> get, Func<T, bool, T> set, string description, SearchSpace? search = null) =>
        new(key, "true|false", description, search,
            (o, s) => set(o, s.Bool(key, get(o))),
            o => get(o) ? "true" : "false",
            _ => null);

    /// <summary>An enum option (names case-insensitive).</summary>
    public static MethodOption<T> Enum<T, TEnum>(string key, Func<T, TEnum> get, Func<T, TEnum, T> set, string description, SearchSpace? search = null)
        where TEnum : struct, System.Enum =>
        new(key, string.Join('|', System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())), description, search,
            (o, s) => set(o, s.Enum(key, get(o))),
            o => get(o).ToString().ToLowerInvariant(),
            _ => null);

    /// <summary>An option with its own text form (lists, "auto|N", optional numbers).</summary>
    /// <param name="key">The key.</param>
    /// <param name="format">The value as option text.</param>
    /// <param name="parse">The record with the value parsed from text (throws <see cref="ArgumentException"/> on bad text).</param>
    /// <param name="range">Valid values, as text.</param>
    /// <param name="description">What it does.</param>
    /// <param name="check">A problem with the record's value ("must …"), or null.</param>
    /// <param name="search">What the tuner tries.</param>
    public static MethodOption<T> Text<T>(string key, Func<T, string> format, Func<T, string, T> parse, string range, string description, Func<T, string?>? check = null, SearchSpace? search = null) =>
        new(key, range, description, search,
            (o, s) => s.Values.ContainsKey(key) ? parse(o, s.String(key, string.Empty)) : Touch(o, s, key),
            format,
            check ?? (_ => null));

    private static T Touch<T>(T o, MethodSettings s, string key)
    {
        s.String(key, string.Empty);
        return o;
    }
}

/// <summary>
/// A method's options, declared once: key, default, valid range, search space and the source of the defaults.
/// Parsing (<see cref="Parse(MethodSettings)"/>), help texts (<see cref="Help()"/>, <see cref="Options"/>), validation
/// (<see cref="Validate"/>) and the tuner's search space all come from this one list.
/// </summary>
/// <typeparam name="T">The settings record (immutable, defaults = <see cref="Defaults"/>).</typeparam>
public sealed class MethodOptions<T> : IMethodOptions
    where T : notnull
{
    private readonly IReadOnlyList<MethodOption<T>> options;
    private readonly Action<T>? crossCheck;

    /// <summary>Declares the options of a settings record.</summary>
    /// <param name="defaults">The defaults (the reference settings).</param>
    /// <param name="source">Where the defaults come from.</param>
    /// <param name="options">The options, in help order.</param>
    /// <param name="crossCheck">Checks between options (throws <see cref="ArgumentException"/>), after each option's own range.</param>
    public MethodOptions(T defaults, string source, IReadOnlyList<MethodOption<T>> options, Action<T>? crossCheck = null)
    {
        Defaults = defaults;
        Source = source;
        this.options = options;
        this.crossCheck = crossCheck;
        var duplicate = options.GroupBy(o => o.Key, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Option {duplicate.Key} is declared twice.", nameof(options));
        }
    }

    /// <summary>The defaults.</summary>
    public T Defaults { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public IReadOnlyList<OptionInfo> Options => options.Select(o => new OptionInfo(o.Key, o.Format(Defaults), o.Range, o.Description, o.Search)).ToList();

    /// <summary>The settings from key=value pairs over <see cref="Defaults"/>, validated. Unknown keys are left for <see cref="MethodSettings.ThrowIfUnused"/>.</summary>
    public T Parse(MethodSettings settings) => Parse(settings, Defaults);

    /// <summary>The settings from key=value pairs over <paramref name="start"/>, validated.</summary>
    public T Parse(MethodSettings settings, T start)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var value = start;
        foreach (var o in options)
        {
            value = o.Read(value, settings);
        }

        Validate(value);
        return value;
    }

    /// <summary>Throws naming the first option outside its range, then any cross-option problem.</summary>
    public void Validate(T value)
    {
        foreach (var o in options)
        {
            o.Check(value);
        }

        crossCheck?.Invoke(value);
    }

    /// <summary>
    /// The key=value pairs that turn <see cref="Defaults"/> into <c>change(Defaults)</c>: every option whose value differs,
    /// in declaration order, after the value is validated. Code that sets method options (the profiles, the experiment
    /// kinds) writes them through this as typed records, so an option the method does not have does not compile and a
    /// value out of range fails where it is written; the pairs are the form a spec carries and hashes, and the form
    /// <c>--option</c> takes, so each method reads typed and text options through the one declaration.
    /// </summary>
    public IReadOnlyList<string> Pairs(Func<T, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var value = change(Defaults);
        Validate(value);
        return [.. options.Where(o => o.Format(value) != o.Format(Defaults)).Select(o => $"{o.Key}={o.Format(value)}")];
    }

    /// <inheritdoc />
    public string Help() => Help(Defaults);

    /// <summary>"key=value …" of a settings record.</summary>
    public string Help(T value) => string.Join(' ', options.Select(o => $"{o.Key}={o.Format(value)}"));

    /// <inheritdoc />
    public void Check(MethodSettings settings) => Parse(settings);
}
