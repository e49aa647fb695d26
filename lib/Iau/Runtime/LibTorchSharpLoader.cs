using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace Iau.Runtime;

/// <summary>
/// Makes TorchSharp's native bridge load on systems whose libstdc++ is older than the one it was built
/// against (see <see cref="ElfVersionPatcher"/>). Where the system library is new enough, does nothing.
/// </summary>
internal static class LibTorchSharpLoader
{
    internal const string NativeName = "LibTorchSharp";
    internal const string FileName = "libLibTorchSharp.so";
    internal const string ReplacementSymbol = "_ZSt15get_new_handlerv";

    /// <summary>Symbols that may be bound to a missing version and safely redirected (no-op hooks).</summary>
    internal static readonly IReadOnlySet<string> PatchableSymbols =
        new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    private static readonly object Gate = new();
    private static bool done;
    private static string? message;

    /// <summary>
    /// Runs once per process, before TorchSharp first loads. Returns a one-line description of what was
    /// done, or null when nothing was needed.
    /// </summary>
    internal static string? EnsureLoadable()
    {
        lock (Gate)
        {
            if (done)
            {
                return message;
            }

            message = Prepare();
            done = true;
            return message;
        }
    }

    private static string? Prepare()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var original = FindOriginal()
            ?? throw new IauRuntimeException(
                $"Could not find {FileName} (TorchSharp's native bridge) beside the application or in the NuGet " +
                "package folder. Restore the solution (dotnet restore) so that TorchSharp-cpu is present.");
        var elf = File.ReadAllBytes(original);
        var libstdcxx = FindLibStdCxx();
        if (libstdcxx is null)
        {
            // Nothing to compare against; let TorchSharp report whatever the loader says.
            return null;
        }

        var defined = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(libstdcxx));
        var missing = ElfVersionPatcher.ReadVersionNeeds(elf)
            .Where(n => n.File.StartsWith("libstdc++.so", StringComparison.Ordinal) && !defined.Contains(n.Version))
            .Select(n => n.Version)
            .Distinct()
            .ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var siblings = FindLibTorchDirectory(Path.GetDirectoryName(original)!)
            ?? throw new IauRuntimeException(
                $"Found {original} but not libtorch.so beside it or in the NuGet package folder (libtorch-cpu-linux-x64).");
        var patched = WritePatchedCopy(original, elf, missing, siblings);
        var handle = NativeLibrary.Load(patched);
        try
        {
            NativeLibrary.SetDllImportResolver(
                typeof(torch).Assembly,
                (name, _, _) => name == NativeName ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException e)
        {
            throw new IauRuntimeException(
                "Another component already installed a native-library resolver for TorchSharp; " +
                "initialise the kit (IauRuntime.Initialize) before anything else touches TorchSharp.", e);
        }

        return $"libstdc++ at {libstdcxx} lacks {string.Join(", ", missing)}; " +
               $"loaded a patched private copy of {FileName} from {Path.GetDirectoryName(patched)} " +
               "(version need made weak, std::ios_base_library_init redirected; the NuGet cache is untouched).";
    }

    /// <summary>Writes (or reuses) the patched copy in a private folder beside symlinks to its sibling natives.</summary>
    internal static string WritePatchedCopy(string original, byte[] elf, IReadOnlyList<string> missing, string siblingsDir)
    {
        var key = Convert.ToHexString(SHA256.HashData(elf))[..16].ToLowerInvariant() + "-" +
                  Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(siblingsDir)))[..8].ToLowerInvariant();
        var dir = Path.Combine(CacheRoot(), "torchsharp-native", key);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.EnumerateFiles(siblingsDir))
        {
            var name = Path.GetFileName(file);
            if (name == FileName || !name.Contains(".so", StringComparison.Ordinal))
            {
                continue;
            }

            var link = Path.Combine(dir, name);
            if (!Path.Exists(link))
            {
                try
                {
                    File.CreateSymbolicLink(link, file);
                }
                catch (IOException) when (Path.Exists(link))
                {
                    // Another process made it first.
                }
            }
        }

        var target = Path.Combine(dir, FileName);
        if (!File.Exists(target))
        {
            var copy = (byte[])elf.Clone();
            ElfVersionPatcher.Patch(copy, missing, PatchableSymbols, ReplacementSymbol);
            var tmp = target + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(tmp, copy);
            File.Move(tmp, target, overwrite: true);
        }

        return target;
    }

    internal static string CacheRoot()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("IAU_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(explicitRoot))
        {
            return explicitRoot;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "iau");
    }

    /// <summary>Where TorchSharp's own libLibTorchSharp.so is: beside the assemblies, else the NuGet cache.</summary>
    internal static string? FindOriginal()
    {
        foreach (var dir in CandidateDirectories(typeof(torch).Assembly, "torchsharp"))
        {
            var path = Path.Combine(dir, FileName);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string? FindLibTorchDirectory(string originalDir)
    {
        if (File.Exists(Path.Combine(originalDir, "libtorch.so")))
        {
            return originalDir;
        }

        foreach (var dir in NuGetNativeDirectories("libtorch-cpu-linux-x64", null))
        {
            if (File.Exists(Path.Combine(dir, "libtorch.so")))
            {
                return dir;
            }
        }

        return null;
    }

    private static IEnumerable<string> CandidateDirectories(Assembly assembly, string package)
    {
        var bases = new[] { Path.GetDirectoryName(assembly.Location), AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d))
            .Distinct();
        foreach (var b in bases)
        {
            yield return b!;
            yield return Path.Combine(b!, "runtimes", "linux-x64", "native");
        }

        var version = assembly.GetName().Version;
        var wanted = version is null ? null : $"{version.Major}.{version.Minor}.{version.Build}";
        foreach (var d in NuGetNativeDirectories(package, wanted))
        {
            yield return d;
        }
    }

    private static IEnumerable<string> NuGetNativeDirectories(string package, string? version)
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var pkg = Path.Combine(root, package);
        if (!Directory.Exists(pkg))
        {
            yield break;
        }

        var versions = Directory.GetDirectories(pkg)
            .Where(v => version is null || Path.GetFileName(v) == version)
            .OrderByDescending(v => v, StringComparer.Ordinal);
        foreach (var v in versions)
        {
            yield return Path.Combine(v, "runtimes", "linux-x64", "native");
        }
    }

    /// <summary>The libstdc++ this process uses (already mapped by the .NET host), else the usual system paths.</summary>
    internal static string? FindLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var idx = line.IndexOf('/', StringComparison.Ordinal);
                if (idx >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal))
                {
                    return line[idx..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        var dirs = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"]);
        return dirs.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }
}
