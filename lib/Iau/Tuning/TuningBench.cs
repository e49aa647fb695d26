using Iau.Data;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Tuning;

/// <summary>
/// The real <see cref="ITuningBench"/>: loads the dataset, draws the tuning split of each seed (train/valid shuffled
/// with the seed, forget = a seeded random share or one class), trains the original (GR α 0.005, the quick profile's
/// recipe by default: ≤ <see cref="TuningSpec.MaxEpochs"/> epochs) and Retrain, fits the shadow attack (one shadow,
/// 3 epochs, as the quick profile), and caches all three on disk per seed. A trial runs the method on the original
/// and measures TA, RA, FA and MIA_shadow the way the experiments do.
/// </summary>
public sealed class TuningBench : ITuningBench, IDisposable
{
    private readonly TuningSpec spec;
    private readonly string cacheDir;
    private readonly LoadOptions? load;
    private readonly torch.Device device;
    private readonly IProgress<TuningProgress>? progress;
    private readonly Dictionary<int, SeedState> states = [];
    private LoadedDataset? dataset;

    /// <summary>A bench for <paramref name="spec"/>, caching models under <paramref name="cacheDir"/>.</summary>
    public TuningBench(TuningSpec spec, string cacheDir, LoadOptions? load = null, torch.Device? device = null, IProgress<TuningProgress>? progress = null)
    {
        this.spec = spec ?? throw new ArgumentNullException(nameof(spec));
        this.cacheDir = cacheDir;
        this.load = load;
        this.device = device ?? torch.CPU;
        this.progress = progress;
    }

    /// <inheritdoc />
    public int Classes => Dataset.Info.Classes;

    private LoadedDataset Dataset => dataset ??= DatasetLoader.Load(spec.Dataset, load);

    /// <inheritdoc />
    public TuningReference Reference(int seed, CancellationToken cancellationToken)
    {
        var s = State(seed, cancellationToken);
        return new TuningReference(s.RetrainMetrics, s.OriginalTa);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Run(string method, IReadOnlyList<string> options, int seed, CancellationToken cancellationToken)
    {
        var s = State(seed, cancellationToken);
        var unlearning = UnlearningMethods.Create(method, MethodSettings.Parse(options));
        using var cache = string.Equals(method, "iau-cached", StringComparison.OrdinalIgnoreCase) ? GradientCache.FromTensors(s.Original.Extras) : null;
        var context = new UnlearningContext(seed, s.Original.Metadata.Training, cache);
        using var result = Unlearner.Run(unlearning, s.Original.Model, s.UnlearningData, context, cancellationToken: cancellationToken);
        var m = Measure(s, result.Model);
        m[Metric.Rte] = result.Seconds;
        return m;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in states.Values)
        {
            s.Dispose();
        }

        states.Clear();
        dataset = null;
    }

    private static Dictionary<string, double> Measure(SeedState s, IauModel model)
    {
        var acc = Accuracies.Compute(model, s.Data.Test, s.Data.Retain, s.Data.Forget);
        return new Dictionary<string, double>
        {
            [Metric.TA] = acc.Test,
            [Metric.RA] = acc.Retain,
            [Metric.FA] = acc.Forget,
            [Metric.MiaShadow] = s.Attack.MemberRate(model, s.Data.Forget),
        };
    }

    private SeedState State(int seed, CancellationToken cancellationToken)
    {
        if (states.TryGetValue(seed, out var state))
        {
            return state;
        }

        var data = Dataset;
        var forget = spec.ForgetClass is int k ? ForgetRequest.ByClass(k) : ForgetRequest.ByRatio(spec.ForgetRatio, seed);
        var split = DataSplit.Standard(data, seed, forget, spec.TrainLimit);

        var splitData = SplitData.Create(data, split, device);
        var store = new ModelStore(cacheDir, device, cancellationToken);
        var recipe = TrainingOptions.Paper with { GrAlpha = 0.005, MaxEpochs = spec.MaxEpochs, Patience = 10, Seed = seed };
        var original = store.Original(splitData, spec.Dataset, spec.Model, recipe, seed, string.Empty,
            () => progress?.Report(new TuningProgress(0, spec.Budget, $"training the original {spec.Model} of tuning seed {seed} (cached in {cacheDir})"))).Get();
        var unlearningData = new UnlearningData(splitData.Forget, splitData.Retain, splitData.Valid, splitData.Test);
        var retrain = store.Retrained(splitData, () => original, spec.Model, recipe, seed, string.Empty, string.Empty,
            () => progress?.Report(new TuningProgress(0, spec.Budget, $"retraining {spec.Model} on D_r of tuning seed {seed}"))).Get();
        var shadowOptions = new ShadowAttackOptions(Shadows: 1, ShadowTraining: TrainingOptions.Paper with { MaxEpochs = 3, Patience = null, Seed = seed });
        var attack = store.Attack(splitData, spec.Dataset, spec.Model, shadowOptions, seed, string.Empty,
            () => progress?.Report(new TuningProgress(0, spec.Budget, $"fitting the shadow attack of tuning seed {seed}"))).Get();

        state = new SeedState(splitData, unlearningData, original, retrain, attack);
        state.RetrainMetrics = Measure(state, retrain.Model);
        state.OriginalTa = Evaluator.Accuracy(original.Model, splitData.Test);
        states[seed] = state;
        return state;
    }

    private sealed class SeedState(SplitData data, UnlearningData unlearningData, LoadedCheckpoint original, LoadedCheckpoint retrain, ShadowModelAttack attack) : IDisposable
    {
        public SplitData Data { get; } = data;

        public UnlearningData UnlearningData { get; } = unlearningData;

        public LoadedCheckpoint Original { get; } = original;

        public ShadowModelAttack Attack { get; } = attack;

        public IReadOnlyDictionary<string, double> RetrainMetrics { get; set; } = new Dictionary<string, double>();

        public double OriginalTa { get; set; }

        public void Dispose()
        {
            Original.Dispose();
            retrain.Dispose();
            Attack.Dispose();
            Data.Dispose();
        }
    }
}
