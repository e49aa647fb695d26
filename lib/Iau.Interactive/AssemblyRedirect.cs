using System.Reflection;
using System.Runtime.Loader;

namespace Iau.Interactive;

/// <summary>
/// Version redirects by hand for assemblies the kernel process already holds in an older version. The .NET
/// Interactive kernel 1.0.712001 ships FSharp.Core 10.0.0.0, while Plotly.NET 6.0.0 and Deedle 8.1.0 reference
/// 10.1.0.0; dotnet-repl 0.3.259 also ships Microsoft.Playwright 1.52, while the kit references 1.64.1. The loaded
/// copy sits in the default load context, so loading the newer one fails ("Could not load file or assembly
/// 'FSharp.Core, Version=10.1.0.0'"). This handler answers every failed request for one of <see cref="Names"/>
/// — in every load context. FSharp.Core: with the copy the process already has (sound as long as the callers only
/// use API that 10.0 has: true for what Plotly.NET and Deedle call, checked by running every notebook in both
/// kernels). Microsoft.Playwright: dotnet-repl's copy cannot run here (it carries only the Windows driver), so the
/// requested version is loaded from the NuGet global packages folder into a load context of its own (its driver
/// lies at the package root, where Playwright looks); only when that file is missing is the loaded copy returned.
/// </summary>
public static class AssemblyRedirect
{
    private static int _installed;
    private static int _redirects;

    /// <summary>The assembly names redirected to an already loaded copy.</summary>
    public static IReadOnlyList<string> Names { get; } = ["FSharp.Core", "Microsoft.Playwright"];

    /// <summary>How many requests were answered since <see cref="Install"/>.</summary>
    public static int Redirects => _redirects;

    /// <summary>Installs the handler once per process; later calls do nothing. Returns true the first time.</summary>
    public static bool Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) != 0)
        {
            return false;
        }

        AssemblyLoadContext.Default.Resolving += (_, name) => Resolve(name);
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => Resolve(new AssemblyName(args.Name));
        return true;
    }

    /// <summary>The loaded assembly (highest version) for a request of one of <see cref="Names"/>; null otherwise.</summary>
    internal static Assembly? Resolve(AssemblyName name)
    {
        if (!Names.Contains(name.Name, StringComparer.Ordinal))
        {
            return null;
        }

        if (name.Name == "Microsoft.Playwright" && name.Version is { } version && FromPackages(name.Name, version) is { } fromPackages)
        {
            Interlocked.Increment(ref _redirects);
            return fromPackages;
        }

        var loaded = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => string.Equals(a.GetName().Name, name.Name, StringComparison.Ordinal))
            .OrderByDescending(a => a.GetName().Version)
            .FirstOrDefault();
        if (loaded is not null)
        {
            Interlocked.Increment(ref _redirects);
        }

        return loaded;
    }

    private static readonly Lock PackagesGate = new();
    private static readonly Dictionary<string, Assembly> FromPackagesLoaded = new(StringComparer.Ordinal);

    /// <summary>The NuGet global packages folder: NUGET_PACKAGES, else ~/.nuget/packages.</summary>
    internal static string GlobalPackagesFolder()
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return string.IsNullOrEmpty(env)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : env;
    }

    // <packages>/<id>/<major.minor.build>/lib/<tfm>/<name>.dll, loaded once into its own load context.
    private static Assembly? FromPackages(string assemblyName, Version version)
    {
        var packageVersion = $"{version.Major}.{version.Minor}.{Math.Max(0, version.Build)}";
        var lib = Path.Combine(GlobalPackagesFolder(), assemblyName.ToLowerInvariant(), packageVersion, "lib");
        if (!Directory.Exists(lib))
        {
            return null;
        }

        var file = Directory.EnumerateFiles(lib, assemblyName + ".dll", SearchOption.AllDirectories).Order(StringComparer.Ordinal).LastOrDefault();
        if (file is null)
        {
            return null;
        }

        lock (PackagesGate)
        {
            if (!FromPackagesLoaded.TryGetValue(file, out var assembly))
            {
                assembly = new AssemblyLoadContext($"iau-{assemblyName}-{packageVersion}").LoadFromAssemblyPath(file);
                FromPackagesLoaded[file] = assembly;
            }

            return assembly;
        }
    }
}
