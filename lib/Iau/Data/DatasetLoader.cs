using System.Security.Cryptography;
using Iau.Data.Formats;

namespace Iau.Data;

/// <summary>Where and how to load a dataset.</summary>
/// <param name="Path">An explicit folder holding the dataset's files (searched first, and only there when given).</param>
/// <param name="DataRoot">The project's data/ folder; found automatically when null (see <see cref="DatasetLoader.FindDataRoot"/>).</param>
/// <param name="AllowDownload">Download missing files from their official URLs into data/&lt;name&gt;/.</param>
/// <param name="VerifyChecksums">Check files against data/manifest.json; a mismatch is an error. Turn off for custom files.</param>
/// <param name="Progress">Receives download/verify/read progress.</param>
/// <param name="Http">HTTP client for downloads (a default one when null).</param>
public sealed record LoadOptions(
    string? Path = null,
    string? DataRoot = null,
    bool AllowDownload = true,
    bool VerifyChecksums = true,
    IProgress<DataProgress>? Progress = null,
    HttpClient? Http = null);

/// <summary>
/// Finds a dataset (explicit path → data/&lt;name&gt;/ → system package folders → download), verifies its
/// checksums and reads it with the reader of its format.
/// </summary>
public static class DatasetLoader
{
    /// <summary>
    /// Fixed seed of the held-out test split for datasets without an official test set (Purchase100):
    /// 20% of the file, always the same rows.
    /// </summary>
    public const int HeldOutTestSeed = 20_250_731;

    /// <summary>Loads a dataset by catalog name.</summary>
    /// <exception cref="DatasetNotFoundException">Not found anywhere and not downloadable; the message says what to place where.</exception>
    /// <exception cref="DataFormatException">A file is corrupt, truncated, inconsistent or fails its checksum.</exception>
    public static LoadedDataset Load(string name, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        var info = DatasetCatalog.Get(name);
        var (dir, origin) = Locate(info, options);
        var files = new List<SourceFile>();
        foreach (var f in info.Manifest.Files)
        {
            var path = System.IO.Path.Combine(dir, f.Path);
            files.Add(Verify(info, dir, f, path, options));
        }

        var (train, test) = Read(info, dir, options.Progress);
        CheckShape(info, train, dir);
        CheckShape(info, test, dir);
        return new LoadedDataset(info, train, test, dir, origin, files, Fingerprint(train, test));
    }

    /// <summary>
    /// The project's data/ folder: $IAU_DATA_DIR if set; else data/ beside the nearest Iau.Research.sln above
    /// the current directory or the application; else ./data.
    /// </summary>
    public static string FindDataRoot()
    {
        var env = Environment.GetEnvironmentVariable("IAU_DATA_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Path.GetFullPath(env);
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(d.FullName, "Iau.Research.sln")))
                {
                    return System.IO.Path.Combine(d.FullName, "data");
                }
            }
        }

        return System.IO.Path.GetFullPath("data");
    }

    /// <summary>Finds a dataset's folder without reading it (downloading only when the options allow).</summary>
    /// <exception cref="DatasetNotFoundException">Not found; the message says what to place where.</exception>
    public static (string Directory, DatasetOrigin Origin) Locate(string name, LoadOptions? options = null) =>
        Locate(DatasetCatalog.Get(name), options ?? new LoadOptions());

    private static (string Dir, DatasetOrigin Origin) Locate(DatasetInfo info, LoadOptions options)
    {
        if (options.Path is not null)
        {
            var explicitDir = System.IO.Path.GetFullPath(options.Path);
            if (!Directory.Exists(explicitDir))
            {
                throw new DatasetNotFoundException($"{explicitDir}: folder not found (given as the path of {info.Name}).");
            }

            ExtractArchivesIfNeeded(info, explicitDir, options);
            var missing = MissingFiles(info, explicitDir);
            if (missing.Count > 0)
            {
                throw new DatasetNotFoundException(
                    $"{explicitDir}: {info.Name} files missing: {string.Join(", ", missing)}.");
            }

            return (explicitDir, DatasetOrigin.ExplicitPath);
        }

        var dataDir = System.IO.Path.Combine(options.DataRoot ?? FindDataRoot(), info.Name);
        if (Directory.Exists(dataDir))
        {
            ExtractArchivesIfNeeded(info, dataDir, options);
            if (MissingFiles(info, dataDir).Count == 0)
            {
                return (dataDir, DatasetOrigin.DataFolder);
            }
        }

        foreach (var sys in info.SystemPaths)
        {
            if (Directory.Exists(sys) && MissingFiles(info, sys).Count == 0)
            {
                return (sys, DatasetOrigin.SystemPackage);
            }
        }

        if (options.AllowDownload)
        {
            try
            {
                Download(info, dataDir, options);
                return (dataDir, DatasetOrigin.Downloaded);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                throw NotFound(info, dataDir, e);
            }
        }

        throw NotFound(info, dataDir, null);
    }

    private static DatasetNotFoundException NotFound(DatasetInfo info, string dataDir, Exception? cause)
    {
        var needed = info.Manifest.Archives.Count > 0
            ? info.Manifest.Archives.Select(a => $"{a.Path} (from {a.Url}), or its extracted files {string.Join(", ", info.Manifest.Files.Select(f => f.Path))}")
            : info.Manifest.Files.Select(f => f.Url is null ? f.Path : $"{f.Path} (from {f.Url})");
        var where = new List<string> { dataDir };
        where.AddRange(info.SystemPaths);
        var msg = $"Dataset {info.Name} not found. Looked in: {string.Join("; ", where)}. " +
                  (cause is null ? string.Empty : $"Download failed: {cause.Message}. ") +
                  $"Place these files in {dataDir}: {string.Join("; ", needed)}.";
        if (info.DebianPackage is not null)
        {
            msg += $" Or install the Debian package: apt-get install {info.DebianPackage} (puts them in {info.SystemPaths[0]}).";
        }

        return new DatasetNotFoundException(msg, cause);
    }

    private static List<string> MissingFiles(DatasetInfo info, string dir) =>
        info.Manifest.Files.Where(f => !File.Exists(System.IO.Path.Combine(dir, f.Path))).Select(f => f.Path).ToList();

    private static void ExtractArchivesIfNeeded(DatasetInfo info, string dir, LoadOptions options)
    {
        foreach (var archive in info.Manifest.Archives)
        {
            var archivePath = System.IO.Path.Combine(dir, archive.Path);
            var members = info.Manifest.Files.Where(f => f.Archive == archive.Path).ToList();
            if (File.Exists(archivePath) && members.Any(f => !File.Exists(System.IO.Path.Combine(dir, f.Path))))
            {
                if (options.VerifyChecksums)
                {
                    CheckOrThrow(archivePath, archive.Checksums, options.Progress);
                }

                options.Progress?.Report(new DataProgress("extract", archivePath, 0, null));
                CifarBinaryReader.ExtractTarGz(archivePath, dir);
            }
        }
    }

    private static void Download(DatasetInfo info, string dataDir, LoadOptions options)
    {
        Directory.CreateDirectory(dataDir);
        var http = options.Http ?? SharedHttp.Value;
        foreach (var archive in info.Manifest.Archives)
        {
            DownloadOne(http, archive.Url, System.IO.Path.Combine(dataDir, archive.Path), archive.Checksums, options);
        }

        foreach (var f in info.Manifest.Files.Where(f => f.Url is not null))
        {
            var target = System.IO.Path.Combine(dataDir, f.Path);
            if (!File.Exists(target))
            {
                DownloadOne(http, f.Url!, target, f.Checksums, options);
            }
        }

        ExtractArchivesIfNeeded(info, dataDir, options with { VerifyChecksums = false });
        var missing = MissingFiles(info, dataDir);
        if (missing.Count > 0)
        {
            throw new DataFormatException(dataDir, $"after download, files still missing: {string.Join(", ", missing)}.");
        }
    }

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });

    /// <summary>Downloads to a temporary file beside the target, verifies it, then renames: nothing half-written is left.</summary>
    private static void DownloadOne(HttpClient http, string url, string target, IReadOnlyList<KnownChecksum> sums, LoadOptions options)
    {
        if (File.Exists(target))
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        var tmp = target + ".part";
        try
        {
            using (var response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                response.EnsureSuccessStatusCode();
                var total = response.Content.Headers.ContentLength;
                using var src = response.Content.ReadAsStream();
                using var dst = File.Create(tmp);
                var buffer = new byte[1 << 16];
                long done = 0;
                var lastReport = 0L;
                int n;
                while ((n = src.Read(buffer, 0, buffer.Length)) > 0)
                {
                    dst.Write(buffer, 0, n);
                    done += n;
                    if (done - lastReport >= 1 << 20)
                    {
                        options.Progress?.Report(new DataProgress("download", target, done, total));
                        lastReport = done;
                    }
                }

                options.Progress?.Report(new DataProgress("download", target, done, total));
            }

            if (options.VerifyChecksums)
            {
                CheckOrThrow(tmp, sums, options.Progress, displayName: target);
            }

            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    private static SourceFile Verify(DatasetInfo info, string dir, DataFileEntry f, string path, LoadOptions options)
    {
        var bytes = new FileInfo(path).Length;
        if (!options.VerifyChecksums)
        {
            return new SourceFile(f.Role, path, bytes, ChecksumStatus.NotChecked, "checksum verification switched off");
        }

        if (f.Checksums.Count > 0)
        {
            var detail = CheckOrThrow(path, f.Checksums, options.Progress);
            return new SourceFile(f.Role, path, bytes, ChecksumStatus.Verified, detail);
        }

        if (f.Archive is not null)
        {
            var archive = info.Manifest.Archives.First(a => a.Path == f.Archive);
            var archivePath = System.IO.Path.Combine(dir, archive.Path);
            if (File.Exists(archivePath) && archive.Checksums.Count > 0)
            {
                var detail = CheckOrThrow(archivePath, archive.Checksums, options.Progress);
                return new SourceFile(f.Role, path, bytes, ChecksumStatus.VerifiedViaArchive, $"{archive.Path}: {detail}");
            }

            return new SourceFile(f.Role, path, bytes, ChecksumStatus.NoChecksumKnown,
                File.Exists(archivePath) ? $"no checksum is published for {archive.Path}" : $"{archive.Path} not kept; extracted files have no published checksum");
        }

        return new SourceFile(f.Role, path, bytes, ChecksumStatus.NoChecksumKnown, "no checksum is published for this file");
    }

    /// <summary>Checks a file against known sums; returns which one matched, or throws naming the file.</summary>
    internal static string CheckOrThrow(string path, IReadOnlyList<KnownChecksum> sums, IProgress<DataProgress>? progress, string? displayName = null)
    {
        if (sums.Count == 0)
        {
            return "no checksum is published";
        }

        progress?.Report(new DataProgress("verify", displayName ?? path, 0, null));
        var (sha, md5) = Hash(path);
        foreach (var s in sums)
        {
            if (s.Sha256 is not null && string.Equals(s.Sha256, sha, StringComparison.OrdinalIgnoreCase))
            {
                return $"SHA-256 matches ({s.Source})";
            }

            if (s.Md5 is not null && string.Equals(s.Md5, md5, StringComparison.OrdinalIgnoreCase))
            {
                return $"MD5 matches ({s.Source})";
            }
        }

        var expected = string.Join(", ", sums.Select(s => s.Sha256 is not null ? $"SHA-256 {s.Sha256}" : $"MD5 {s.Md5}"));
        throw new DataFormatException(
            displayName ?? path,
            $"checksum mismatch: SHA-256 {sha} (MD5 {md5}), expected {expected}. The file is corrupt or not the " +
            "published one; delete it to fetch it again, or switch verification off for custom data.");
    }

    private static (string Sha256, string Md5) Hash(string path)
    {
        using var stream = File.OpenRead(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            md5.AppendData(buffer, 0, n);
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), Convert.ToHexStringLower(md5.GetHashAndReset()));
    }

    private static (RawSamples Train, RawSamples Test) Read(DatasetInfo info, string dir, IProgress<DataProgress>? progress)
    {
        string P(string role)
        {
            var path = System.IO.Path.Combine(dir, info.Manifest.Files.First(f => f.Role == role).Path);
            progress?.Report(new DataProgress("read", path, 0, null));
            return path;
        }

        switch (info.Format)
        {
            case DatasetFormat.Idx:
                return (IdxReader.Read(P("train-images"), P("train-labels")), IdxReader.Read(P("test-images"), P("test-labels")));
            case DatasetFormat.Cifar10Binary:
                return (
                    CifarBinaryReader.ReadFiles(Enumerable.Range(1, 5).Select(i => P($"train-{i}")), 1, info.Classes),
                    CifarBinaryReader.ReadFiles([P("test")], 1, info.Classes));
            case DatasetFormat.Cifar100Binary:
                return (CifarBinaryReader.ReadFiles([P("train")], 2, info.Classes), CifarBinaryReader.ReadFiles([P("test")], 2, info.Classes));
            case DatasetFormat.SvhnMat:
                return (SvhnMatReader.Read(P("train")), SvhnMatReader.Read(P("test")));
            case DatasetFormat.Purchase100Text:
                {
                    var all = Purchase100Reader.Read(P("all"));
                    var order = TensorData.Permutation(all.Count, HeldOutTestSeed);
                    var testCount = all.Count / 5;
                    return (Take(all, order[testCount..]), Take(all, order[..testCount]));
                }

            default:
                throw new NotSupportedException($"Format {info.Format} has no reader.");
        }
    }

    /// <summary>The given rows of a raw set, in the given order.</summary>
    internal static RawSamples Take(RawSamples raw, IReadOnlyList<int> rows)
    {
        var size = raw.SampleSize;
        var features = new byte[(long)rows.Count * size];
        var labels = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            Buffer.BlockCopy(raw.Features, rows[i] * size, features, i * size, size);
            labels[i] = raw.Labels[rows[i]];
        }

        return new RawSamples(raw.SampleShape, features, labels);
    }

    private static void CheckShape(DatasetInfo info, RawSamples raw, string dir)
    {
        if (!raw.SampleShape.SequenceEqual(info.InputShape))
        {
            throw new DataFormatException(dir,
                $"samples have shape [{string.Join("×", raw.SampleShape)}] but {info.Name} has [{string.Join("×", info.InputShape)}].");
        }

        var bad = Array.FindIndex(raw.Labels, l => l < 0 || l >= info.Classes);
        if (bad >= 0)
        {
            throw new DataFormatException(dir, $"sample {bad} has label {raw.Labels[bad]}, outside [0, {info.Classes}).");
        }
    }

    /// <summary>SHA-256 of the decoded content (shapes, features, labels of train then test), first 16 hex chars.</summary>
    internal static string Fingerprint(RawSamples train, RawSamples test)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in new[] { train, test })
        {
            foreach (var d in part.SampleShape)
            {
                h.AppendData(BitConverter.GetBytes(d));
            }

            h.AppendData(BitConverter.GetBytes(part.Count));
            h.AppendData(part.Features);
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part.Labels.AsSpan()));
        }

        return Convert.ToHexStringLower(h.GetHashAndReset())[..16];
    }
}
