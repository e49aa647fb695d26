using Iau.Evaluation;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Iau.Data;
using Iau.Models;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Audit;

/// <summary>
/// The per-example forgetting audit: builds (or finds in its cache) a pool of models retrained from scratch on
/// D_r, a pool of originals (no unlearning) and one pool per method, then scores every pool against the retrained
/// one with the challenge's ε-score (<see cref="EpsilonScore"/>) and U-LiRA (<see cref="ULira"/>), beside two
/// noise floors at the same N as every other pool: a second, independent pool of N retrained models (what perfect
/// unlearning scores) and the originals (what no unlearning scores). F is an estimate from N models per side and moves
/// with N even between identical distributions, so a pool is read against the floors at its own N, never against a
/// fixed value such as 1.
/// <para>
/// Pools: model k (k = 1..N) of the retrained pool is trained from initial weights of seed k with shuffle seed k;
/// original k likewise on D_train = D_r ∪ D_f. Design (b) unlearns original k once with seed k; design (a)
/// unlearns original 1 N times with seeds 1..N. The perfect-unlearning floor is the retrained pool of seeds N+1..2N;
/// "retrain" listed as a method is that same pool (its row repeats the floor's numbers).
/// Every model is a record keyed by the hash of what determines it (data and split fingerprints, D_f, model,
/// recipe, seeds, method settings), so pools are shared across methods and reruns, and a run killed at any
/// point resumes: records and checkpoints are written atomically, trainings resume from their last epoch.
/// Shard i/n builds lineages k ≡ i (mod n) (original k, retrained k and every method's model k); merge the
/// shards' folders with <see cref="PoolStore.Merge"/>, then a run without shard computes the scores.
/// </para>
/// </summary>
public static class ForgettingAudit
{
    /// <summary>Name of the perfect-unlearning floor: a second pool of N retrained models (seeds N+1..2N).</summary>
    public const string RetrainFloor = "floor: retrain (second pool)";

    /// <summary>Estimate of an audit model with no recorded time of its method, dataset and model.</summary>
    public const double UnknownSeconds = 60;

    /// <summary>The timing log's kind of an audit model's record (not "audit", the reproduction's audit cells).</summary>
    private const string TimingKind = "audit-model";

    /// <summary>Name of the noise floor "original, no unlearning".</summary>
    public const string OriginalFloor = "floor: original (no unlearning)";

    /// <summary>Loads the dataset, makes the split and runs the audit (see the type remarks).</summary>
    public static AuditSummary Run(AuditOptions options, IProgress<AuditProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var data = Prepare(options);
        return Run(options, data, progress, cancellationToken);
    }

    /// <summary>Loads the dataset and makes the audit's split (D_f, D_r, validation, test) on the runtime's device.</summary>
    public static SplitData Prepare(AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var dataset = DatasetLoader.Load(options.Dataset, options.Load);
        var split = DataSplit.Standard(dataset, options.SplitSeed, ForgetRequest.ByRatio(options.ForgetRatio, options.ForgetSeed), options.TrainLimit);
        return SplitData.Create(dataset, split, IauRuntime.Device);
    }

    /// <summary>
    /// What the audit still has to build, and how long it should take on <see cref="AuditOptions.EffectiveWorkers"/>
    /// workers (<c>iau audit --plan</c>). Every model an audit builds appends its time to the kit's timing log
    /// (<see cref="TimingLog.Path"/>) under a signature of what determines its cost (dataset, model,
    /// recipe, |D_r| and |D_f|, design, and the method with its settings) and its work size (training samples × epochs);
    /// a pending model is estimated at the median of the recorded models of its signature, else at the median time per
    /// unit of work of its dataset, model and method under other settings, scaled to its own work size, else
    /// <see cref="UnknownSeconds"/> (counted as unmeasured). The wall time list-schedules the
    /// trainings, then the unlearning runs (they need the originals), in run order on the workers; the recorded times were
    /// measured with the workers of their own run, so an estimate for another worker count is rougher.
    /// </summary>
    public static AuditPlan Estimate(AuditOptions options, SplitData data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        options.Validate();
        var plan = new Plan(options, data);
        var store = new PoolStore(options.OutDir);
        var log = TimingLog.Read().Where(r => r.Kind == TimingKind).ToList();
        var rows = new List<AuditPlanRow>();
        var wall = 0.0;
        foreach (var jobs in new[] { plan.TrainingJobs(store), plan.UnlearningJobs(store) })
        {
            var pending = jobs.Where(j => !j.Done()).ToList();
            var each = jobs.Select(j => j.Method).Distinct().ToDictionary(m => m, m =>
            {
                var signature = plan.TimingSignature(m);
                return TimingLog.ScaledMedianOf(
                    UnknownSeconds,
                    plan.Work(m),
                    log.Where(r => r.Signature == signature && r.Method == m),
                    log.Where(r => r.Dataset == options.Dataset && r.Model == options.Model && r.Method == m));
            });
            wall += TimingLog.Makespan(pending.Select(j => each[j.Method].Seconds), options.EffectiveWorkers);
            foreach (var (m, (seconds, measured)) in each)
            {
                var left = pending.Count(j => j.Method == m);
                rows.Add(new AuditPlanRow(m, left, jobs.Count(j => j.Method == m) - left, seconds, measured));
            }
        }

        return new AuditPlan(rows, wall, options.EffectiveWorkers);
    }

    /// <summary>Runs the audit on prepared data (its forget set is D_f).</summary>
    public static AuditSummary Run(AuditOptions options, SplitData data, IProgress<AuditProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var plan = new Plan(options, data);
        var store = new PoolStore(options.OutDir);
        var gate = new object();
        var report = new LockedProgress<AuditProgress>(progress, gate);

        // Phase 1: trainings (originals, retrained); phase 2: unlearning runs (they need the originals).
        var built = 0;
        var cached = 0;
        foreach (var (stage, jobs) in new[] { ("train", plan.TrainingJobs(store)), ("unlearn", plan.UnlearningJobs(store)) })
        {
            var todo = jobs.Where(j => !j.Done()).ToList();
            cached += jobs.Count(j => j.CountsAsModel) - todo.Count(j => j.CountsAsModel);
            var done = 0;
            ParallelWorkers.Run(
                todo.Select(j => (Action<CancellationToken>)(ct =>
                {
                    var seconds = j.Run(ct);
                    TimingLog.Append(new CellTiming(plan.TimingSignature(j.Method), TimingKind, options.Dataset, options.Model, j.Method, string.Empty, seconds, options.EffectiveWorkers, Run: "audit", Work: plan.Work(j.Method)));
                    lock (gate)
                    {
                        done++;
                        if (j.CountsAsModel)
                        {
                            built++;
                        }
                    }

                    report.Report(new AuditProgress(stage, done, todo.Count, string.Create(CultureInfo.InvariantCulture, $"{j.Name} ({seconds:F1} s)")));
                })).ToList(),
                options.EffectiveWorkers,
                cancellationToken);
        }

        var rows = plan.Complete(store, out var missing) ? Score(options, plan, store, data.Forget.Count, report.Report) : null;
        var summary = new AuditSummary(options, data.Forget.Count, data.Retain.Count, built, cached, clock.Elapsed.TotalSeconds, rows, missing);
        if (rows is not null)
        {
            WriteOutputs(summary);
        }

        return summary;
    }

    /// <summary>Scores every pool against the retrained one, with both noise floors first.</summary>
    private static List<AuditRow> Score(AuditOptions o, Plan plan, PoolStore store, int forgetCount, Action<AuditProgress> report)
    {
        PoolRecord[] Load(IEnumerable<string> keys) => keys.Select(k => store.ReadChecked(k, forgetCount)).ToArray();
        var retrained = Load(plan.RetrainKeys);
        var floor = Load(plan.MethodKeys("retrain"));
        var pools = new List<(string Name, PoolRecord[] Pool, PoolRecord[] Reference)>
        {
            (RetrainFloor, floor, retrained),
            (OriginalFloor, Load(plan.OriginalKeys), retrained),
        };
        foreach (var m in o.Methods)
        {
            pools.Add((m, m.Equals("retrain", StringComparison.OrdinalIgnoreCase) ? floor : Load(plan.MethodKeys(m)), retrained));
        }

        var rows = new List<AuditRow>();
        for (var p = 0; p < pools.Count; p++)
        {
            var (name, pool, reference) = pools[p];
            report(new AuditProgress("score", p, pools.Count, name));
            // "retrain" as a method is the floor's pool: its row is the floor's, scored once.
            rows.Add(p > 0 && ReferenceEquals(pool, floor)
                ? rows[0] with { Name = name, Note = string.Join("; ", new[] { "the same pool as the perfect-unlearning floor", rows[0].Note }.Where(s => s.Length > 0)) }
                : ScorePool(o, name, pool, reference));
        }

        report(new AuditProgress("score", pools.Count, pools.Count, "done"));
        return rows;
    }

    /// <summary>
    /// F, final score, U-LiRA and their intervals for one pool against a reference pool. A model whose outputs are
    /// not finite (a method that diverged: NaN weights) has no confidences to score: ε and U-LiRA are computed over
    /// the other models, with the model of the same index in the other pool left out too when both pools are of one
    /// size (so that both fits keep one size). This holds for either pool: a retrained reference model that diverged
    /// is left out with the pool's model of its index. RA, TA, FA — and through them the final score — average every
    /// model, the diverged ones included; the note says how many diverged in each pool. With fewer than 2 finite
    /// models on either side the scores are NaN.
    /// </summary>
    internal static AuditRow ScorePool(AuditOptions o, string name, PoolRecord[] pool, PoolRecord[] reference)
    {
        var (raU, taU) = (pool.Average(x => x.RetainAccuracy), pool.Average(x => x.TestAccuracy));
        static bool Finite(PoolRecord m) => m.Confidences.All(double.IsFinite);
        var paired = pool.Length == reference.Length;
        var kept = Enumerable.Range(0, pool.Length).Where(i => Finite(pool[i]) && (!paired || Finite(reference[i]))).ToArray();
        var keptReference = paired ? kept : [.. Enumerable.Range(0, reference.Length).Where(i => Finite(reference[i]))];
        var (diverged, referenceDiverged) = (pool.Count(m => !Finite(m)), reference.Count(m => !Finite(m)));
        var divergedNote = string.Join("; ", new[]
        {
            diverged == 0 ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $"{diverged} of {pool.Length} models diverged (non-finite outputs)"),
            referenceDiverged == 0 ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $"{referenceDiverged} of {reference.Length} retrained reference models diverged (non-finite outputs)"),
            diverged + referenceDiverged == 0 ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $"ε and U-LiRA over {kept.Length} models against {keptReference.Length}{(paired ? " (left out by index in both pools)" : string.Empty)}, accuracies over all"),
        }.Where(n => n.Length > 0));
        if (kept.Length < 2 || keptReference.Length < 2)
        {
            var none = new Interval(double.NaN, double.NaN, double.NaN);
            return new AuditRow(name, pool.Length, reference.Length, none, none, new ULiraResult(double.NaN, double.NaN, double.NaN, double.NaN, 0), none, raU, taU,
                pool.Average(x => x.ForgetAccuracy), pool.Average(x => x.Seconds), [], divergedNote);
        }

        var u = kept.Select(i => pool[i].Confidences).ToArray();
        var r = keptReference.Select(i => reference[i].Confidences).ToArray();
        var eps = EpsilonScore.Compute(u, r);
        var (raR, taR) = (reference.Average(x => x.RetainAccuracy), reference.Average(x => x.TestAccuracy));
        var ratio = EpsilonScore.Final(1, raU, raR, taU, taR);
        var examples = eps.Points.Length;
        // F's interval: models of both pools and forget examples resampled (ModelBootstrapSamples resamples, each an ε
        // computation), or the examples alone with the models fixed (ModelBootstrapSamples = 0).
        var forget = o.ModelBootstrapSamples > 0
            ? Bootstrap.OverModelsAndExamples(u.Length, r.Length, (ui, ri) => EpsilonScore.Compute([.. ui.Select(i => u[i])], [.. ri.Select(i => r[i])]).Points,
                o.ModelBootstrapSamples, o.BootstrapSeed)
            : Bootstrap.Of(examples, idx => idx.Average(i => eps.Points[i]), o.BootstrapSamples, o.BootstrapSeed);
        var final = new Interval(forget.Value * ratio, forget.Low * ratio, forget.High * ratio);
        var (pos, neg) = ULira.Scores(u, r);
        var ulira = ULira.FromScores(pos.SelectMany(x => x).ToList(), neg.SelectMany(x => x).ToList());
        // The AUC's resamples sort N·|D_f| scores each: fewer of them (at most 200). With models resampled for F, the
        // AUC's resamples draw the target models of both pools too (pos[i][j]: example i, unlearned model j).
        var aucSamples = Math.Min(o.BootstrapSamples, 200);
        var auc = o.ModelBootstrapSamples > 0
            ? Bootstrap.OverExamplesAndTargets(
                examples,
                u.Length,
                r.Length,
                (ei, ui, ri) => Iau.Evaluation.RocCurve.MannWhitneyAuc([.. ei.SelectMany(i => ui.Select(j => pos[i][j]))], [.. ei.SelectMany(i => ri.Select(j => neg[i][j]))]),
                aucSamples,
                o.BootstrapSeed + 1)
            : Bootstrap.Of(
                examples,
                idx => Iau.Evaluation.RocCurve.MannWhitneyAuc(idx.SelectMany(i => pos[i]).ToList(), idx.SelectMany(i => neg[i]).ToList()),
                aucSamples,
                o.BootstrapSeed + 1);
        var note = string.Join("; ", new[]
        {
            u.Skip(1).All(m => m.SequenceEqual(u[0])) ? "all models identical (a deterministic method under design a: ε = 50 by the challenge's rule)" : string.Empty,
            divergedNote,
        }.Where(n => n.Length > 0));
        return new AuditRow(name, pool.Length, reference.Length, forget, final, ulira, auc, raU, taU,
            pool.Average(x => x.ForgetAccuracy), pool.Average(x => x.Seconds), eps.Epsilons, note);
    }

    /// <summary>
    /// A model of a pool trained from scratch is deterministic given its seed, so a training whose outputs are not
    /// finite is run once more: a second run that is finite shows the first was corrupted (TorchSharp 0.107 can free a
    /// native Scalar that a running op still reads when another worker's allocation triggers a collection;
    /// environment.md), and a second that is not finite is a real divergence, kept and scored as such
    /// (<see cref="ScorePool"/>). Returns the value kept and whether it is the second.
    /// </summary>
    internal static (T Value, bool Second) FiniteOrSecondTry<T>(Func<T> train, Func<T, bool> finite, Action<T> discard)
    {
        var first = train();
        if (finite(first))
        {
            return (first, false);
        }

        discard(first);
        return (train(), true);
    }

    private static void WriteOutputs(AuditSummary summary)
    {
        var dir = summary.Options.OutDir;
        Write(Path.Combine(dir, "audit.md"), summary.ToMarkdown());
        var json = JsonSerializer.Serialize(
            new
            {
                summary.Options.Dataset,
                summary.Options.Model,
                summary.Options.Pool,
                Design = summary.Options.Design.ToString(),
                summary.Options.Methods,
                summary.Options.TrainLimit,
                summary.Options.ForgetRatio,
                summary.ForgetCount,
                summary.RetainCount,
                summary.Seconds,
                summary.Rows,
            },
            new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        Write(Path.Combine(dir, "audit.json"), json);
    }

    private static void Write(string path, string text) => Runtime.TempFiles.WriteAllText(path, text);

    /// <summary>Reads the rows written by a finished audit (audit.json in <paramref name="outDir"/>).</summary>
    /// <exception cref="FileNotFoundException">No finished audit there.</exception>
    public static IReadOnlyList<AuditRow> ReadRows(string outDir)
    {
        var path = Path.Combine(outDir, "audit.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no finished audit (run `iau audit` first).");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("Rows").Deserialize<List<AuditRow>>(
            new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals })
            ?? throw new InvalidDataException($"{path}: no rows.");
    }

    /// <summary>A unit of work: trains or unlearns one model (or only an original's checkpoint).</summary>
    /// <summary>One model to build; <paramref name="Method"/>: "original", "retrain" or the unlearning method (its cost class).</summary>
    private sealed record Job(string Name, string Method, bool CountsAsModel, Func<bool> Done, Func<CancellationToken, double> Run);

    /// <summary>The jobs and keys of one audit.</summary>
    private sealed class Plan
    {
        private readonly AuditOptions o;
        private readonly SplitData data;
        private readonly TrainingOptions recipe;
        private readonly string trainingContext;
        private readonly string forgetContext;

        public Plan(AuditOptions options, SplitData data)
        {
            o = options;
            this.data = data;
            recipe = options.EffectiveTraining;
            var info = data.Dataset.Info;
            trainingContext = string.Join('|', info.Name, data.Dataset.Fingerprint, data.Split.TrainingFingerprint, options.Model, Json(recipe), Checkpoint.KitVersion);
            forgetContext = PoolKey.Of(trainingContext, string.Join(',', data.Split.Forget));
        }

        /// <summary>Lineages k (1..N) this shard builds.</summary>
        private IEnumerable<int> Owned => Enumerable.Range(1, o.Pool).Where(k => (k - 1) % o.ShardCount == o.ShardIndex);

        public IEnumerable<string> RetrainKeys => Enumerable.Range(1, o.Pool).Select(RetrainKey);

        public IEnumerable<string> OriginalKeys => Enumerable.Range(1, o.Pool).Select(OriginalRecordKey);

        public IEnumerable<string> MethodKeys(string method) => Enumerable.Range(1, o.Pool).Select(k => MethodKey(method, k));

        /// <summary>Whether every record the scores need exists; <paramref name="missing"/> counts those that do not.</summary>
        public bool Complete(PoolStore store, out int missing)
        {
            var keys = RetrainKeys.Concat(OriginalKeys).Concat(MethodKeys("retrain")).Concat(o.Methods.SelectMany(MethodKeys));
            missing = keys.Count(k => !store.Has(k));
            return missing == 0;
        }

        public List<Job> TrainingJobs(PoolStore store)
        {
            var jobs = new List<Job>();
            var originals = Owned.ToHashSet();
            if (o.Design == PoolDesign.A && o.Methods.Any(m => !IsRetrain(m)))
            {
                originals.Add(1); // every shard needs original 1's checkpoint under design (a)
            }

            foreach (var k in originals.Order())
            {
                var record = Owned.Contains(k);
                // The checkpoint is needed only while an unlearned model of it is missing (merged shards carry records only).
                bool NeedsCheckpoint() => !File.Exists(OriginalCheckpoint(store, k)) && o.Methods.Where(m => !IsRetrain(m))
                    .Any(m => Owned.Where(j => (o.Design == PoolDesign.B ? j : 1) == k).Any(j => !store.Has(MethodKey(m, j))));
                jobs.Add(new Job($"original {k}", "original", record,
                    () => !NeedsCheckpoint() && (!record || store.Has(OriginalRecordKey(k))),
                    ct => TrainOriginal(store, k, record, ct)));
            }

            foreach (var k in Owned)
            {
                jobs.Add(new Job($"retrain {k}", "retrain", true, () => store.Has(RetrainKey(k)), ct => TrainRetrain(store, k, RetrainKey(k), ct)));
                var second = MethodKey("retrain", k);
                jobs.Add(new Job($"retrain (floor) {o.Pool + k}", "retrain", true, () => store.Has(second), ct => TrainRetrain(store, o.Pool + k, second, ct)));
            }

            return jobs;
        }

        public List<Job> UnlearningJobs(PoolStore store)
        {
            var jobs = new List<Job>();
            foreach (var k in Owned)
            {
                foreach (var m in o.Methods.Where(m => !IsRetrain(m)))
                {
                    var key = MethodKey(m, k);
                    jobs.Add(new Job($"{m} {k}", m, true, () => store.Has(key), ct => Unlearn(store, m, k, key, ct)));
                }
            }

            return jobs;
        }

        /// <summary>What determines the cost of one model of <paramref name="method"/> (the timing log's signature).</summary>
        public string TimingSignature(string method) => PoolKey.Of(
            "audit-model", o.Dataset, o.Model, Json(recipe), data.Retain.Count.ToString(CultureInfo.InvariantCulture), data.Forget.Count.ToString(CultureInfo.InvariantCulture),
            o.Design.ToString(), method, string.Join(',', o.MethodOptions?.GetValueOrDefault(method) ?? []));

        /// <summary>
        /// The work size of one model of <paramref name="method"/> for the timing log: training samples × epochs — the
        /// originals' D_r ∪ D_f and the retrained models' D_r times the recipe's epoch cap; an unlearning method's
        /// D_r ∪ D_f times its <c>epochs</c> setting (given, else declared default; 1 for a method without one).
        /// </summary>
        public double Work(string method)
        {
            var all = data.Retain.Count + data.Forget.Count;
            if (method.Equals("original", StringComparison.OrdinalIgnoreCase) || IsRetrain(method))
            {
                return (IsRetrain(method) ? data.Retain.Count : all) * (double)recipe.MaxEpochs;
            }

            var given = MethodSettings.Parse(o.MethodOptions?.GetValueOrDefault(method) ?? []).Values.GetValueOrDefault("epochs");
            var declared = UnlearningMethods.All.FirstOrDefault(e => e.Name.Equals(method, StringComparison.OrdinalIgnoreCase))?.Declaration?.Options.FirstOrDefault(x => x.Key == "epochs")?.Default;
            var epochs = double.TryParse(given ?? declared, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && e > 0 ? e : 1;
            return all * epochs;
        }

        private static bool IsRetrain(string m) => m.Equals("retrain", StringComparison.OrdinalIgnoreCase);

        private static string Json<T>(T value) => JsonSerializer.Serialize(value);

        private string OriginalModelKey(int k) => PoolKey.Of(trainingContext, "original", k.ToString(CultureInfo.InvariantCulture));

        private string OriginalCheckpoint(PoolStore store, int k) => Path.Combine(store.CheckpointDirectory, $"original-{OriginalModelKey(k)}.ckpt");

        private string OriginalRecordKey(int k) => PoolKey.Of(forgetContext, "original", OriginalModelKey(k));

        private string RetrainKey(int k) => PoolKey.Of(forgetContext, "retrain", k.ToString(CultureInfo.InvariantCulture));

        private string MethodKey(string method, int k)
        {
            if (IsRetrain(method))
            {
                return RetrainKey(o.Pool + k);
            }

            var settings = o.MethodOptions?.GetValueOrDefault(method) ?? [];
            var original = o.Design == PoolDesign.B ? k : 1;
            return PoolKey.Of(forgetContext, "unlearned", method.ToLowerInvariant(), string.Join(' ', settings), OriginalModelKey(original), k.ToString(CultureInfo.InvariantCulture));
        }

        private IauModel NewModel(int seed)
        {
            var info = data.Dataset.Info;
            var model = ModelFactory.Create(o.Model, info.InputShape.Select(d => (long)d).ToArray(), info.Classes, seed);
            model.to(data.Train.Features.device);
            return model;
        }

        private string StatePath(PoolStore store, string name) =>
            Path.Combine(store.CheckpointDirectory, $"{name}.shard{o.ShardIndex + 1}of{o.ShardCount}.state");

        private double TrainOriginal(PoolStore store, int k, bool writeRecord, CancellationToken ct)
        {
            var path = OriginalCheckpoint(store, k);
            var seconds = 0.0;
            IauModel model;
            if (File.Exists(path))
            {
                using var loaded = Checkpoint.Load(path);
                model = loaded.Model.Clone();
            }
            else
            {
                (model, var result, var note) = TrainFromScratch(k, data.Train, StatePath(store, $"original-{OriginalModelKey(k)}"), ct);
                seconds = result.WallSeconds;
                var meta = CheckpointMetadata.For(model, data.Dataset.Info.Name, data.Split.TrainingFingerprint) with
                {
                    Training = recipe with { Seed = k },
                    History = result.History,
                    Notes = string.Create(CultureInfo.InvariantCulture, $"forgetting audit: original {k}{note}"),
                };
                Checkpoint.Save(path, model, meta);
            }

            using (model)
            {
                if (writeRecord)
                {
                    store.Write(Evaluate(model, OriginalRecordKey(k), "original", "original", k, seconds, $"original {k}: trained on D_r ∪ D_f"));
                }
            }

            return seconds;
        }

        private double TrainRetrain(PoolStore store, int k, string key, CancellationToken ct)
        {
            var (model, result, note) = TrainFromScratch(k, data.Retain, StatePath(store, $"retrain-{key}"), ct);
            using (model)
            {
                store.Write(Evaluate(model, key, "retrain", "retrain", k, result.WallSeconds, $"retrained {k} from scratch on D_r{note}"));
            }

            return result.WallSeconds;
        }

        /// <summary>Model k trained from scratch on <paramref name="on"/> (resuming from <paramref name="state"/>), trained a second time if its outputs on D_f are not finite (<see cref="FiniteOrSecondTry"/>); the note says so.</summary>
        private (IauModel Model, TrainingResult Result, string Note) TrainFromScratch(int k, TensorData on, string state, CancellationToken ct)
        {
            var ((model, result), twice) = FiniteOrSecondTry(
                () =>
                {
                    var m = NewModel(k);
                    var r = new Trainer(recipe with { Seed = k }).Train(m, on, data.Valid, statePath: state, cancellationToken: ct);
                    File.Delete(state);
                    return (m, r);
                },
                t => LogitScaledConfidence.Of(t.Item1, data.Forget, recipe.EvalChunkSize).All(double.IsFinite),
                t => t.Item1.Dispose());
            var note = !twice ? string.Empty
                : LogitScaledConfidence.Of(model, data.Forget, recipe.EvalChunkSize).All(double.IsFinite)
                    ? "; trained twice from the same seed: the first training's outputs on D_f were not finite, the second's are (training is deterministic, so the first was corrupted; environment.md, the TorchSharp race)"
                    : "; trained twice from the same seed, both with non-finite outputs on D_f: diverged";
            return (model, result, note);
        }

        private double Unlearn(PoolStore store, string method, int k, string key, CancellationToken ct)
        {
            var original = o.Design == PoolDesign.B ? k : 1;
            using var ckpt = Checkpoint.Load(OriginalCheckpoint(store, original));
            var m = UnlearningMethods.Create(method, MethodSettings.Parse(o.MethodOptions?.GetValueOrDefault(method) ?? []));
            var context = new UnlearningContext(k, ckpt.Metadata.Training ?? recipe);
            using var result = Unlearner.Run(m, ckpt.Model, new UnlearningData(data.Forget, data.Retain, data.Valid, data.Test), context, cancellationToken: ct);
            store.Write(Evaluate(result.Model, key, "unlearned", method, k, result.Seconds, $"{result.Description}; original {original}, seed {k}"));
            return result.Seconds;
        }

        private PoolRecord Evaluate(IauModel model, string key, string kind, string method, int seed, double seconds, string description) => new(
            key,
            kind,
            method,
            seed,
            LogitScaledConfidence.Of(model, data.Forget, recipe.EvalChunkSize),
            Evaluator.Accuracy(model, data.Retain, recipe.EvalChunkSize),
            Evaluator.Accuracy(model, data.Test, recipe.EvalChunkSize),
            Evaluator.Accuracy(model, data.Forget, recipe.EvalChunkSize),
            seconds,
            description);
    }
}
