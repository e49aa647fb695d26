using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Iau.Data;
using Iau.Training;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>Where and how a reproduction runs.</summary>
/// <param name="OutputDirectory">Results folder: results.jsonl, cache/ (trained originals, retrained and shadow models).</param>
/// <param name="ShardIndex">This shard (0-based) when the cells are spread over machines.</param>
/// <param name="ShardCount">Number of shards (1 = everything here).</param>
/// <param name="Load">How datasets are found.</param>
/// <param name="Device">Device of the tensors.</param>
/// <param name="RecipesDirectory">
/// Folder of tuned recipes (<c>&lt;dataset&gt;-&lt;model&gt;-&lt;forget&gt;.json</c>); null = data/recipes of the repository
/// found by walking up from the current directory to the folder holding Iau.Research.sln (none found: no tuned rows).
/// </param>
public sealed record ReproductionOptions(string OutputDirectory, int ShardIndex = 0, int ShardCount = 1, LoadOptions? Load = null, torch.Device? Device = null, string? RecipesDirectory = null)
{
    /// <summary>The results file of this run (per shard when sharded).</summary>
    public string ResultsPath => Path.Combine(OutputDirectory, ShardCount == 1 ? "results.jsonl" : $"results.shard-{ShardIndex + 1}-of-{ShardCount}.jsonl");
}

/// <summary>Progress of a reproduction.</summary>
public sealed record ReproductionProgress(string Cell, int Done, int Total, bool Skipped, string Message);

/// <summary>What a reproduction did.</summary>
public sealed record ReproductionSummary(int Cells, int Run, int Skipped, double Seconds, string ResultsPath);

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

        var recipes = RecipeBook.Open(options.RecipesDirectory);
        var cells = Cells(profile, recipes).Where((_, i) => i % options.ShardCount == options.ShardIndex).ToList();
        Directory.CreateDirectory(options.OutputDirectory);
        var store = new ResultsStore(options.ResultsPath);
        using var context = new ExperimentContext(options, progress, cancellationToken);
        var watch = Stopwatch.StartNew();
        int ran = 0, skipped = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cell = cells[i];
            if (cell.Keys.All(k => store.Contains(k, cell.Hash)))
            {
                skipped++;
                progress?.Report(new ReproductionProgress(cell.Label, i + 1, cells.Count, true, "done before"));
                continue;
            }

            progress?.Report(new ReproductionProgress(cell.Label, i, cells.Count, false, "running"));
            var rows = ExperimentRegistry.Get(cell.Spec.Kind).Run(cell, context);
            store.Add(rows);
            ran++;
            progress?.Report(new ReproductionProgress(cell.Label, i + 1, cells.Count, false, Summarise(rows)));
        }

        return new ReproductionSummary(cells.Count, ran, skipped, watch.Elapsed.TotalSeconds, store.Path);
    }

    private static string Summarise(IReadOnlyList<ResultRow> rows)
    {
        var r = rows[^1];
        string M(string k) => r.Metrics.TryGetValue(k, out var v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
        return $"TA {M("TA")} RA {M("RA")} FA {M("FA")} RTE {M("RTE")}";
    }

    /// <summary>Every cell of a profile, in a stable order (shards take every n-th).</summary>
    internal static IReadOnlyList<Cell> Cells(Profile profile, RecipeBook recipes)
    {
        var cells = new List<Cell>();
        foreach (var spec in profile.Experiments)
        {
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
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
