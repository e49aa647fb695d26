using System.Text.Json;

namespace Iau.Runtime;

/// <summary>One measured wall time, as the timing log keeps it: a reproduction's cell, or one model of a forgetting audit.</summary>
/// <param name="Signature">Hash of what determines the cost (a cell: its spec without the seed list, equal across seeds).</param>
/// <param name="Kind">Experiment (a cell), or "audit-model".</param>
/// <param name="Dataset">Dataset.</param>
/// <param name="Model">Architecture.</param>
/// <param name="Method">Method (or label) of the cell; an audit model's "original", "retrain" or unlearning method.</param>
/// <param name="Variant">Variant of the cell.</param>
/// <param name="Seconds">Wall seconds of the cell, including the shared models it was the first to need.</param>
/// <param name="Workers">Workers of the run that measured it.</param>
/// <param name="SharedSeconds">Of <paramref name="Seconds"/>, the time spent making (or waiting for) what several cells share:
/// the dataset, splits, originals, Retrain, attack and reference models, the audit's pools
/// (the reproduction's SharedWork). 0 in records written before it was kept.</param>
/// <param name="Seed">The cell's seed (null in older records).</param>
/// <param name="Run">Id of the run that measured it (null in older records, which are used only where no newer one exists).</param>
/// <param name="Fresh">Whether no cell of the cell's lineage (experiment and seed) was done when the run started, so that the
/// lineage made its shared models itself rather than finding them cached.</param>
/// <param name="Work">The size its time is taken to grow with (an audit model: training samples × epochs), so that a
/// record of other settings of the same method can be scaled (<see cref="TimingLog.ScaledMedianOf"/>); null in older
/// records and in cells.</param>
public sealed record CellTiming(string Signature, string Kind, string Dataset, string Model, string Method, string Variant, double Seconds, int Workers,
    double SharedSeconds = 0, int? Seed = null, string? Run = null, bool Fresh = false, double? Work = null);

/// <summary>
/// The kit's own timings on this machine, one JSON line per measured cell or audit model, from which runs are ordered
/// and <c>--plan</c> estimates: <c>$IAU_TIMINGS</c> if set, else <c>$XDG_CACHE_HOME/iau/timings.jsonl</c>, else
/// <c>~/.cache/iau/timings.jsonl</c>. A damaged line (cut by a killed writer) is skipped.
/// </summary>
public static class TimingLog
{
    private static readonly object Gate = new();

    /// <summary>Where the log is.</summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("IAU_TIMINGS") is { Length: > 0 } p ? p
        : System.IO.Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "iau", "timings.jsonl");

    /// <summary>The records with a positive time (none when the log does not exist).</summary>
    internal static List<CellTiming> Read()
    {
        var list = new List<CellTiming>();
        var path = Path;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                try
                {
                    if (JsonSerializer.Deserialize<CellTiming>(line) is { Seconds: > 0 } t)
                    {
                        list.Add(t);
                    }
                }
                catch (JsonException)
                {
                    // A line cut by a killed writer: skip it.
                }
            }
        }

        return list;
    }

    /// <summary>Appends a record (best effort: a log that cannot be written is no error; timings only steer order and plans).</summary>
    internal static void Append(CellTiming t)
    {
        try
        {
            lock (Gate)
            {
                var path = Path;
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
                File.AppendAllText(path, JsonSerializer.Serialize(t) + "\n");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Never fail a run over its timing.
        }
    }

    /// <summary>
    /// The median own time of <paramref name="exact"/> (records of the same signature); without any, the median own time
    /// per unit of <see cref="CellTiming.Work"/> of <paramref name="similar"/> (the same method under other settings)
    /// times <paramref name="work"/>; without any record there that has a work size, their plain median; else
    /// <paramref name="fallback"/> (not measured). Approximation, stated: a model's time is taken to grow in proportion to
    /// its work size (training samples × epochs), which leaves out fixed costs and early stopping.
    /// </summary>
    internal static (double Seconds, bool Measured) ScaledMedianOf(double fallback, double work, IEnumerable<CellTiming> exact, IEnumerable<CellTiming> similar)
    {
        var others = similar.ToList();
        var scaled = others.Where(r => r.Work is > 0).Select(r => r with
        {
            Seconds = r.Seconds / r.Work!.Value * work,
            SharedSeconds = r.SharedSeconds / r.Work!.Value * work,
        });
        return MedianOf(fallback, exact, scaled, others);
    }

    /// <summary>
    /// The median own time (seconds less shared seconds) of the first non-empty level, preferring records with a run id
    /// within it; <paramref name="fallback"/> (not measured) when every level is empty.
    /// </summary>
    internal static (double Seconds, bool Measured) MedianOf(double fallback, params IEnumerable<CellTiming>[] levels)
    {
        foreach (var level in levels)
        {
            var list = level.ToList();
            var newer = list.Where(r => r.Run is not null).ToList();
            var s = (newer.Count > 0 ? newer : list).Select(r => Math.Max(0, r.Seconds - r.SharedSeconds)).ToArray();
            if (s.Length > 0)
            {
                return (Median(s), true);
            }
        }

        return (fallback, false);
    }

    /// <summary>The median of <paramref name="values"/> (sorted in place).</summary>
    internal static double Median(double[] values)
    {
        Array.Sort(values);
        var n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    /// <summary>Estimated wall time of jobs started in the given order on <paramref name="workers"/> workers (list scheduling: each to the first free worker).</summary>
    internal static double Makespan(IEnumerable<double> jobSeconds, int workers)
    {
        var free = new double[Math.Max(1, workers)];
        foreach (var g in jobSeconds)
        {
            var i = Array.IndexOf(free, free.Min());
            free[i] += g;
        }

        return free.Max();
    }
}
