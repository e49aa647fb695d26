using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iau.Data;

/// <summary>A published checksum of a file: its SHA-256, or (where upstream publishes only that) its MD5.</summary>
/// <param name="Sha256">Lower-case hex SHA-256, or null.</param>
/// <param name="Md5">Lower-case hex MD5, or null.</param>
/// <param name="Source">Who published it (upstream, a Debian package, …).</param>
public sealed record KnownChecksum(string? Sha256, string? Md5, string Source);

/// <summary>One file of a dataset, relative to data/&lt;name&gt;/.</summary>
/// <param name="Role">What it holds (train-images, test, …).</param>
/// <param name="Path">Path relative to the dataset folder.</param>
/// <param name="Url">Official download address, when the file is downloaded on its own.</param>
/// <param name="Archive">The archive (relative path) it is extracted from, when it comes in one.</param>
/// <param name="Checksums">Known checksums; empty when none is published.</param>
public sealed record DataFileEntry(string Role, string Path, string? Url, string? Archive, IReadOnlyList<KnownChecksum> Checksums);

/// <summary>A downloadable archive that contains dataset files.</summary>
public sealed record ArchiveEntry(string Path, string Url, IReadOnlyList<KnownChecksum> Checksums);

/// <summary>The files, archives and checksums of one dataset, from data/manifest.json.</summary>
public sealed record ManifestEntry(IReadOnlyList<ArchiveEntry> Archives, IReadOnlyList<DataFileEntry> Files);

/// <summary>data/manifest.json, embedded in the library so that every entry point sees the same sources and sums.</summary>
internal static class Manifest
{
    private static readonly Lazy<IReadOnlyDictionary<string, ManifestEntry>> Entries = new(Load);

    internal static ManifestEntry For(string dataset) =>
        Entries.Value.TryGetValue(dataset, out var e)
            ? e
            : throw new KeyNotFoundException($"data/manifest.json has no entry for '{dataset}'.");

    private static IReadOnlyDictionary<string, ManifestEntry> Load()
    {
        using var stream = typeof(Manifest).Assembly.GetManifestResourceStream("Iau.Data.manifest.json")
            ?? throw new InvalidOperationException("The embedded data manifest is missing from the Iau assembly.");
        var doc = JsonSerializer.Deserialize<ManifestDocument>(stream, JsonOptions)
            ?? throw new InvalidDataException("data/manifest.json is empty.");
        return doc.Datasets;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private sealed record ManifestDocument(
        [property: JsonPropertyName("datasets")] Dictionary<string, ManifestEntry> Datasets);
}
