using System.Reflection;
using System.Text.Json;
using Iau.Data;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Cli;

/// <summary>The command line itself is wrong (conflicting, empty or repeated options): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command line's exit codes and the one place that turns an exception into one line on stderr.
/// Every command gets this by being registered in <see cref="CliApp"/>; none handles errors itself.
/// </summary>
internal static class CliErrors
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input, data, checkpoint or file system (the command line was well-formed).</summary>
    public const int Failed = 1;

    /// <summary>Usage: unknown command or option, missing or malformed value, conflicting options.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT) or SIGTERM; a rerun resumes where it stopped.</summary>
    public const int Cancelled = 130;

    /// <summary>Writes one line for <paramref name="e"/> (its stack trace too when IAU_DEBUG=1) and returns the exit code.</summary>
    public static int Report(Exception e, TextWriter error)
    {
        e = Unwrap(e);
        var (code, line) = e switch
        {
            OperationCanceledException => (Cancelled, "cancelled (run the same command again to resume)."),
            UsageException or UnknownMethodException => (Usage, "error: " + OneLine(e.Message)),
            CheckpointMismatchException m => (Failed, $"error: {m.File}: does not match this run: {string.Join("; ", m.Differences)}. " +
                                                      (m.File.EndsWith(".state", StringComparison.Ordinal)
                                                          ? "It is the resume file of an earlier `iau train`: use that run's options, another --out, or delete it to start over."
                                                          : "Use the checkpoint made for this data and model.")),
            CheckpointFormatException or CheckpointMismatchException or Interop.PyTorchFormatException or DataFormatException or DatasetNotFoundException or IauRuntimeException
                or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException
                or JsonException or InvalidOperationException or TimeoutException => (Failed, "error: " + OneLine(e.Message)),
            _ => (Failed, $"internal error ({e.GetType().Name}): {OneLine(e.Message)} — please report it; IAU_DEBUG=1 shows the stack trace."),
        };
        error.WriteLine(line);
        if (Environment.GetEnvironmentVariable("IAU_DEBUG") == "1")
        {
            error.WriteLine(e.ToString());
        }

        return code;
    }

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a:
                    e = a.InnerExceptions[0];
                    break;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    break;
                case TypeInitializationException { InnerException: { } inner }:
                    e = inner;
                    break;
                default:
                    return e;
            }
        }
    }

    /// <summary>The message on one line: libtorch errors carry a C++ backtrace after the first line.</summary>
    internal static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return "(no message)";
        }

        // Keep continuation lines of our own messages (e.g. "put the files in …"), drop native backtraces.
        var kept = lines.TakeWhile(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal) && !l.StartsWith("frame #", StringComparison.Ordinal)
                                        && !l.StartsWith("at ", StringComparison.Ordinal));
        return string.Join(" ", kept.DefaultIfEmpty(lines[0]));
    }
}
