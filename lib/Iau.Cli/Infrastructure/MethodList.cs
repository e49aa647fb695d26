using Iau.Unlearning;

namespace Iau.Cli;

/// <summary>
/// A comma-separated list of method names (`unlearn --method`, `audit --methods`, `bench unlearn --methods`):
/// an empty name, an unknown name or a name given twice is a usage error (exit 2) naming the option, checked
/// before any work.
/// </summary>
internal static class MethodList
{
    /// <summary>The names of <paramref name="value"/>, or <paramref name="all"/>() for "all" (when allowed).</summary>
    /// <exception cref="UsageException">Empty, unknown or repeated names.</exception>
    public static string[] Parse(string value, string option, Func<IReadOnlyList<string>>? all = null)
    {
        if (all is not null && value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. all()];
        }

        var orAll = all is not null ? ", or 'all'" : string.Empty;
        var names = value.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(string.IsNullOrEmpty))
        {
            throw new UsageException($"{option} '{value}': empty method name; give one or more of {string.Join(", ", UnlearningMethods.Names)}{orAll}.");
        }

        var unknown = names.Where(n => !UnlearningMethods.Names.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"{option}: unknown method {string.Join(", ", unknown.Select(n => $"'{n}'"))}; known: {string.Join(", ", UnlearningMethods.Names)}{orAll}.");
        }

        var repeated = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return repeated.Count > 0
            ? throw new UsageException($"{option}: {string.Join(", ", repeated)} given more than once.")
            : [.. names.Select(n => UnlearningMethods.Names.First(k => k.Equals(n, StringComparison.OrdinalIgnoreCase)))];
    }
}
