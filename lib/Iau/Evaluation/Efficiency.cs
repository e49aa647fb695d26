using System.Diagnostics;

namespace Iau.Evaluation;

/// <summary>
/// Run-time efficiency (RTE) of unlearning: the wall-clock seconds t_m of the unlearning step alone
/// (training the original, loading data and evaluating are excluded), and its comparison with Retrain:
/// <code>
/// Speedup_m      = t_retrain / t_m            (how many times faster than retraining; &gt; 1 = faster)
/// RelativeCost_m = t_m / t_retrain = 1 / Speedup_m
/// </code>
/// </summary>
public static class Efficiency
{
    /// <summary>
    /// t_retrain / t_method. +∞ when the method took no measurable time and Retrain did; NaN when an input
    /// is NaN, negative, or both are 0.
    /// </summary>
    public static double Speedup(double retrainSeconds, double methodSeconds)
    {
        if (!(retrainSeconds >= 0) || !(methodSeconds >= 0) || (retrainSeconds == 0 && methodSeconds == 0))
        {
            return double.NaN;
        }

        return methodSeconds == 0 ? double.PositiveInfinity : retrainSeconds / methodSeconds;
    }

    /// <summary>t_method / t_retrain (NaN on invalid inputs or a zero Retrain time).</summary>
    public static double RelativeCost(double methodSeconds, double retrainSeconds)
    {
        if (!(retrainSeconds > 0) || !(methodSeconds >= 0))
        {
            return double.NaN;
        }

        return methodSeconds / retrainSeconds;
    }

    /// <summary>Runs <paramref name="action"/> and returns its result with its wall-clock seconds (RTE).</summary>
    public static (T Result, double Seconds) Time<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var clock = Stopwatch.StartNew();
        var result = action();
        return (result, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Runs <paramref name="action"/> and returns its wall-clock seconds (RTE).</summary>
    public static double Time(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
