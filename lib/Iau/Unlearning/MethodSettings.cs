using System.Globalization;

namespace Iau.Unlearning;

/// <summary>
/// Method options given as key=value pairs (from the CLI's --opt or an experiment spec). Each method reads
/// the keys it knows with a default; <see cref="ThrowIfUnused"/> then names any key no method read, so a
/// typo is an error rather than a silent default.
/// </summary>
public sealed class MethodSettings
{
    private readonly Dictionary<string, string> values;
    private readonly HashSet<string> used = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Settings from a dictionary (keys are case-insensitive).</summary>
    public MethodSettings(IReadOnlyDictionary<string, string>? values = null)
    {
        this.values = new Dictionary<string, string>(values ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>No settings: every method's defaults.</summary>
    public static MethodSettings Empty => new();

    /// <summary>Parses "key=value" strings.</summary>
    /// <exception cref="ArgumentException">A pair has no '='.</exception>
    public static MethodSettings Parse(IEnumerable<string> pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in pairs)
        {
            var i = p.IndexOf('=', StringComparison.Ordinal);
            if (i <= 0)
            {
                throw new ArgumentException($"Method option '{p}' is not of the form key=value.");
            }

            d[p[..i].Trim()] = p[(i + 1)..].Trim();
        }

        return new MethodSettings(d);
    }

    /// <summary>The raw pairs.</summary>
    public IReadOnlyDictionary<string, string> Values => values;

    /// <summary>A number, or the default when absent.</summary>
    public double Double(string key, double fallback)
    {
        if (!Take(key, out var s))
        {
            return fallback;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"Method option {key}={s} is not a finite number.");
    }

    /// <summary>An integer, or the default when absent.</summary>
    public int Int(string key, int fallback)
    {
        if (!Take(key, out var s))
        {
            return fallback;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"Method option {key}={s} is not an integer.");
    }

    /// <summary>A boolean (true/false/1/0), or the default when absent.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (!Take(key, out var s))
        {
            return fallback;
        }

        return s.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new ArgumentException($"Method option {key}={s} is not true or false."),
        };
    }

    /// <summary>An enum value by name (case-insensitive), or the default when absent.</summary>
    public T Enum<T>(string key, T fallback)
        where T : struct, System.Enum
    {
        if (!Take(key, out var s))
        {
            return fallback;
        }

        return System.Enum.TryParse<T>(s, ignoreCase: true, out var v) && System.Enum.IsDefined(v)
            ? v
            : throw new ArgumentException($"Method option {key}={s} is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");
    }

    /// <summary>A string, or the default when absent.</summary>
    public string String(string key, string fallback) => Take(key, out var s) ? s : fallback;

    /// <summary>Throws naming every key that was given but never read.</summary>
    public void ThrowIfUnused(string method)
    {
        var unused = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new ArgumentException($"Method {method} has no option {string.Join(", ", unused)}.");
        }
    }

    private bool Take(string key, out string value)
    {
        used.Add(key);
        return values.TryGetValue(key, out value!);
    }
}
