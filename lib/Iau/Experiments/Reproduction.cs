using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Iau.Data;
using Iau.Evaluation;
using Iau.Runtime;
using Iau.Training;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>Where and how a reproduction runs.</summary>
/// <param name="OutputDirectory">Results folder: results.jsonl, cache/ (trained originals, retrained and shadow models).</param>
/// <param name="ShardIndex">This shard (0-based) when the cells are spread over machines (whole lineages: <see cref="Reproduction.Shard"/>).</param>
/// <param name="ShardCount">Number of shards (1 = everything here).</param>
/// <param name="Load">How datasets are found.</param>
/// <param name="Device">Device of the tensors.</param>
/// <param name="RecipesDirectory">
/// Folder of tuned recipes (<c>&lt;dataset&gt;-&lt;model&gt;-&lt;forget&gt;.json</c>); null = data/recipes of the repository
/// found by walking up from the current directory to the folder holding Iau.Research.sln (none found: no tuned rows).
/// </param>
/// <param name="Workers">
/// Cells run at once (0 = one per core; 1 = one after another on the calling thread with its thread settings).
/// With more than one, the cells of different experiments or seeds run on <see cref="ParallelWorkers"/>, one
/// libtorch thread each, and the cells of one experiment and seed keep their order on one worker. A cell's numbers
/// do not depend on which worker ran it, but a one-thread libtorch may round differently from a many-thread one,
/// and the seconds (RTE, speed-ups) are then one core's, beside a busy one.
/// </param>
public sealed record ReproductionOptions(string OutputDirectory, int ShardIndex = 0, int ShardCount = 1, LoadOptions? Load = null, torch.Device? Device = null, string? RecipesDirectory = null, int Workers = 1)
{
    /// <summary>Workers in effect.</summary>
    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    /// <summary>The results file of this run (per shard when sharded).</summary>
    public string ResultsPath => Path.Combine(OutputDirectory, ShardCount == 1 ? "results.jsonl" : $"results.shard-{ShardIndex + 1}-of-{ShardCount}.jsonl");
}

/// <summary>Progress of a reproduction.</summary>
public sealed record ReproductionProgress(string Cell, int Done, int Total, bool Skipped, string Message);

/// <summary>What a reproduction did.</summary>
/// <param name="Cells">Cells of this shard.</param>
/// <param name="Run">Cells run now.</param>
/// <param name="Skipped">Cells done before.</param>
/// <param name="Seconds">Wall seconds.</param>
/// <param name="ResultsPath">The results file.</param>
/// <param name="EstimatedSeconds">The wall time <see cref="Reproduction.Plan"/> estimated before the run, from the recorded timings.</param>
public sealed record ReproductionSummary(int Cells, int Run, int Skipped, double Seconds, string ResultsPath, double EstimatedSeconds = double.NaN);

/// <summary>
/// Runs a profile's experiments cell by cell — a cell is one (experiment, seed, variant, method) and gives one
/// result row (sequential streams give one row per request). Finished cells are skipped on a re-run (resume);
/// trained originals, retrained models and shadow attacks are cached under cache/ by the hash of what
/// determines them, so an interruption loses at most the cell in progress. What each experiment's cells are
/// and how one runs is in its own file (Kinds/, <see cref="IExperiment"/>, <see cref="ExperimentRegistry"/>).
/// </summary>
public static class Reproduction
{
    /// <summary>Runs every cell of the profile that belongs to this shard and is not done yet.</summary>
    public static ReproductionSummary Run(Profile profile, ReproductionOptions options, IProgress<ReproductionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.ShardCount < 1 || options.ShardIndex < 0 || options.ShardIndex >= options.ShardCount)
        {
            throw new ArgumentException($"Shard {options.ShardIndex + 1}/{options.ShardCount} is not valid: use i/n with 1 ≤ i ≤ n.");
        }

        if (options.Workers < 0)
        {
            throw new ArgumentException($"Workers {options.Workers}: use 0 (one per core) or a positive count.");
        }

        var cells = ShardCells(profile, options);
        Directory.CreateDirectory(options.OutputDirectory);
        var store = new ResultsStore(options.ResultsPath);
        var costs = CellCosts.Load();
        var gate = new object();
        var report = progress is null ? null : new LockedProgress<ReproductionProgress>(progress, gate);
        using var context = new ExperimentContext(options, report, cancellationToken);
        var watch = Stopwatch.StartNew();
        int ran = 0, skipped = 0, finished = 0;
        var todo = new List<Cell>();
        var doneBefore = new List<Cell>();
        var run = Guid.NewGuid().ToString("N")[..12];
        foreach (var cell in cells)
        {
            if (cell.Keys.All(k => store.Contains(k, cell.Hash)))
            {
                doneBefore.Add(cell);
                skipped++;
                report?.Report(new ReproductionProgress(cell.Label, ++finished, cells.Count, true, "done before"));
            }
            else
            {
                todo.Add(cell);
            }
        }

        var started = StartedLineages(doneBefore);

        void RunCell(Cell cell)
        {
            cancellationToken.ThrowIfCancellationRequested();
            report?.Report(new ReproductionProgress(cell.Label, Volatile.Read(ref finished), cells.Count, false, "running"));
            var clock = Stopwatch.StartNew();
            SharedWork.Reset();
            var rows = ExperimentRegistry.Get(cell.Spec.Kind).Run(cell, context);
            store.Add(rows);
            CellCosts.Record(cell, clock.Elapsed.TotalSeconds, options.EffectiveWorkers, SharedWork.Seconds, run, !started.Contains((cell.Spec, cell.Seed)));
            lock (gate)
            {
                ran++;
                finished++;
                progress?.Report(new ReproductionProgress(cell.Label, finished, cells.Count, false, Summarise(rows)));
            }
        }

        var workers = options.EffectiveWorkers;
        var planned = Lineages(todo, costs, started).Select(l => Planned(l, costs, started)).ToList();
        var estimate = Makespan(planned, workers);
        if (workers <= 1)
        {
            todo.ForEach(RunCell);
        }
        else
        {
            // Each worker keeps to a lineage and, once none is left to start, helps the started ones (LineageScheduler).
            var scheduler = new LineageScheduler<Cell>(planned);
            var jobs = WarmUps(todo, context)
                .Concat(Enumerable.Range(0, workers).Select(_ => (Action<CancellationToken>)(ct =>
                {
                    var worker = new LineageScheduler<Cell>.Worker();
                    while (scheduler.Next(worker, out var cell, ct))
                    {
                        RunCell(cell);
                        scheduler.Done(cell);
                    }
                })))
                .ToList();
            ParallelWorkers.Run(jobs, workers, cancellationToken);
        }

        return new ReproductionSummary(cells.Count, ran, skipped, watch.Elapsed.TotalSeconds, store.Path, estimate);
    }

    /// <summary>
    /// What is left of a profile in this results folder and how long it should take on <see cref="ReproductionOptions.Workers"/>
    /// workers, estimated from the recorded timings (<see cref="CellCosts"/>). Runs nothing.
    /// </summary>
    public static ReproductionPlan Plan(Profile profile, ReproductionOptions options)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        var cells = ShardCells(profile, options);
        var store = File.Exists(options.ResultsPath) ? ResultsStore.Read(options.ResultsPath) : [];
        var done = store.Select(r => (r.Key, r.ConfigHash)).ToHashSet();
        var isDone = cells.ToLookup(c => c.Keys.All(k => done.Contains((k, c.Hash))));
        var todo = isDone[false].ToList();
        var costs = CellCosts.Load();
        var started = StartedLineages(isDone[true]);
        var lineages = Lineages(todo, costs, started);
        var seconds = lineages.ToDictionary(l => l, l => costs.Lineage(l, started.Contains((l[0].Spec, l[0].Seed))));
        var planned = lineages.Select(l => Planned(l, costs, started)).ToList();
        return new ReproductionPlan(
            todo.Count,
            cells.Count - todo.Count,
            seconds.Values.Sum(),
            Makespan(planned, options.EffectiveWorkers),
            options.EffectiveWorkers,
            todo.Count(c => !costs.Estimate(c).Measured),
            [.. lineages.GroupBy(l => l[0].Spec.Name + "/" + l[0].Spec.ForgetSegment).Select(g => (g.Key, g.Sum(l => l.Count), g.Sum(l => seconds[l])))],
            todo.Count(costs.Borrowed));
    }

    /// <summary>A lineage's cells with their estimated seconds, its shared models (unless started before) in the first.</summary>
    private static IReadOnlyList<(Cell Item, double Seconds)> Planned(IReadOnlyList<Cell> lineage, CellCosts costs, IReadOnlySet<(ExperimentSpec Spec, int Seed)> started) =>
        [.. lineage.Select((c, i) => (c, costs.Estimate(c).Seconds + (i == 0 && !started.Contains((c.Spec, c.Seed)) ? costs.SharedEstimate(c.Spec) : 0)))];

    /// <summary>The estimated wall time of the planned lineages under the workers' policy (<see cref="LineageScheduler{T}"/>).</summary>
    private static double Makespan(IReadOnlyList<IReadOnlyList<(Cell Item, double Seconds)>> planned, int workers) =>
        workers <= 1 ? planned.Sum(l => l.Sum(x => x.Seconds)) : LineageScheduler<Cell>.Makespan([.. planned.Select(l => (IReadOnlyList<double>)[.. l.Select(x => x.Seconds)])], workers);

    /// <summary>The lineages (experiment and seed) with at least one cell done: their shared models are cached.</summary>
    private static HashSet<(ExperimentSpec Spec, int Seed)> StartedLineages(IEnumerable<Cell> done) =>
        [.. done.Select(c => (c.Spec, c.Seed))];

    private static List<Cell> ShardCells(Profile profile, ReproductionOptions options)
    {
        var recipes = profile.TunedRows || options.RecipesDirectory is not null ? RecipeBook.Open(options.RecipesDirectory) : RecipeBook.Empty;
        return [.. Shard(Cells(profile, recipes), options.ShardIndex, options.ShardCount)];
    }

    /// <summary>
    /// The cells grouped by experiment and seed, in their planned order within a group (the original first, then
    /// the methods that share its Retrain), the costliest groups first by the recorded timings (<see cref="CellCosts.Lineage"/>,
    /// with the shared models of groups not in <paramref name="started"/>; with none recorded, the largest groups first),
    /// so that no long group starts last while a core idles. Groups
    /// of one seed under the kit's protocol, or of any seed under the official one, share the original and the
    /// shadow attack: the first worker to ask trains it, the other waits for it.
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<Cell>> Lineages(IEnumerable<Cell> cells, CellCosts? costs = null, IReadOnlySet<(ExperimentSpec Spec, int Seed)>? started = null) =>
        [.. cells.GroupBy(c => (c.Spec, c.Seed))
            .Select(g => (IReadOnlyList<Cell>)g.ToList())
            .OrderByDescending(g => costs is null ? 0 : costs.Lineage(g, started?.Contains((g[0].Spec, g[0].Seed)) ?? false))
            .ThenByDescending(g => g.Count)];

    /// <summary>
    /// The cells of shard <paramref name="index"/> (0-based) of <paramref name="count"/>, in planned order: whole
    /// lineages (<see cref="Lineages"/>: the cells of one experiment and seed, which share an original, its
    /// Retrain and shadow attack), the largest first, each to the shard with the fewest cells so far (the lowest
    /// index on a tie); shards beyond the number of lineages get no cells. The models a lineage needs are then
    /// trained by one shard (Slurm array task) rather than by every shard that holds one of its cells. Models shared
    /// by several lineages are still trained by each shard that needs them and has not found them cached: an
    /// original (and its shadow attack) is keyed by dataset, model, training seed and recipe, so the experiments
    /// of one seed share it, and under the official protocol so do the seeds of one experiment.
    /// </summary>
    internal static IReadOnlyList<Cell> Shard(IReadOnlyList<Cell> cells, int index, int count)
    {
        if (count == 1)
        {
            return cells;
        }

        var load = new int[count];
        var mine = new HashSet<Cell>(ReferenceEqualityComparer.Instance);
        foreach (var lineage in Lineages(cells))
        {
            var least = Array.IndexOf(load, load.Min());
            load[least] += lineage.Count;
            if (least == index)
            {
                mine.UnionWith(lineage);
            }
        }

        return [.. cells.Where(mine.Contains)];
    }

    /// <summary>
    /// Under the official protocol every seed shares one original and one shadow attack: the shadow attack is
    /// trained first as a job of its own, so that one worker fits it while another trains the original (a worker
    /// that needs either waits for it).
    /// </summary>
    private static IEnumerable<Action<CancellationToken>> WarmUps(IEnumerable<Cell> todo, ExperimentContext context) =>
        todo.Where(c => c.Spec.Protocol == Protocol.Official && c.Spec.Kind is ExperimentKind.Main or ExperimentKind.ClassWise)
            .GroupBy(c => c.Spec)
            .Select(g => g.First())
            .Select(c => (Action<CancellationToken>)(_ => context.Attack(c.Spec, c.Seed, context.Split(c.Spec, c.Seed))));

    private static string Summarise(IReadOnlyList<ResultRow> rows)
    {
        var r = rows[^1];
        string M(string k) => r.Metrics.TryGetValue(k, out var v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
        return $"TA {M(Metric.TA)} RA {M(Metric.RA)} FA {M(Metric.FA)} RTE {M(Metric.Rte)}";
    }

    /// <summary>Every cell of a profile, in a stable order (<see cref="Shard"/> deals them to shards by lineage).</summary>
    internal static IReadOnlyList<Cell> Cells(Profile profile, RecipeBook recipes)
    {
        var cells = new List<Cell>();
        foreach (var spec in profile.Experiments)
        {
            spec.CheckSweeps();
            var plan = ExperimentRegistry.Get(spec.Kind).Plan(spec, recipes).ToList();
            foreach (var seed in spec.Seeds)
            {
                foreach (var p in plan)
                {
                    var keys = p.RowVariants.Select(v => Key(spec, seed, v, p.Method)).ToList();
                    cells.Add(new Cell(spec, seed, p.Variant, p.Method, keys, Hash(spec, seed, p.Variant, p.Method, p.Options), p.Options));
                }
            }
        }

        return cells;
    }

    /// <summary>The unique key of a row: experiment/dataset/model/forget set/variant/method/seed.</summary>
    internal static string Key(ExperimentSpec spec, int seed, string variant, string method) =>
        Invariant($"{spec.Name}/{spec.ForgetSegment}/{variant}/{method}/seed={seed}");

    /// <summary>
    /// Hash of everything a cell's result depends on: the spec (less its seed list), every method's options,
    /// the seed, variant and method, the kit version and — only for cells with their own options (tuned
    /// rows) — those options, so the hashes of cells without them stay what they were.
    /// </summary>
    internal static string Hash(ExperimentSpec spec, int seed, string variant, string method, IReadOnlyList<string>? cellOptions = null)
    {
        var json = cellOptions is null
            ? JsonSerializer.Serialize(new
            {
                spec = spec with { Seeds = [] },
                options = spec.Methods.ToDictionary(m => m, spec.OptionsFor),
                seed,
                variant,
                method,
                kit = Checkpoint.KitVersion,
            })
            : JsonSerializer.Serialize(new
            {
                spec = spec with { Seeds = [] },
                options = spec.Methods.ToDictionary(m => m, spec.OptionsFor),
                seed,
                variant,
                method,
                kit = Checkpoint.KitVersion,
                cellOptions,
            });
        return Runtime.ShortHash.Of(json);
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
