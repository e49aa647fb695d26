using System.Collections.Concurrent;
using System.Globalization;
using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>
/// What every experiment shares while a reproduction runs: datasets and splits, the originals, retrained
/// models and shadow attacks — each trained once and cached on disk under cache/ by the hash of what
/// determines it — and the standard measurement of a model against Retrain (README, "Headline"; environment.md, "Protocols"). One context lives
/// for one <see cref="Reproduction.Run"/>; it owns (and disposes) every tensor it caches.
/// <para>
/// Cells may run on several worker threads at once (<see cref="ReproductionOptions.Workers"/>): every cache is
/// filled once per key under that key's lock (a second thread asking for a model being trained waits for it),
/// and the loss ROC of the last measurement is kept per thread.
/// </para>
/// </summary>
internal sealed class ExperimentContext : IDisposable
{
    private readonly ReproductionOptions options;
    private readonly OnceMap<LoadedDataset> datasets = new();
    private readonly OnceMap<SplitData> splits = new();
    private readonly OnceMap<LoadedCheckpoint> models = new();
    private readonly OnceMap<ShadowModelAttack> attacks = new();
    private readonly OnceMap<IReadOnlyDictionary<string, double>> retrainMetrics = new();
    private readonly OnceMap<RmiaReferences> rmiaReferences = new();
    private readonly IProgress<ReproductionProgress>? progress;
    private readonly ThreadLocal<RocCurve?> lastRoc = new();

    internal ExperimentContext(ReproductionOptions options, IProgress<ReproductionProgress>? progress, CancellationToken cancellationToken)
    {
        this.options = options;
        this.progress = progress;
        CancellationToken = cancellationToken;
        Store = new ModelStore(Path.Combine(options.OutputDirectory, "cache"), options.Device, cancellationToken);
    }

    /// <summary>Cancels the run (checked inside trainings and unlearning steps).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>ROC of the loss attack of the last <see cref="Measure"/> (main-style rows store it in their notes).</summary>
    public RocCurve? LastRoc => lastRoc.Value;

    /// <summary>
    /// Workers a cell may start for its own jobs (the audit's pools): one per core when cells run one at a time,
    /// 1 when cells already run in parallel (each worker has one core).
    /// </summary>
    internal int InnerWorkers => options.EffectiveWorkers > 1 ? 1 : 0;

    /// <summary>The run's model cache (results/&lt;profile&gt;/cache).</summary>
    internal string CacheDir => Store.Directory;

    /// <summary>The run's store of trained models (results/&lt;profile&gt;/cache).</summary>
    private ModelStore Store { get; }

    /// <summary>The spec's methods that apply to its model (Retrain always does).</summary>
    public static List<string> Applicable(ExperimentSpec spec) =>
        spec.Methods.Where(m => UnlearningMethods.All.First(e => e.Name == m).Supports(spec.Model) || m == "retrain").ToList();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in splits.Created)
        {
            s.Dispose();
        }

        foreach (var m in models.Created)
        {
            m.Dispose();
        }

        foreach (var a in attacks.Created)
        {
            a.Dispose();
        }

        lastRoc.Dispose();
    }

    internal (Dictionary<string, double> Metrics, Dictionary<string, string> Notes) RunMethod(
        ExperimentSpec spec, int seed, SplitData data, LoadedCheckpoint original, double alpha, string method, IReadOnlyList<string> methodOptions, bool full = true)
    {
        var retrain = full || method == "retrain" ? Retrained(spec, seed, data, original, alpha) : null;
        if (method == "retrain")
        {
            var rs = retrain!.Metadata.Metrics[Metric.UnlearnSeconds];
            var m = full ? Measure(spec, seed, data, retrain.Model, alpha, rs, retrain) : Quick(data, retrain.Model, rs);
            return (m, new Dictionary<string, string> { ["notes"] = retrain.Metadata.Notes ?? string.Empty });
        }

        var unlearning = UnlearningMethods.Create(method, MethodSettings.Parse(methodOptions));
        using var cache = method == "iau-cached" ? CacheFor(original, data.Train.Count) : null;
        var context = new UnlearningContext(seed, original.Metadata.Training, cache);
        using var result = Unlearner.Run(unlearning, original.Model, new UnlearningData(data.Forget, data.Retain, data.Valid, data.Test), context, cancellationToken: CancellationToken);
        var metrics = full ? Measure(spec, seed, data, result.Model, alpha, result.Seconds, retrain) : Quick(data, result.Model, result.Seconds);
        if (retrain is not null)
        {
            metrics[Metric.Speedup] = retrain.Metadata.Metrics[Metric.UnlearnSeconds] / Math.Max(result.Seconds, 1e-9);
        }

        return (metrics, new Dictionary<string, string>(result.Notes) { ["description"] = result.Description });
    }

    internal static Dictionary<string, double> Quick(SplitData data, IauModel model, double seconds) => new()
    {
        [Metric.TA] = Evaluator.Accuracy(model, data.Test),
        [Metric.FA] = Evaluator.Accuracy(model, data.Forget),
        [Metric.Rte] = seconds,
    };

    /// <summary>
    /// Every metric of a model against Retrain (README, "Headline"; environment.md, "Protocols"). A model whose weights are no longer finite (a method
    /// that diverged) gets <c>Diverged = 1</c>, the accuracies its NaN outputs give, no attack or distance metrics
    /// (they are undefined on NaN outputs) and an Avg Gap over TA, RA and FA only.
    /// </summary>
    internal Dictionary<string, double> Measure(ExperimentSpec spec, int seed, SplitData data, IauModel model, double alpha, double? seconds, LoadedCheckpoint? retrain = null)
    {
        var acc = Accuracies.Compute(model, data.Test, data.Retain, data.Forget);
        if (!AllFinite(model))
        {
            var d = new Dictionary<string, double>
            {
                [Metric.TA] = acc.Test,
                [Metric.RA] = acc.Retain,
                [Metric.FA] = acc.Forget,
                [Metric.UA] = 1 - acc.Forget,
                [Metric.Diverged] = 1,
            };
            if (seconds is double ds)
            {
                d[Metric.Rte] = ds;
            }

            if (retrain is not null)
            {
                d[Metric.AvgGap] = Aggregation.AvgGap(d, RetrainMetrics(spec, seed, data, alpha, retrain), Metric.AccuracyGapMetrics);
            }

            lastRoc.Value = null; // set last: measuring Retrain above sets it too
            return d;
        }

        var attack = Attack(spec, seed, data);
        var roc = LossAttack.Roc(model, data.Forget, data.NonMembers);
        var m = new Dictionary<string, double>
        {
            [Metric.TA] = acc.Test,
            [Metric.RA] = acc.Retain,
            [Metric.FA] = acc.Forget,
            [Metric.UA] = 1 - acc.Forget,
            [Metric.MiaShadow] = attack.MemberRate(model, data.Forget),
            [Metric.MiaEntropy] = EntropyAttack.Efficacy(model, data.Retain, data.Test, data.Forget, seed),
            [Metric.AucLoss] = roc.Auc,
        };
        if (spec.ReferenceModels > 0)
        {
            var rmia = Rmia.Attack(model, data.Forget, data.NonMembers, data.Valid, References(spec, seed, data, alpha));
            m[Metric.RmiaAuc] = rmia.Auc;
            m[Metric.RmiaTpr1] = rmia.TprAt1;
            m[Metric.RmiaTpr01] = rmia.TprAt01;
        }

        if (seconds is double s)
        {
            m[Metric.Rte] = s;
        }

        if (retrain is not null)
        {
            m[Metric.L2Retrain] = Distances.ParameterL2(model, retrain.Model);
            m[Metric.JsForget] = Distances.JsDivergence(model, retrain.Model, data.Forget);
            m[Metric.JsTest] = Distances.JsDivergence(model, retrain.Model, data.Test);
            var rm = ReferenceEquals(model, retrain.Model) ? new Dictionary<string, double>(m) : RetrainMetrics(spec, seed, data, alpha, retrain);
            m[Metric.AvgGap] = AvgGapToRetrain(m, rm);
        }

        lastRoc.Value = roc; // set last: measuring Retrain above sets it too
        return m;
    }

    /// <summary>
    /// The paper's Avg Gap of a measured model to Retrain, over TA, RA, FA and MIA. A Retrain that diverged has no
    /// attack metrics (its row says Diverged = 1), so the gap to it is over the accuracies, as for a diverged method.
    /// </summary>
    internal static double AvgGapToRetrain(IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, double> retrain) =>
        Aggregation.AvgGap(metrics, retrain, retrain.ContainsKey(Metric.Diverged) ? Metric.AccuracyGapMetrics : Metric.GapMetrics);

    /// <summary>Retrain's own metrics for a cell's split, measured once.</summary>
    internal IReadOnlyDictionary<string, double> RetrainMetrics(ExperimentSpec spec, int seed, SplitData data, double alpha, LoadedCheckpoint retrain)
    {
        return retrainMetrics.Get(RetrainArtifact(spec, seed, data, alpha, () => Original(spec, seed, alpha)).Path, () => Measure(spec, seed, data, retrain.Model, alpha, null));
    }

    private static bool AllFinite(IauModel model)
    {
        using var scope = torch.NewDisposeScope();
        return model.parameters().All(p => p.isfinite().all().item<bool>());
    }

    internal ResultRow Row(Cell cell, string variant, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> notes) =>
        new(cell.Spec.Kind.ToString().ToLowerInvariant(), Reproduction.Key(cell.Spec, cell.Seed, variant, cell.Method), cell.Hash, cell.Spec.Dataset, cell.Spec.Model,
            cell.Method, variant, cell.Seed, metrics, notes, Checkpoint.KitVersion, DateTimeOffset.UtcNow)
        { Forget = cell.Spec.ForgetSegment };

    /// <summary>
    /// The dataset of a spec, loaded once. Under the official protocol a dataset whose authors' normalisation
    /// differs from the catalog's (<see cref="DatasetCatalog.AuthorsStd"/>: CIFAR-10) is normalised their way.
    /// </summary>
    private LoadedDataset Dataset(ExperimentSpec spec)
    {
        var std = AuthorsStd(spec);
        return datasets.Get(spec.Dataset + NormalisationTag(spec), () =>
        {
            var d = DatasetLoader.Load(spec.Dataset, options.Load);
            return std is null ? d : d with { Info = d.Info with { Std = std } };
        });
    }

    private static float[]? AuthorsStd(ExperimentSpec spec) =>
        spec.Protocol == Protocol.Official && DatasetCatalog.AuthorsStd.TryGetValue(spec.Dataset, out var std) ? std : null;

    /// <summary>"" for the catalog's normalisation; else the std in effect (it enters the cache keys of models trained on it).</summary>
    private static string NormalisationTag(ExperimentSpec spec) =>
        AuthorsStd(spec) is { } std ? "/std=" + string.Join(",", std.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) : string.Empty;

    /// <summary>The spec's own forget set for a seed: every training sample of ForgetClass, else a random ForgetRatio.</summary>
    internal SplitData Split(ExperimentSpec spec, int seed) =>
        Split(spec, seed, spec.ForgetClass is int k ? ForgetRequest.ByClass(k) : ForgetRequest.ByRatio(spec.ForgetRatio, seed));

    /// <summary>A random forget set of <paramref name="ratio"/> (sweeps over the forget ratio), whatever the spec's forget set.</summary>
    internal SplitData Split(ExperimentSpec spec, int seed, double ratio) => Split(spec, seed, ForgetRequest.ByRatio(ratio, seed));

    /// <summary>
    /// The split of a seed: train/valid shuffled with the spec's training seed (the seed itself under the kit
    /// protocol, one fixed seed under the official one), the forget set chosen by <paramref name="forget"/>
    /// inside train, limited to TrainLimit samples for small profiles.
    /// </summary>
    private SplitData Split(ExperimentSpec spec, int seed, ForgetRequest forget)
    {
        var splitSeed = spec.TrainingSeed(seed);
        var key = Invariant($"{spec.Dataset}{NormalisationTag(spec)}/{splitSeed}/{forget.Mode}/{forget.Ratio}/{forget.Class}/{forget.Seed}/{spec.TrainLimit}");
        return splits.Get(key, () =>
        {
            var data = Dataset(spec);
            return SplitData.Create(data, DataSplit.Standard(data, splitSeed, forget, spec.TrainLimit), options.Device);
        });
    }

    /// <summary>
    /// <paramref name="data"/>'s split with its forget set replaced by the given rows of data.Train (a stream's requests
    /// so far): the same train/valid split, so its original, shadow attack and cached models still apply. Not cached:
    /// the caller disposes it.
    /// </summary>
    internal SplitData WithForget(SplitData data, IReadOnlyList<int> trainRows)
    {
        var split = data.Split.WithForget(ForgetRequest.FromIndices([.. trainRows.Select(r => data.Split.Train[r])]), data.Dataset.Train.Labels, data.Dataset.Info.Classes);
        return SplitData.Create(data.Dataset, split, options.Device);
    }

    private TrainingOptions Recipe(ExperimentSpec spec, int seed, double alpha) =>
        TrainingOptions.Paper with { GrAlpha = alpha, MaxEpochs = spec.MaxEpochs, Patience = spec.Patience, Seed = seed };

    /// <summary>The original model of (dataset, model, seed, α, recipe, limit), trained once and cached on disk.</summary>
    internal LoadedCheckpoint Original(ExperimentSpec spec, int seed, double alpha)
    {
        // The forget set does not enter training: any split of the seed gives the same train/valid rows.
        var data = Split(spec, seed);
        seed = spec.TrainingSeed(seed);
        var a = Store.Original(data, spec.Dataset, spec.Model, Recipe(spec, seed, alpha), seed, NormalisationTag(spec),
            () => Announce($"train original {spec.Model} α={alpha} seed {seed}"));
        return models.Get(a.Path, a.Get);
    }

    /// <summary>
    /// Retrain on D_r with the original's recipe, cached on disk (the seconds are kept in its metrics). What it depends
    /// on: data, forget set, the original's recipe (its seed is the training seed) and, under the official protocol
    /// where that seed is shared, the cell's seed (Retrain's shuffling).
    /// </summary>
    internal LoadedCheckpoint Retrained(ExperimentSpec spec, int seed, SplitData data, LoadedCheckpoint original, double alpha)
    {
        var a = RetrainArtifact(spec, seed, data, alpha, () => original);
        return models.Get(a.Path, a.Get);
    }

    private StoredArtifact<LoadedCheckpoint> RetrainArtifact(ExperimentSpec spec, int seed, SplitData data, double alpha, Func<LoadedCheckpoint> original) =>
        Store.Retrained(data, original, spec.Model, Recipe(spec, spec.TrainingSeed(seed), alpha), seed, NormalisationTag(spec),
            spec.Protocol == Protocol.Kit ? string.Empty : Invariant($"/{spec.Protocol}/seed={seed}"),
            () => Announce($"retrain {spec.Model} α={alpha} seed {seed}"));

    /// <summary>
    /// The per-example attack's reference models of a forget set: <see cref="ExperimentSpec.ReferenceModels"/> models
    /// retrained on D_r with the setting's recipe, each from its own initial weights and batch order (seeds
    /// <see cref="ModelStore.ReferenceSeed"/> + k), cached on disk. They depend on D_r and the recipe, not on the cell's seed, so
    /// every method of a seed — and, under the official protocol, every seed with the same forget set (class-wise) —
    /// shares them. Their probabilities on D_f, the non-members and the population (the validation split) are computed once.
    /// </summary>
    internal RmiaReferences References(ExperimentSpec spec, int seed, SplitData data, double alpha)
    {
        var original = Original(spec, seed, alpha);
        var recipe = Recipe(spec, spec.TrainingSeed(seed), alpha);
        var artifacts = Enumerable.Range(0, spec.ReferenceModels)
            .Select(k => Store.Reference(data, original, spec.Model, recipe, k, NormalisationTag(spec),
                () => Announce($"reference model {k + 1}/{spec.ReferenceModels} {spec.Model} seed {seed}")))
            .ToList();
        return rmiaReferences.Get(string.Join("+", artifacts.Select(a => a.Path)), () =>
            RmiaReferences.Of([.. artifacts.Select(a => models.Get(a.Path, a.Get).Model)], data.Forget, data.NonMembers, data.Valid));
    }

    /// <summary>The shadow-model attack of (dataset, model, training seed, preset), trained on the validation split (disjoint from train), cached.</summary>
    internal ShadowModelAttack Attack(ExperimentSpec spec, int seed, SplitData data)
    {
        seed = spec.TrainingSeed(seed);
        var shadowOptions = spec.Mia == MiaPreset.Paper
            ? ShadowAttackOptions.Paper(ShadowAttackOptions.PaperShadowTraining with { MaxEpochs = spec.ShadowEpochs, Seed = seed })
            : new ShadowAttackOptions(Shadows: spec.Shadows, ShadowTraining: TrainingOptions.Paper with { MaxEpochs = spec.ShadowEpochs, Patience = null, Seed = seed });
        var a = Store.Attack(data, spec.Dataset, spec.Model, shadowOptions, seed, NormalisationTag(spec), () => Announce($"shadow attack {spec.Model} seed {seed}"));
        return attacks.Get(a.Path, a.Get);
    }

    private void Announce(string what) => progress?.Report(new ReproductionProgress(what, 0, 0, false, "training"));

    internal static GradientCache? CacheFor(LoadedCheckpoint original, int trainCount)
    {
        var cache = GradientCache.FromTensors(original.Extras);
        if (cache is not null && cache.Count != trainCount)
        {
            cache.Dispose();
            throw new InvalidOperationException($"The original's gradient cache averages {cache.Count} samples, not {trainCount}.");
        }

        return cache;
    }

    internal static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}

/// <summary>A cache whose value per key is made once, by the first thread that asks; others wait for it.</summary>
internal sealed class OnceMap<T>
{
    private readonly ConcurrentDictionary<string, Lazy<T>> map = new(StringComparer.Ordinal);

    /// <summary>
    /// The value of <paramref name="key"/>, made by <paramref name="create"/> if no thread made it yet; the time spent making
    /// it or waiting for another thread to make it counts as shared work (<see cref="SharedWork"/>).
    /// </summary>
    public T Get(string key, Func<T> create)
    {
        var lazy = map.GetOrAdd(key, _ => new Lazy<T>(create, LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.IsValueCreated ? lazy.Value : SharedWork.Measure(() => lazy.Value);
    }

    /// <summary>The values made so far (for disposal).</summary>
    public IEnumerable<T> Created => map.Values.Where(l => l.IsValueCreated).Select(l => l.Value);
}
