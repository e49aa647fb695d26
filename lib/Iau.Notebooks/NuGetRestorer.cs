using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

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

/// <summary>What a restore produced: the assemblies to reference and load, native libraries, resolved versions.</summary>
/// <param name="Assemblies">Full paths of the runtime assemblies of every package (dependencies included).</param>
/// <param name="NativeLibraries">Full paths of the native libraries of the packages (for this runtime).</param>
/// <param name="Packages">Every package restored, as "Name/Version" (dependencies included).</param>
/// <param name="Warnings">NuGet's warnings (e.g. NU1603: a nearby version was taken).</param>
/// <param name="FromCache">Whether the result came from the cache without running a restore.</param>
public sealed record RestoredPackages(
    IReadOnlyList<string> Assemblies, IReadOnlyList<string> NativeLibraries, IReadOnlyList<string> Packages,
    IReadOnlyList<string> Warnings, bool FromCache)
{
    /// <summary>The version restored for a package, or null.</summary>
    public string? VersionOf(string name) =>
        Packages.Select(p => p.Split('/', 2)).FirstOrDefault(p => p.Length == 2 && string.Equals(p[0], name, StringComparison.OrdinalIgnoreCase))?[1];
}

/// <summary>A package that could not be restored; the message carries NuGet's reason.</summary>
public sealed class PackageRestoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Restores NuGet packages for notebooks the way the SDK does: a tiny project with one PackageReference per
/// package (for this runtime's target framework and RID) is written under the cache folder (a folder per hash
/// of the package list and sources), <c>dotnet restore</c> runs on it against the configured NuGet sources, and
/// the runtime assemblies and native libraries are read from its obj/project.assets.json. A list restored
/// once is answered from the cache without running dotnet.
/// </summary>
public sealed class NuGetRestorer
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    /// <summary>A restorer.</summary>
    /// <param name="cacheRoot">Where the restore projects live (default <see cref="DefaultCacheRoot"/>).</param>
    /// <param name="sources">When set, the only package sources (a folder or a URL each); default: the machine's NuGet configuration.</param>
    /// <param name="timeout">Limit for one restore (default 5 minutes).</param>
    public NuGetRestorer(string? cacheRoot = null, IReadOnlyList<string>? sources = null, TimeSpan? timeout = null)
    {
        CacheRoot = Path.GetFullPath(cacheRoot ?? DefaultCacheRoot);
        Sources = sources ?? [];
        Timeout = timeout ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>$XDG_CACHE_HOME/iau/notebook-packages, else ~/.cache/iau/notebook-packages.</summary>
    public static string DefaultCacheRoot
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "iau", "notebook-packages");
        }
    }

    /// <summary>The target framework restored for, e.g. net10.0 (the running runtime's).</summary>
    public static string TargetFramework => $"net{Environment.Version.Major}.{Environment.Version.Minor}";

    /// <summary>The cache folder.</summary>
    public string CacheRoot { get; }

    /// <summary>The only sources to use, or empty for the machine's NuGet configuration.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The limit for one restore.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Restores the packages (with <paramref name="additionalSources"/> besides the configured ones).</summary>
    public async Task<RestoredPackages> RestoreAsync(
        IReadOnlyList<NuGetPackage> packages, IReadOnlyList<string>? additionalSources = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packages);
        additionalSources ??= [];
        if (packages.Count == 0)
        {
            return new RestoredPackages([], [], [], [], true);
        }

        var rid = RuntimeInformation.RuntimeIdentifier;
        var key = string.Join("\n", packages.Select(p => $"{p.Name.ToLowerInvariant()}@{p.Version ?? "*"}").Order(StringComparer.Ordinal))
                  + $"\n{TargetFramework}\n{rid}\nsources:{string.Join(";", Sources)}\nextra:{string.Join(";", additionalSources)}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        var dir = Path.Combine(CacheRoot, hash);
        var gate = Locks.GetOrAdd(dir, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(dir);
            await using var fileLock = await AcquireFileLockAsync(Path.Combine(dir, ".lock"), cancellationToken).ConfigureAwait(false);
            var assetsPath = Path.Combine(dir, "obj", "project.assets.json");
            var okPath = Path.Combine(dir, "restore.ok");
            if (File.Exists(okPath) && File.Exists(assetsPath))
            {
                var cached = ReadAssets(assetsPath, rid, fromCache: true);
                if (cached.Assemblies.All(File.Exists) && cached.NativeLibraries.All(File.Exists))
                {
                    return cached;
                }
            }

            File.Delete(okPath);
            WriteProject(dir, packages, rid, additionalSources);
            await RunRestoreAsync(dir, packages, cancellationToken).ConfigureAwait(false);
            if (!File.Exists(assetsPath))
            {
                throw new PackageRestoreException($"Restore of {Describe(packages)} wrote no project.assets.json (in {dir}).");
            }

            var result = ReadAssets(assetsPath, rid, fromCache: false);
            await File.WriteAllTextAsync(okPath, DateTime.UtcNow.ToString("O"), cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    private static string Describe(IReadOnlyList<NuGetPackage> packages) =>
        string.Join("; ", packages.Select(p => p.Version is null ? p.Name : $"{p.Name} {p.Version}"));

    private void WriteProject(string dir, IReadOnlyList<NuGetPackage> packages, string rid, IReadOnlyList<string> additionalSources)
    {
        // Stubs stop MSBuild from importing Directory.Build.* / Directory.Packages.props of folders above the cache.
        foreach (var stub in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(dir, stub), "<Project />\n");
        }

        var sb = new StringBuilder();
        sb.AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">");
        sb.AppendLine("  <!-- Written by Iau.Notebooks to restore the packages of #r \"nuget: …\" directives. -->");
        sb.AppendLine("  <PropertyGroup>");
        sb.AppendLine($"    <TargetFramework>{TargetFramework}</TargetFramework>");
        sb.AppendLine($"    <RuntimeIdentifier>{SecurityElement.Escape(rid)}</RuntimeIdentifier>");
        sb.AppendLine("    <SelfContained>false</SelfContained>");
        sb.AppendLine("    <OutputType>Library</OutputType>");
        sb.AppendLine("    <EnableDefaultItems>false</EnableDefaultItems>");
        sb.AppendLine("    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>");
        sb.AppendLine("    <NuGetAudit>false</NuGetAudit>");
        sb.AppendLine("    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>");
        if (Sources.Count > 0)
        {
            sb.AppendLine($"    <RestoreSources>{SecurityElement.Escape(string.Join(";", Sources.Select(FullSource)))}</RestoreSources>");
        }

        if (additionalSources.Count > 0)
        {
            sb.AppendLine($"    <RestoreAdditionalProjectSources>{SecurityElement.Escape(string.Join(";", additionalSources.Select(FullSource)))}</RestoreAdditionalProjectSources>");
        }

        sb.AppendLine("  </PropertyGroup>");
        sb.AppendLine("  <ItemGroup>");
        foreach (var p in packages)
        {
            sb.AppendLine($"    <PackageReference Include=\"{SecurityElement.Escape(p.Name)}\" Version=\"{SecurityElement.Escape(p.Version ?? "*")}\" />");
        }

        sb.AppendLine("  </ItemGroup>");
        sb.AppendLine("</Project>");
        File.WriteAllText(Path.Combine(dir, "restore.csproj"), sb.ToString());
    }

    private static string FullSource(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile ? source : Path.GetFullPath(source);

    private async Task RunRestoreAsync(string dir, IReadOnlyList<NuGetPackage> packages, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(DotnetPath())
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "restore", "restore.csproj", "--nologo", "-v", "q", "--disable-build-servers" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        // Properties of the calling build (e.g. under `dotnet test`) must not leak into the restore.
        foreach (var leaking in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH" })
        {
            psi.Environment.Remove(leaking);
        }

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        var outputLock = new Lock();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (outputLock)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (outputLock)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new PackageRestoreException($"Cannot restore {Describe(packages)}: could not start '{psi.FileName}' ({e.Message}).", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new PackageRestoreException($"Restore of {Describe(packages)} did not finish within {Timeout.TotalSeconds:F0} s.");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string text;
            lock (outputLock)
            {
                text = output.ToString();
            }

            var errors = text.Split('\n')
                .Select(l => l.Trim())
                .Where(l => l.Contains("error ", StringComparison.Ordinal))
                .Select(l =>
                {
                    // "/path/restore.csproj : error NU1101: Unable to find …" → "NU1101: Unable to find …"
                    var i = l.IndexOf(": error ", StringComparison.Ordinal);
                    var msg = i >= 0 ? l[(i + ": error ".Length)..] : l;
                    var bracket = msg.LastIndexOf(" [", StringComparison.Ordinal);
                    return bracket > 0 && msg.EndsWith(']') ? msg[..bracket] : msg;
                })
                .Distinct()
                .ToList();
            var reason = errors.Count > 0 ? string.Join(" ", errors) : text.Trim();
            throw new PackageRestoreException($"Could not restore {Describe(packages)}: {reason}");
        }
    }

    private static RestoredPackages ReadAssets(string assetsPath, string rid, bool fromCache)
    {
        var assets = NotebookJson.Parse(File.ReadAllText(assetsPath)) as JsonObject
                     ?? throw new PackageRestoreException($"{assetsPath} is not a JSON object.");
        var folders = (assets["packageFolders"] as JsonObject)?.Select(kv => kv.Key).ToList() ?? [];
        var targets = assets["targets"] as JsonObject ?? throw new PackageRestoreException($"{assetsPath} has no targets.");
        var target = targets[$"{TargetFramework}/{rid}"] as JsonObject
                     ?? targets[TargetFramework] as JsonObject
                     ?? targets.Select(kv => kv.Value).OfType<JsonObject>().LastOrDefault()
                     ?? throw new PackageRestoreException($"{assetsPath} has no target for {TargetFramework}.");
        var libraries = assets["libraries"] as JsonObject;
        var assemblies = new List<string>();
        var natives = new List<string>();
        var packages = new List<string>();
        foreach (var (id, node) in target)
        {
            if (node is not JsonObject lib || lib["type"]?.GetValue<string>() != "package")
            {
                continue;
            }

            packages.Add(id);
            var relative = libraries?[id]?["path"]?.GetValue<string>() ?? id.ToLowerInvariant();
            var root = folders.Select(f => Path.Combine(f, relative)).FirstOrDefault(Directory.Exists)
                       ?? Path.Combine(folders.FirstOrDefault() ?? string.Empty, relative);
            foreach (var (section, list) in new[] { ("runtime", assemblies), ("native", natives) })
            {
                if (lib[section] is not JsonObject files)
                {
                    continue;
                }

                foreach (var (file, _) in files)
                {
                    if (file.EndsWith("/_._", StringComparison.Ordinal) || file == "_._")
                    {
                        continue;
                    }

                    if (section == "runtime" && !file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    list.Add(Path.GetFullPath(Path.Combine(root, file)));
                }
            }
        }

        var warnings = (assets["logs"] as JsonArray)?.OfType<JsonObject>()
            .Where(l => l["level"]?.GetValue<string>() is "Warning" or "Error")
            .Select(l => $"{l["code"]?.GetValue<string>()}: {l["message"]?.GetValue<string>()}")
            .Distinct()
            .ToList() ?? [];
        return new RestoredPackages(assemblies, natives, packages, warnings, fromCache);
    }

    private static string DotnetPath()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, exe)))
        {
            return Path.Combine(root, exe);
        }

        // The runtime's own installation (…/shared/Microsoft.NETCore.App/x.y.z/ → …/dotnet).
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Makes native libraries of restored packages loadable by the assemblies that P/Invoke them.</summary>
internal static class NativeLibraryMap
{
    private static readonly ConcurrentDictionary<string, string> Paths = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<AssemblyLoadContext, bool> Hooked = new();
    private static int _installed;

    public static void Add(IEnumerable<string> libraries)
    {
        foreach (var path in libraries)
        {
            var file = Path.GetFileName(path);
            Paths.TryAdd(file, path);
            var bare = Path.GetFileNameWithoutExtension(file);
            Paths.TryAdd(bare, path);
            if (bare.StartsWith("lib", StringComparison.Ordinal))
            {
                Paths.TryAdd(bare[3..], path);
            }
        }

        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            Hook(AssemblyLoadContext.Default);
            AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
            {
                if (AssemblyLoadContext.GetLoadContext(e.LoadedAssembly) is { } alc)
                {
                    Hook(alc);
                }
            };
        }
    }

    private static void Hook(AssemblyLoadContext alc)
    {
        if (Hooked.TryAdd(alc, true))
        {
            alc.ResolvingUnmanagedDll += Resolve;
        }
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        var file = Path.GetFileName(name);
        var bare = Path.GetFileNameWithoutExtension(file);
        foreach (var candidate in new[] { file, bare, bare.StartsWith("lib", StringComparison.Ordinal) ? bare[3..] : bare })
        {
            if (Paths.TryGetValue(candidate, out var path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
