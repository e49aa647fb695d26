using System.Diagnostics;

namespace Iau.Cli.Infrastructure;

/// <summary>
/// A program run as a child process with its standard output and error read to the end in the background (so that
/// a full pipe never blocks it): <c>iau bench finalizers</c> runs its parts this way, and the tests run the CLI so.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process process;
    private readonly Task<string> output;
    private readonly Task<string> errors;

    private ChildProcess(Process process)
    {
        this.process = process;
        output = process.StandardOutput.ReadToEndAsync();
        errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The process id.</summary>
    public int Id => process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The exit code (after <see cref="Wait"/> returned true).</summary>
    public int ExitCode => process.ExitCode;

    /// <summary>Everything the process wrote to standard output (waits for the stream to close).</summary>
    public string Output => output.GetAwaiter().GetResult();

    /// <summary>Everything the process wrote to standard error (waits for the stream to close).</summary>
    public string Errors => errors.GetAwaiter().GetResult();

    /// <summary>
    /// Starts <paramref name="program"/> with <paramref name="arguments"/> in this process's environment changed by
    /// <paramref name="environment"/>: a variable set to a value is set, one set to null is removed. It runs in
    /// <paramref name="workingDirectory"/>, or this process's current folder when that is null.
    /// </summary>
    public static ChildProcess Start(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        return new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start"));
    }

    /// <summary>
    /// Waits for the process to end: true if it did within <paramref name="limit"/> (<see cref="Timeout.InfiniteTimeSpan"/>
    /// waits without a limit); otherwise kills it and its children and returns false.
    /// </summary>
    public bool Wait(TimeSpan limit)
    {
        if (process.WaitForExit(limit))
        {
            process.WaitForExit(); // and for its output streams to close
            return true;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return false;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }
}
