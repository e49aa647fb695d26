using System.Globalization;
using System.Text.Json;
using Iau.Runtime;

namespace Iau.Experiments;

/// <summary>What is left of a profile and how long it should take (<c>iau reproduce --plan</c>).</summary>
/// <param name="Pending">Cells still to run.</param>
/// <param name="Done">Cells done before.</param>
/// <param name="CoreSeconds">Sum of the pending cells' estimates.</param>
/// <param name="WallSeconds">Estimated wall time with <paramref name="Workers"/> workers (the groups list-scheduled in run order).</param>
/// <param name="Workers">Workers assumed.</param>
/// <param name="Unmeasured">Pending cells with no recorded timing of their kind (estimated at <see cref="CellCosts.UnknownSeconds"/>).</param>
/// <param name="PerExperiment">Pending cells and estimated core-seconds per experiment name.</param>
/// <param name="Borrowed">
/// Pending cells whose estimate comes only from other settings of their experiment and method (another recipe, size or
/// profile), which can be far off: a quick run's timings say little about the full recipe.
/// </param>
public sealed record ReproductionPlan(int Pending, int Done, double CoreSeconds, double WallSeconds, int Workers, int Unmeasured,
    IReadOnlyList<(string Experiment, int Cells, double CoreSeconds)> PerExperiment, int Borrowed = 0);

/// <summary>
/// The cost of cells, from the kit's own recorded timings on this machine: every cell a reproduction runs appends
/// its wall time to a timing log (<see cref="TimingLog"/>), split into its own work and the shared models it made or
/// waited for. A lineage (the cells of one experiment and seed) costs
/// <code>
/// Σ over its pending cells of own(cell)  +  shared(lineage) if none of its cells is done yet, else 0
/// </code>
/// where own(cell) is the median own time of the most specific records there are — the same spec, method and variant
/// (any seed), the same spec and method, else the same experiment, dataset, model and method, else the same experiment
/// and method — or <see cref="UnknownSeconds"/> when none exists; and shared(lineage) is the median, over earlier runs
/// in which a lineage of the same spec started fresh, of that lineage's shared time (a lineage with done cells finds
/// its shared models cached). A cell's own median alone would leave out the shared models that only the first cell of
/// a lineage makes; a cell re-run with its models cached would pull it down. Records written before the split was
/// kept (no run id) count only where no newer record exists. Reproduction orders its lineages by these estimates,
/// largest first (longest-processing-time first), so that the longest does not start last while a core idles;
/// <c>--plan</c> prints them. Models shared by several lineages (an original used by two experiments of one seed)
/// are charged to the lineage that made them in the recorded run, which is right when the next run has the same order.
/// </summary>
public sealed class CellCosts
{
    /// <summary>Estimate of a cell with no recorded timing of its kind.</summary>
    public const double UnknownSeconds = 30;

    private readonly List<CellTiming> records;

    private CellCosts(List<CellTiming> records) => this.records = records;

    /// <summary>The records of the timing log (none when it does not exist).</summary>
    public static CellCosts Load() => new([.. TimingLog.Read()]);

    /// <summary>Costs from the given records (tests).</summary>
    internal static CellCosts From(IEnumerable<CellTiming> records) => new([.. records]);

    /// <summary>Number of records.</summary>
    public int Count => records.Count;

    /// <summary>The spec of a cell without its seeds, hashed: equal for every seed of one experiment.</summary>
    internal static string Signature(ExperimentSpec spec) =>
        Runtime.ShortHash.Of(JsonSerializer.Serialize(spec with { Seeds = [] }));

    /// <summary>Appends a cell's wall time to the log (best effort: a log that cannot be written is no error).</summary>
    internal static void Record(Cell cell, double seconds, int workers, double sharedSeconds, string run, bool fresh) =>
        TimingLog.Append(new CellTiming(Signature(cell.Spec), cell.Spec.Kind.ToString().ToLowerInvariant(), cell.Spec.Dataset, cell.Spec.Model, cell.Method, cell.Variant, seconds, workers,
            Math.Min(sharedSeconds, seconds), cell.Seed, run, fresh));

    /// <summary>The estimated own seconds of a cell (without the shared models), and whether any record of its kind existed.</summary>
    internal (double Seconds, bool Measured) Estimate(Cell cell)
    {
        var signature = Signature(cell.Spec);
        var kind = cell.Spec.Kind.ToString().ToLowerInvariant();
        return TimingLog.MedianOf(
            UnknownSeconds,
            records.Where(r => r.Signature == signature && r.Method == cell.Method && r.Variant == cell.Variant),
            records.Where(r => r.Signature == signature && r.Method == cell.Method),
            records.Where(r => r.Kind == kind && r.Dataset == cell.Spec.Dataset && r.Model == cell.Spec.Model && r.Method == cell.Method),
            records.Where(r => r.Kind == kind && r.Method == cell.Method));
    }

    /// <summary>Whether the cell has records only of other settings of its experiment and method (none of its own spec).</summary>
    internal bool Borrowed(Cell cell)
    {
        var signature = Signature(cell.Spec);
        return Estimate(cell).Measured && !records.Any(r => r.Signature == signature && r.Method == cell.Method);
    }

    /// <summary>
    /// The estimated seconds of a lineage's shared models: the median over recorded fresh lineages of the same spec (else
    /// of the same experiment, dataset and model) of their summed shared time; 0 without such records.
    /// </summary>
    internal double SharedEstimate(ExperimentSpec spec)
    {
        var signature = Signature(spec);
        var kind = spec.Kind.ToString().ToLowerInvariant();
        var fresh = records.Where(r => r.Run is not null && r.Fresh).ToList();
        foreach (var level in new[] { fresh.Where(r => r.Signature == signature), fresh.Where(r => r.Kind == kind && r.Dataset == spec.Dataset && r.Model == spec.Model) })
        {
            var sums = level.GroupBy(r => (r.Run, r.Signature, r.Seed)).Select(g => g.Sum(r => r.SharedSeconds)).ToArray();
            if (sums.Length > 0)
            {
                return TimingLog.Median(sums);
            }
        }

        return 0;
    }

    /// <summary>The estimated seconds of a lineage's pending cells, with its shared models unless it was started before.</summary>
    internal double Lineage(IReadOnlyList<Cell> pending, bool started) =>
        pending.Sum(c => Estimate(c).Seconds) + (started || pending.Count == 0 ? 0 : SharedEstimate(pending[0].Spec));

    /// <summary>Formats seconds as "12.3 min" or "1.25 h".</summary>
    public static string Format(double seconds) => seconds >= 5400
        ? (seconds / 3600).ToString("F2", CultureInfo.InvariantCulture) + " h"
        : (seconds / 60).ToString("F1", CultureInfo.InvariantCulture) + " min";
}

/// <summary>
/// The seconds a thread has spent making, or waiting for, values that several cells share (<c>OnceMap</c> values: the
/// dataset, splits, originals, Retrain, attack and reference models; the audit's pools): a reproduction resets it
/// before a cell and reads it after, so that the timing log keeps a cell's own work apart from the shared models that
/// only the first cell of a lineage makes. Nested shared work (a split made while an original is trained) counts once.
/// </summary>
internal static class SharedWork
{
    [ThreadStatic]
    private static double seconds;

    [ThreadStatic]
    private static int depth;

    /// <summary>Shared seconds on this thread since the last <see cref="Reset"/>.</summary>
    public static double Seconds => seconds;

    /// <summary>Starts counting from 0 on this thread.</summary>
    public static void Reset() => seconds = 0;

    /// <summary>Runs <paramref name="work"/> and counts its wall time as shared (once, if nested).</summary>
    public static T Measure<T>(Func<T> work)
    {
        if (depth > 0)
        {
            return work();
        }

        depth++;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return work();
        }
        finally
        {
            depth--;
            seconds += clock.Elapsed.TotalSeconds;
        }
    }
}
