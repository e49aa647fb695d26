using System.Globalization;

namespace Iau.Cli;

/// <summary>
/// Ranges and resource bounds of options, checked when the command line is read, before any work: a value out of
/// its range (a negative count, NaN) or past a resource bound (`--threads 100000`) is a usage error (exit 2) whose
/// one line names the option, the value, the bound and why. The resource bounds (threads, workers, pool size,
/// trials, seconds) can be lifted on purpose with <see cref="OverrideVariable"/>=1; ranges cannot.
/// </summary>
internal static class Bounds
{
    /// <summary>The environment variable that lifts the resource bounds (not the ranges) when set to 1.</summary>
    public const string OverrideVariable = "IAU_UNBOUNDED";

    /// <summary>Largest audit pool: four times the paper-grade 512 models (each model is one full training).</summary>
    public const int MaxPool = 2048;

    /// <summary>Most trials of one search: fifty times the recipes' 20 (each trial runs the method on every tuning seed).</summary>
    public const int MaxTrials = 1000;

    /// <summary>Longest time budget: 30 days (a longer one is no limit: leave the option out).</summary>
    public const double MaxSeconds = 30 * 24 * 3600;

    /// <summary>Threads and workers at most this many per core.</summary>
    public const int PerCore = 4;

    /// <summary>Whether <see cref="OverrideVariable"/> lifts the resource bounds in this process.</summary>
    public static bool Lifted => Environment.GetEnvironmentVariable(OverrideVariable) == "1";

    /// <summary>Most threads or workers: <see cref="PerCore"/> per core.</summary>
    public static int MaxThreads => PerCore * Environment.ProcessorCount;

    private static string Cores => string.Create(CultureInfo.InvariantCulture, $"{PerCore} × {Environment.ProcessorCount} cores");

    /// <summary>--threads: at least 1, at most <see cref="MaxThreads"/>.</summary>
    /// <exception cref="UsageException">Out of range or past the bound.</exception>
    public static void Threads(int? value, bool lifted)
    {
        if (value is not int n)
        {
            return;
        }

        if (n < 1)
        {
            throw new UsageException(Invariant($"--threads {n}: give at least 1 (or leave it out: one per core)."));
        }

        AtMost(n, MaxThreads, "--threads", $"at most {Invariant($"{MaxThreads}")} ({Cores}): libtorch starts that many threads, and more than the cores only contend for them (100,000 threads take a machine down)", lifted);
    }

    /// <summary>A worker count where 0 means one per core: 0 ≤ value ≤ <see cref="MaxThreads"/>.</summary>
    /// <exception cref="UsageException">Negative or past the bound.</exception>
    public static void Workers(int value, string option, bool lifted)
    {
        if (value < 0)
        {
            throw new UsageException(Invariant($"{option} {value}: use 0 (one per core) or a positive count."));
        }

        AtMost(value, MaxThreads, option, $"at most {Invariant($"{MaxThreads}")} ({Cores}): each worker is a thread training a model, and more workers than cores only contend for them", lifted);
    }

    /// <summary>A time budget in seconds: finite, positive, at most <see cref="MaxSeconds"/>.</summary>
    /// <exception cref="UsageException">NaN, infinite, zero, negative or past the bound.</exception>
    public static void Seconds(double? value, string option, bool lifted)
    {
        if (value is not double s)
        {
            return;
        }

        if (!double.IsFinite(s) || s <= 0)
        {
            throw new UsageException(Invariant($"{option} {Text(s)}: give a positive number of seconds (or leave it out: no time limit)."));
        }

        if (s > MaxSeconds && !lifted)
        {
            throw new UsageException(Invariant($"{option} {Text(s)}: at most {MaxSeconds:F0} s (30 days); a longer limit is no limit: leave {option} out. Set {OverrideVariable}=1 to go past this bound on purpose."));
        }
    }

    /// <summary>A count that must lie in [<paramref name="min"/>, <paramref name="max"/>]; the upper end is a resource bound.</summary>
    /// <exception cref="UsageException">Below the minimum (<paramref name="minWhy"/>) or past the bound (<paramref name="maxWhy"/>).</exception>
    public static void Count(long value, string option, long min, string minWhy, long max, string maxWhy, bool lifted)
    {
        if (value < min)
        {
            throw new UsageException(Invariant($"{option} {value}: {minWhy}."));
        }

        AtMost(value, max, option, maxWhy, lifted);
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>] (a range, not a resource bound).</summary>
    /// <exception cref="UsageException">NaN, infinite or outside the range.</exception>
    public static void InRange(double value, string option, double min, double max, string what)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            throw new UsageException(Invariant($"{option} {Text(value)}: {what}, a number in [{Text(min)}, {Text(max)}]."));
        }
    }

    private static void AtMost(long value, long max, string option, string why, bool lifted)
    {
        if (value > max && !lifted)
        {
            throw new UsageException(Invariant($"{option} {value}: {why}. Set {OverrideVariable}=1 to go past this bound on purpose."));
        }
    }

    private static string Text(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
