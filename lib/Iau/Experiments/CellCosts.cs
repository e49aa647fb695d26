using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Iau.Experiments;

/// <summary>One cell's measured wall time, as the timing log keeps it.</summary>
/// <param name="Signature">Hash of the cell's spec without its seed list (equal across seeds).</param>
/// <param name="Kind">Experiment.</param>
/// <param name="Dataset">Dataset.</param>
/// <param name="Model">Architecture.</param>
/// <param name="Method">Method (or label) of the cell.</param>
/// <param name="Variant">Variant of the cell.</param>
/// <param name="Seconds">Wall seconds of the cell, including the shared models it was the first to need.</param>
/// <param name="Workers">Workers of the run that measured it.</param>
public sealed record CellTiming(string Signature, string Kind, string Dataset, string Model, string Method, string Variant, double Seconds, int Workers);

/// <summary>What is left of a profile and how long it should take (<c>iau reproduce --plan</c>).</summary>
/// <param name="Pending">Cells still to run.</param>
/// <param name="Done">Cells done before.</param>
/// <param name="CoreSeconds">Sum of the pending cells' estimates.</param>
/// <param name="WallSeconds">Estimated wall time with <paramref name="Workers"/> workers (the groups list-scheduled in run order).</param>
/// <param name="Workers">Workers assumed.</param>
/// <param name="Unmeasured">Pending cells with no recorded timing of their kind (estimated at <see cref="CellCosts.UnknownSeconds"/>).</param>
/// <param name="PerExperiment">Pending cells and estimated core-seconds per experiment name.</param>
public sealed record ReproductionPlan(int Pending, int Done, double CoreSeconds, double WallSeconds, int Workers, int Unmeasured,
    IReadOnlyList<(string Experiment, int Cells, double CoreSeconds)> PerExperiment);

/// <summary>
/// The cost of cells, from the kit's own recorded timings on this machine: every cell a reproduction runs appends
/// its wall time to a timing log (<see cref="LogPath"/>), and an estimate for a cell is the median of the most
/// specific records there are — the same spec and method (any seed), else the same experiment, dataset, model and
/// method, else the same experiment and method — or <see cref="UnknownSeconds"/> when none exists. Reproduction
/// orders its groups of cells by these estimates, largest first (longest-processing-time first), so that the
/// longest group does not start last while a core idles; <c>--plan</c> prints them.
/// </summary>
public sealed class CellCosts
{
    /// <summary>Estimate of a cell with no recorded timing of its kind.</summary>
    public const double UnknownSeconds = 30;

    private static readonly object Gate = new();
    private readonly List<CellTiming> records;

    private CellCosts(List<CellTiming> records) => this.records = records;

    /// <summary>
    /// The timing log: <c>$IAU_TIMINGS</c> if set, else <c>$XDG_CACHE_HOME/iau/timings.jsonl</c>, else
    /// <c>~/.cache/iau/timings.jsonl</c>. One JSON line per cell; a damaged line is skipped.
    /// </summary>
    public static string LogPath =>
        Environment.GetEnvironmentVariable("IAU_TIMINGS") is { Length: > 0 } p ? p
        : Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "iau", "timings.jsonl");

    /// <summary>The records of the timing log (none when it does not exist).</summary>
    public static CellCosts Load()
    {
        var list = new List<CellTiming>();
        var path = LogPath;
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

        return new CellCosts(list);
    }

    /// <summary>Costs from the given records (tests).</summary>
    internal static CellCosts From(IEnumerable<CellTiming> records) => new([.. records]);

    /// <summary>Number of records.</summary>
    public int Count => records.Count;

    /// <summary>The spec of a cell without its seeds, hashed: equal for every seed of one experiment.</summary>
    internal static string Signature(ExperimentSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(spec with { Seeds = [] }))))[..16];

    /// <summary>Appends a cell's wall time to the log (best effort: a log that cannot be written is no error).</summary>
    internal static void Record(Cell cell, double seconds, int workers)
    {
        var t = new CellTiming(Signature(cell.Spec), cell.Spec.Kind.ToString().ToLowerInvariant(), cell.Spec.Dataset, cell.Spec.Model, cell.Method, cell.Variant, seconds, workers);
        try
        {
            lock (Gate)
            {
                var path = LogPath;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                File.AppendAllText(path, JsonSerializer.Serialize(t) + "\n");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Timings only steer the order and the plan; never fail a run over them.
        }
    }

    /// <summary>The estimated seconds of a cell, and whether any record of its kind existed.</summary>
    internal (double Seconds, bool Measured) Estimate(Cell cell)
    {
        var signature = Signature(cell.Spec);
        var kind = cell.Spec.Kind.ToString().ToLowerInvariant();
        IEnumerable<CellTiming>[] levels =
        [
            records.Where(r => r.Signature == signature && r.Method == cell.Method && r.Variant == cell.Variant),
            records.Where(r => r.Signature == signature && r.Method == cell.Method),
            records.Where(r => r.Kind == kind && r.Dataset == cell.Spec.Dataset && r.Model == cell.Spec.Model && r.Method == cell.Method),
            records.Where(r => r.Kind == kind && r.Method == cell.Method),
        ];
        foreach (var level in levels)
        {
            var s = level.Select(r => r.Seconds).Order().ToArray();
            if (s.Length > 0)
            {
                return (s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2, true);
            }
        }

        return (UnknownSeconds, false);
    }

    /// <summary>Estimated wall time of groups run in the given order on <paramref name="workers"/> workers (each group on one worker).</summary>
    internal static double Makespan(IEnumerable<double> groupSeconds, int workers)
    {
        var free = new double[Math.Max(1, workers)];
        foreach (var g in groupSeconds)
        {
            var i = Array.IndexOf(free, free.Min());
            free[i] += g;
        }

        return free.Max();
    }

    /// <summary>Formats seconds as "12.3 min" or "1.25 h".</summary>
    public static string Format(double seconds) => seconds >= 5400
        ? (seconds / 3600).ToString("F2", CultureInfo.InvariantCulture) + " h"
        : (seconds / 60).ToString("F1", CultureInfo.InvariantCulture) + " min";
}
