using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Iau.Data;
using Iau.Evaluation;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>Where and how a reproduction runs.</summary>
/// <param name="OutputDirectory">Results folder: results.jsonl, cache/ (trained originals, retrained and shadow models).</param>
/// <param name="ShardIndex">This shard (0-based) when the cells are spread over machines.</param>
/// <param name="ShardCount">Number of shards (1 = everything here).</param>
/// <param name="Load">How datasets are found.</param>
/// <param name="Device">Device of the tensors.</param>
public sealed record ReproductionOptions(string OutputDirectory, int ShardIndex = 0, int ShardCount = 1, LoadOptions? Load = null, torch.Device? Device = null)
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
/// determines them, so an interruption loses at most the cell in progress.
/// </summary>
public sealed class Reproduction : IDisposable
{
    private readonly ReproductionOptions options;
    private readonly IProgress<ReproductionProgress>? progress;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<string, LoadedDataset> datasets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SplitData> splits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoadedCheckpoint> models = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShadowModelAttack> attacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, double>> retrainMetrics = new(StringComparer.Ordinal);
    private RocCurve? lastRoc;

    private Reproduction(ReproductionOptions options, IProgress<ReproductionProgress>? progress, CancellationToken cancellationToken)
    {
        this.options = options;
        this.progress = progress;
        this.cancellationToken = cancellationToken;
    }

    private string CacheDir => Path.Combine(options.OutputDirectory, "cache");

    /// <summary>Runs every cell of the profile that belongs to this shard and is not done yet.</summary>
    public static ReproductionSummary Run(Profile profile, ReproductionOptions options, IProgress<ReproductionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.ShardCount < 1 || options.ShardIndex < 0 || options.ShardIndex >= options.ShardCount)
        {
            throw new ArgumentException($"Shard {options.ShardIndex + 1}/{options.ShardCount} is not valid: use i/n with 1 ≤ i ≤ n.");
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var store = new ResultsStore(options.ResultsPath);
        using var run = new Reproduction(options, progress, cancellationToken);
        var cells = Cells(profile).Where((_, i) => i % options.ShardCount == options.ShardIndex).ToList();
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
            var rows = run.Execute(cell);
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

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in splits.Values)
        {
            s.Dispose();
        }

        foreach (var m in models.Values)
        {
            m.Dispose();
        }

        foreach (var a in attacks.Values)
        {
            a.Dispose();
        }
    }

    // ---------------------------------------------------------------- cells

    /// <summary>A unit of work and resume: its row keys and the hash of everything its result depends on.</summary>
    internal sealed record Cell(ExperimentSpec Spec, int Seed, string Variant, string Method, IReadOnlyList<string> Keys, string Hash)
    {
        public string Label => $"{Spec.Name} {Variant} {Method} seed {Seed}".Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>Every cell of a profile, in a stable order (shards take every n-th).</summary>
    internal static IReadOnlyList<Cell> Cells(Profile profile)
    {
        var cells = new List<Cell>();
        foreach (var spec in profile.Experiments)
        {
            foreach (var seed in spec.Seeds)
            {
                foreach (var (variant, method, rows) in CellsOf(spec))
                {
                    var keys = rows.Select(v => Key(spec, seed, v, method)).ToList();
                    cells.Add(new Cell(spec, seed, variant, method, keys, Hash(spec, seed, variant, method)));
                }
            }
        }

        return cells;
    }

    private static IEnumerable<(string Variant, string Method, IReadOnlyList<string> RowVariants)> CellsOf(ExperimentSpec spec)
    {
        var applicable = spec.Methods.Where(m => UnlearningMethods.All.First(e => e.Name == m).Supports(spec.Model) || m == "retrain").ToList();
        switch (spec.Kind)
        {
            case ExperimentKind.Main:
                yield return (string.Empty, "original", [string.Empty]);
                foreach (var m in applicable)
                {
                    yield return (string.Empty, m, [string.Empty]);
                }

                break;
            case ExperimentKind.Efficiency:
                foreach (var r in spec.Sweep ?? [spec.ForgetRatio])
                {
                    foreach (var m in applicable)
                    {
                        yield return (Invariant($"forget={r}"), m, [Invariant($"forget={r}")]);
                    }
                }

                foreach (var f in new[] { 0.25, 0.5, 1.0 })
                {
                    // Cached IAU needs the full training set's gradient, and its cost does not involve D_r at all.
                    foreach (var m in applicable.Where(m => m == "iau"))
                    {
                        yield return (Invariant($"retain={f}"), m, [Invariant($"retain={f}")]);
                    }
                }

                break;
            case ExperimentKind.Ablation:
                foreach (var v in new[] { "IA", "IA+GC", "IA+GR", "IA+GC+GR" })
                {
                    yield return (v, v, [v]);
                }

                break;
            case ExperimentKind.Sensitivity:
                foreach (var a in spec.Sweep ?? [spec.GrAlpha])
                {
                    yield return (Invariant($"alpha={a}"), "iau", [Invariant($"alpha={a}")]);
                }

                foreach (var (steps, lr) in new[] { (1, 1e-3), (1, 5e-3), (3, 1e-3), (5, 1e-3) })
                {
                    yield return (Invariant($"steps={steps},lr={lr}"), "iau", [Invariant($"steps={steps},lr={lr}")]);
                }

                foreach (var r in new[] { 0.01, 0.05, 0.1 })
                {
                    yield return (Invariant($"ratio={r}"), "iau", [Invariant($"ratio={r}")]);
                    yield return (Invariant($"ratio={r}"), "retrain", [Invariant($"ratio={r}")]);
                }

                break;
            case ExperimentKind.Sequential:
                var requests = Enumerable.Range(1, spec.Requests).Select(j => Invariant($"request={j}")).ToList();
                yield return ("stream", "iau-exact", requests);
                yield return ("stream", "iau-cached", requests);
                break;
            case ExperimentKind.Convex:
                foreach (var m in spec.Sweep ?? [10])
                {
                    var v = Invariant($"removed={m}");
                    yield return (v, "all", [v]);
                }

                break;
        }
    }

    private static string Key(ExperimentSpec spec, int seed, string variant, string method) =>
        Invariant($"{spec.Name}/ratio={spec.ForgetRatio}/{variant}/{method}/seed={seed}");

    private static string Hash(ExperimentSpec spec, int seed, string variant, string method)
    {
        var json = JsonSerializer.Serialize(new
        {
            spec = spec with { Seeds = [] },
            options = spec.Methods.ToDictionary(m => m, spec.OptionsFor),
            seed,
            variant,
            method,
            kit = Checkpoint.KitVersion,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);

    // ---------------------------------------------------------------- execution

    private IReadOnlyList<ResultRow> Execute(Cell cell) => cell.Spec.Kind switch
    {
        ExperimentKind.Main => [MainCell(cell)],
        ExperimentKind.Efficiency => [EfficiencyCell(cell)],
        ExperimentKind.Ablation => [AblationCell(cell)],
        ExperimentKind.Sensitivity => [SensitivityCell(cell)],
        ExperimentKind.Sequential => SequentialCell(cell),
        ExperimentKind.Convex => [ConvexCell(cell)],
        _ => throw new NotSupportedException(cell.Spec.Kind.ToString()),
    };

    private ResultRow MainCell(Cell cell)
    {
        var spec = cell.Spec;
        var data = Split(spec, cell.Seed, spec.ForgetRatio);
        var original = Original(spec, cell.Seed, spec.GrAlpha);
        if (cell.Method == "original")
        {
            var m = Measure(spec, cell.Seed, data, original.Model, spec.GrAlpha, seconds: null);
            return Row(cell, cell.Variant, m, new Dictionary<string, string>
            {
                ["epochs"] = original.Metadata.History.Count.ToString(CultureInfo.InvariantCulture),
                [RocNote.Key] = RocNote.Serialize(lastRoc!.Fpr, lastRoc.Tpr),
            });
        }

        var (metrics, notes) = RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, cell.Method, spec.OptionsFor(cell.Method));
        notes[RocNote.Key] = RocNote.Serialize(lastRoc!.Fpr, lastRoc.Tpr);
        return Row(cell, cell.Variant, metrics, notes);
    }

    private ResultRow EfficiencyCell(Cell cell)
    {
        var spec = cell.Spec;
        var value = double.Parse(cell.Variant[(cell.Variant.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var original = Original(spec, cell.Seed, spec.GrAlpha);
        if (cell.Variant.StartsWith("forget=", StringComparison.Ordinal))
        {
            var data = Split(spec, cell.Seed, value);
            var (metrics, notes) = RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, cell.Method, spec.OptionsFor(cell.Method), full: false);
            metrics["forget_size"] = data.Forget.Count;
            metrics["retain_size"] = data.Retain.Count;
            return Row(cell, cell.Variant, metrics, notes);
        }

        // retain=f: the same forget set, D_r cut to a fraction: how time grows with |D| (the cache only needs D_f).
        var full = Split(spec, cell.Seed, spec.ForgetRatio);
        using var retain = full.Retain.Subset(Enumerable.Range(0, (int)(full.Retain.Count * value)).ToArray());
        var method = UnlearningMethods.Create(cell.Method, MethodSettings.Parse(spec.OptionsFor(cell.Method)));
        var context = new UnlearningContext(cell.Seed, original.Metadata.Training);
        using var result = Unlearner.Run(method, original.Model, new UnlearningData(full.Forget, retain, full.Valid, full.Test), context, cancellationToken: cancellationToken);
        var m = new Dictionary<string, double>
        {
            ["RTE"] = result.Seconds,
            ["forget_size"] = full.Forget.Count,
            ["retain_size"] = retain.Count,
            ["FA"] = Evaluator.Accuracy(result.Model, full.Forget),
            ["TA"] = Evaluator.Accuracy(result.Model, full.Test),
        };
        return Row(cell, cell.Variant, m, result.Notes);
    }

    private ResultRow AblationCell(Cell cell)
    {
        var spec = cell.Spec;
        var gr = cell.Variant.Contains("GR", StringComparison.Ordinal);
        var alpha = gr ? spec.GrAlpha : 0;
        var method = cell.Variant.Contains("GC", StringComparison.Ordinal) ? "iau" : "ia";
        var data = Split(spec, cell.Seed, spec.ForgetRatio);
        var original = Original(spec, cell.Seed, alpha);
        var (metrics, notes) = RunMethod(spec, cell.Seed, data, original, alpha, method, []);
        notes["method"] = method;
        notes["original GR alpha"] = alpha.ToString(CultureInfo.InvariantCulture);
        return Row(cell, cell.Variant, metrics, notes);
    }

    private ResultRow SensitivityCell(Cell cell)
    {
        var spec = cell.Spec;
        var v = cell.Variant;
        if (v.StartsWith("alpha=", StringComparison.Ordinal))
        {
            var alpha = double.Parse(v[6..], CultureInfo.InvariantCulture);
            var data = Split(spec, cell.Seed, spec.ForgetRatio);
            var original = Original(spec, cell.Seed, alpha);
            var (metrics, notes) = RunMethod(spec, cell.Seed, data, original, alpha, "iau", []);
            return Row(cell, v, metrics, notes);
        }

        if (v.StartsWith("steps=", StringComparison.Ordinal))
        {
            var parts = v.Split(',');
            var data = Split(spec, cell.Seed, spec.ForgetRatio);
            var original = Original(spec, cell.Seed, spec.GrAlpha);
            var (metrics, notes) = RunMethod(spec, cell.Seed, data, original, spec.GrAlpha, "iau", parts);
            return Row(cell, v, metrics, notes);
        }

        var ratio = double.Parse(v[6..], CultureInfo.InvariantCulture);
        var d = Split(spec, cell.Seed, ratio);
        var o = Original(spec, cell.Seed, spec.GrAlpha);
        var (m, n) = RunMethod(spec, cell.Seed, d, o, spec.GrAlpha, cell.Method, []);
        return Row(cell, v, m, n);
    }

    private IReadOnlyList<ResultRow> SequentialCell(Cell cell)
    {
        var spec = cell.Spec;
        var data = Split(spec, cell.Seed, spec.ForgetRatio);
        var original = Original(spec, cell.Seed, spec.GrAlpha);
        var split = data.Split;

        // Requests: disjoint random 1% slices of the training split, rows of data.Train.
        var order = TensorData.Permutation(split.Train.Length, cell.Seed + 7919);
        var size = Math.Max(1, split.Train.Length / 100);
        var requests = Enumerable.Range(0, spec.Requests).Select(j => new DeletionRequest(order.Skip(j * size).Take(size).ToArray())).ToList();
        using var cache = cell.Method == "iau-cached" ? CacheFor(original, data.Train.Count) : null;
        var rows = new List<ResultRow>();
        var removed = new List<int>();
        var (final, steps) = SequentialUnlearning.Run(
            original.Model,
            data.Train,
            requests,
            cache: cache,
            afterEach: (j, model) =>
            {
                removed.AddRange(requests[j - 1].Rows);
                using var forgotten = data.Train.Subset(removed);
                var metrics = new Dictionary<string, double>
                {
                    ["TA"] = Evaluator.Accuracy(model, data.Test),
                    ["FA"] = Evaluator.Accuracy(model, forgotten),
                    ["removed"] = removed.Count,
                };
                rows.Add(Row(cell, Invariant($"request={j}"), metrics, new Dictionary<string, string>()));
            },
            cancellationToken: cancellationToken);
        using (final)
        {
            for (var j = 0; j < rows.Count; j++)
            {
                var m = new Dictionary<string, double>(rows[j].Metrics) { ["RTE"] = steps[j].Seconds };
                rows[j] = rows[j] with { Metrics = m, Notes = new Dictionary<string, string> { ["retain gradient"] = steps[j].RetainGradientSource } };
            }
        }

        return rows;
    }

    private ResultRow ConvexCell(Cell cell)
    {
        var spec = cell.Spec;
        var removedCount = (int)double.Parse(cell.Variant[(cell.Variant.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var data = Split(spec, cell.Seed, spec.ForgetRatio);
        var l2 = 1e-3;
        var info = data.Dataset.Info;
        using var star = ModelFactory.Create("logreg", info.InputShape.Select(x => (long)x).ToArray(), info.Classes, cell.Seed);
        ConvexSolver.Fit(star, data.Train, new ConvexSolverOptions(L2: l2), cancellationToken: cancellationToken);

        var rows = TensorData.Permutation(data.Train.Count, cell.Seed + 104729).Take(removedCount).ToHashSet();
        using var forget = data.Train.Subset(rows.Order().ToArray());
        using var retain = data.Train.Subset(Enumerable.Range(0, data.Train.Count).Where(i => !rows.Contains(i)).ToArray());
        using var retrained = star.Clone();
        var watch = Stopwatch.StartNew();
        ConvexSolver.Fit(retrained, retain, new ConvexSolverOptions(L2: l2, WarmStart: true), cancellationToken: cancellationToken);
        var retrainSeconds = watch.Elapsed.TotalSeconds;

        var recipe = TrainingOptions.Paper with { WeightDecay = l2 };
        var context = new UnlearningContext(cell.Seed, recipe);
        var udata = new UnlearningData(forget, retain);
        var metrics = new Dictionary<string, double> { ["retrain_seconds"] = retrainSeconds };
        using var thetaStar = new ParameterVector(Gradients.Trainable(star).Select(p => p.detach().clone()).ToArray());
        using var thetaRetrain = new ParameterVector(Gradients.Trainable(retrained).Select(p => p.detach().clone()).ToArray());
        using var shift = thetaRetrain.Clone();
        shift.Combine(1, thetaStar, -1);
        var shiftNorm = shift.Norm();
        metrics["shift_norm"] = shiftNorm;
        foreach (var (name, settings) in new (string, string[])[] { ("iau", []), ("iu", ["solver=exact", "damping=0"]), ("certified", [Invariant($"lambda={l2}")]) })
        {
            var methodSettings = name == "iu" && star.ParameterCount > ExactHessian.DefaultMaxParameters
                ? ["solver=cg", "damping=0", "iterations=200", "tolerance=1e-8", Invariant($"l2={l2}")]
                : name == "iu" ? [.. settings, Invariant($"l2={l2}")] : settings;
            using var r = Unlearner.Run(UnlearningMethods.Create(name, MethodSettings.Parse(methodSettings)), star, udata, context, cancellationToken: cancellationToken);
            using var theta = new ParameterVector(Gradients.Trainable(r.Model).Select(p => p.detach().clone()).ToArray());
            using var err = theta.Clone();
            err.Combine(1, thetaRetrain, -1);
            using var step = theta.Clone();
            step.Combine(1, thetaStar, -1);
            metrics[$"{name}_error"] = err.Norm() / shiftNorm;
            metrics[$"{name}_cosine"] = step.Cosine(shift);
            metrics[$"{name}_seconds"] = r.Seconds;
        }

        return Row(cell, cell.Variant, metrics, new Dictionary<string, string> { ["l2"] = l2.ToString(CultureInfo.InvariantCulture) });
    }

    // ---------------------------------------------------------------- shared pieces

    private (Dictionary<string, double> Metrics, Dictionary<string, string> Notes) RunMethod(
        ExperimentSpec spec, int seed, SplitData data, LoadedCheckpoint original, double alpha, string method, IReadOnlyList<string> methodOptions, bool full = true)
    {
        var retrain = full || method == "retrain" ? Retrained(spec, seed, data, original, alpha) : null;
        if (method == "retrain")
        {
            var rs = retrain!.Metadata.Metrics["unlearn_seconds"];
            var m = full ? Measure(spec, seed, data, retrain.Model, alpha, rs, retrain) : Quick(data, retrain.Model, rs);
            return (m, new Dictionary<string, string> { ["notes"] = retrain.Metadata.Notes ?? string.Empty });
        }

        var unlearning = UnlearningMethods.Create(method, MethodSettings.Parse(methodOptions));
        using var cache = method == "iau-cached" ? CacheFor(original, data.Train.Count) : null;
        var context = new UnlearningContext(seed, original.Metadata.Training, cache);
        using var result = Unlearner.Run(unlearning, original.Model, new UnlearningData(data.Forget, data.Retain, data.Valid, data.Test), context, cancellationToken: cancellationToken);
        var metrics = full ? Measure(spec, seed, data, result.Model, alpha, result.Seconds, retrain) : Quick(data, result.Model, result.Seconds);
        if (retrain is not null)
        {
            metrics["Speedup"] = retrain.Metadata.Metrics["unlearn_seconds"] / Math.Max(result.Seconds, 1e-9);
        }

        return (metrics, new Dictionary<string, string>(result.Notes) { ["description"] = result.Description });
    }

    private static Dictionary<string, double> Quick(SplitData data, IauModel model, double seconds) => new()
    {
        ["TA"] = Evaluator.Accuracy(model, data.Test),
        ["FA"] = Evaluator.Accuracy(model, data.Forget),
        ["RTE"] = seconds,
    };

    /// <summary>Every metric of a model against Retrain (design §3).</summary>
    private Dictionary<string, double> Measure(ExperimentSpec spec, int seed, SplitData data, IauModel model, double alpha, double? seconds, LoadedCheckpoint? retrain = null)
    {
        var attack = Attack(spec, seed, data);
        var acc = Accuracies.Compute(model, data.Test, data.Retain, data.Forget);
        var roc = LossAttack.Roc(model, data.Forget, data.Test);
        lastRoc = roc;
        var m = new Dictionary<string, double>
        {
            ["TA"] = acc.Test,
            ["RA"] = acc.Retain,
            ["FA"] = acc.Forget,
            ["UA"] = 1 - acc.Forget,
            ["MIA_shadow"] = attack.MemberRate(model, data.Forget),
            ["MIA_entropy"] = EntropyAttack.Efficacy(model, data.Retain, data.Test, data.Forget, seed),
            ["AUC_loss"] = roc.Auc,
        };
        if (seconds is double s)
        {
            m["RTE"] = s;
        }

        if (retrain is not null)
        {
            m["L2_retrain"] = Distances.ParameterL2(model, retrain.Model);
            m["JS_forget"] = Distances.JsDivergence(model, retrain.Model, data.Forget);
            m["JS_test"] = Distances.JsDivergence(model, retrain.Model, data.Test);
            var key = RetrainKey(spec, seed, data, alpha);
            if (!retrainMetrics.TryGetValue(key, out var rm))
            {
                rm = ReferenceEquals(model, retrain.Model) ? new Dictionary<string, double>(m) : Measure(spec, seed, data, retrain.Model, alpha, null);
                retrainMetrics[key] = rm;
            }

            m["AvgGap"] = Aggregation.AvgGap(m, rm, ["TA", "RA", "FA", "MIA_shadow"]);
        }

        return m;
    }

    private ResultRow Row(Cell cell, string variant, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> notes) =>
        new(cell.Spec.Kind.ToString().ToLowerInvariant(), Key(cell.Spec, cell.Seed, variant, cell.Method), cell.Hash, cell.Spec.Dataset, cell.Spec.Model,
            cell.Method, variant, cell.Seed, metrics, notes, Checkpoint.KitVersion, DateTimeOffset.UtcNow);

    private LoadedDataset Dataset(string name)
    {
        if (!datasets.TryGetValue(name, out var d))
        {
            d = DatasetLoader.Load(name, options.Load);
            datasets[name] = d;
        }

        return d;
    }

    /// <summary>The split of a seed (train/valid shuffled with the seed, forget = a seeded random ratio), limited for small profiles.</summary>
    private SplitData Split(ExperimentSpec spec, int seed, double ratio)
    {
        var key = Invariant($"{spec.Dataset}/{seed}/{ratio}/{spec.TrainLimit}");
        if (!splits.TryGetValue(key, out var s))
        {
            var data = Dataset(spec.Dataset);
            var split = DataSplit.Create(data, new SplitOptions(seed, 0.2, ForgetRequest.ByRatio(ratio, seed)));
            if (spec.TrainLimit is int n)
            {
                split = split.Limit(n, Math.Max(1, n / 4), data.Train.Labels, data.Info.Classes);
            }

            s = SplitData.Create(data, split, options.Device);
            splits[key] = s;
        }

        return s;
    }

    private TrainingOptions Recipe(ExperimentSpec spec, int seed, double alpha) =>
        TrainingOptions.Paper with { GrAlpha = alpha, MaxEpochs = spec.MaxEpochs, Patience = spec.Patience, Seed = seed };

    /// <summary>The original model of (dataset, model, seed, α, recipe, limit), trained once and cached on disk.</summary>
    private LoadedCheckpoint Original(ExperimentSpec spec, int seed, double alpha)
    {
        var data = Split(spec, seed, spec.ForgetRatio);
        var recipe = Recipe(spec, seed, alpha);
        var hash = ShortHash($"original/{spec.Dataset}/{spec.Model}/{data.Split.TrainingFingerprint}/{JsonSerializer.Serialize(recipe)}/{Checkpoint.KitVersion}");
        var path = Path.Combine(CacheDir, $"original-{spec.Model}-{hash}.ckpt");
        if (models.TryGetValue(path, out var loaded))
        {
            return loaded;
        }

        if (!File.Exists(path))
        {
            progress?.Report(new ReproductionProgress($"train original {spec.Model} α={alpha} seed {seed}", 0, 0, false, "training"));
            TrainedModel.Train(data, new TrainSpec(spec.Model, recipe, seed, StoreGradient: true), path, cancellationToken: cancellationToken);
        }

        loaded = Checkpoint.Load(path);
        loaded.Model.to(options.Device ?? torch.CPU);
        models[path] = loaded;
        return loaded;
    }

    private string RetrainKey(ExperimentSpec spec, int seed, SplitData data, double alpha) =>
        ShortHash($"retrain/{spec.Model}/{data.Split.TrainingFingerprint}/{string.Join(",", data.Split.Forget)}/{JsonSerializer.Serialize(Recipe(spec, seed, alpha))}/{Checkpoint.KitVersion}");

    /// <summary>Retrain on D_r with the original's recipe, cached on disk (the seconds are kept in its metrics).</summary>
    private LoadedCheckpoint Retrained(ExperimentSpec spec, int seed, SplitData data, LoadedCheckpoint original, double alpha)
    {
        var path = Path.Combine(CacheDir, $"retrain-{spec.Model}-{RetrainKey(spec, seed, data, alpha)}.ckpt");
        if (models.TryGetValue(path, out var loaded))
        {
            return loaded;
        }

        if (!File.Exists(path))
        {
            progress?.Report(new ReproductionProgress($"retrain {spec.Model} α={alpha} seed {seed}", 0, 0, false, "training"));
            var context = new UnlearningContext(seed, original.Metadata.Training);
            using var r = Unlearner.Run(new Retrain(), original.Model, new UnlearningData(data.Forget, data.Retain, data.Valid, data.Test), context, cancellationToken: cancellationToken);
            var meta = original.Metadata with
            {
                Metrics = new Dictionary<string, double> { ["unlearn_seconds"] = r.Seconds },
                History = [],
                Notes = $"retrained on D_r ({data.Retain.Count} samples): {string.Join("; ", r.Notes.Select(kv => $"{kv.Key}: {kv.Value}"))}",
                ExtraTensors = [],
            };
            Checkpoint.Save(path, r.Model, meta);
        }

        loaded = Checkpoint.Load(path);
        loaded.Model.to(options.Device ?? torch.CPU);
        models[path] = loaded;
        return loaded;
    }

    /// <summary>The shadow-model attack of (dataset, model, seed), trained on the validation split (disjoint from train), cached.</summary>
    private ShadowModelAttack Attack(ExperimentSpec spec, int seed, SplitData data)
    {
        var shadowOptions = new ShadowAttackOptions(Shadows: spec.Shadows, ShadowTraining: TrainingOptions.Paper with { MaxEpochs = spec.ShadowEpochs, Patience = null, Seed = seed });
        var hash = ShortHash($"shadow/{spec.Dataset}/{spec.Model}/{data.Split.TrainingFingerprint}/{JsonSerializer.Serialize(shadowOptions)}/{Checkpoint.KitVersion}");
        var path = Path.Combine(CacheDir, $"shadow-{spec.Model}-{hash}.bin");
        if (attacks.TryGetValue(path, out var attack))
        {
            return attack;
        }

        var info = data.Dataset.Info;
        var shape = info.InputShape.Select(x => (long)x).ToArray();
        if (File.Exists(path))
        {
            attack = ShadowModelAttack.Load(path);
        }
        else
        {
            progress?.Report(new ReproductionProgress($"shadow attack {spec.Model} seed {seed}", 0, 0, false, "training"));
            attack = ShadowModelAttack.Fit(s => ModelFactory.Create(spec.Model, shape, info.Classes, s), data.Valid, shadowOptions, seed, cancellationToken: cancellationToken);
            attack.Save(path);
        }

        attacks[path] = attack;
        return attack;
    }

    private static GradientCache? CacheFor(LoadedCheckpoint original, int trainCount)
    {
        var cache = GradientCache.FromTensors(original.Extras);
        if (cache is not null && cache.Count != trainCount)
        {
            cache.Dispose();
            throw new InvalidOperationException($"The original's gradient cache averages {cache.Count} samples, not {trainCount}.");
        }

        return cache;
    }

    private static string ShortHash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16];
}
