using System.Reflection;
using System.Runtime.InteropServices;
using Iau.Runtime;

namespace Iau.Cli.Infrastructure;

/// <summary>
/// Starts the CLI again, in the same process (execve: same process id, arguments, standard streams and signals), with
/// <see cref="FinalizerGuard.Variable"/>=1 when the environment has not chosen it, since the runtime reads it only at
/// start (<see cref="FinalizerGuard"/>). An environment that sets it, to 1 or to 0, is left as it is; so is any
/// system other than Linux. If execve fails the CLI goes on unguarded and says so on stderr (CliContext.InitRuntime).
/// </summary>
internal static class GuardedExec
{
    internal static void Ensure(string[] args)
    {
        if (FinalizerGuard.IsChosen || !OperatingSystem.IsLinux() || Self() is not ({ } exe, { } prefix))
        {
            return;
        }

        var argv = new List<string?> { exe };
        argv.AddRange(prefix);
        argv.AddRange(args);
        argv.Add(null);
        var env = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .Append($"{FinalizerGuard.Variable}=1").Cast<string?>().Append(null).ToArray();
        try
        {
            Execve(exe, [.. argv], env); // returns only on failure
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            // No execve to call: go on unguarded (InitRuntime says so).
        }
    }

    /// <summary>
    /// The program to start to run this CLI again, and the arguments that come before the CLI's own: none for the
    /// `iau` executable, the assembly under `dotnet iau.dll`. Null when the runtime does not say.
    /// </summary>
    internal static (string File, IReadOnlyList<string> Prefix)? Self()
    {
        if (Environment.ProcessPath is not { } exe)
        {
            return null;
        }

        return Path.GetFileNameWithoutExtension(exe) == "dotnet" && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll
            ? (exe, [dll])
            : (exe, []);
    }

    // LPStr is UTF-8 on Linux.
    [DllImport("libc.so.6", EntryPoint = "execve")]
    private static extern int Execve(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] envp);
}
