namespace Iau.Notebooks;

/// <summary>A package asked for by <c>#r "nuget: Name, Version"</c> (no version: the latest).</summary>
public sealed record NuGetPackage(string Name, string? Version)
{
    /// <summary>Parses "Name, Version", "Name,Version" or "Name".</summary>
    public static NuGetPackage Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(',', 2, StringSplitOptions.TrimEntries);
        if (parts[0].Length == 0 || parts[0].Any(c => char.IsWhiteSpace(c) || c is '"' or '<' or '>' or '&' or ';'))
        {
            throw new ArgumentException($"Not a package name: '{parts[0]}' (expected \"nuget: Name, Version\").");
        }

        var version = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
        if (version is not null && version.Any(c => char.IsWhiteSpace(c) || c is '"' or '<' or '>' or '&' or ';'))
        {
            throw new ArgumentException($"Not a package version: '{version}'.");
        }

        return new NuGetPackage(parts[0], version);
    }

    /// <inheritdoc />
    public override string ToString() => Version is null ? Name : $"{Name}, {Version}";
}
