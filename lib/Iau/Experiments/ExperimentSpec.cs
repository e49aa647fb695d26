using System.Globalization;
using System.Text.Json.Serialization;
using Iau.Evaluation;

namespace Iau.Experiments;

/// <summary>The experiments of the paper (and the kit's extensions).</summary>
public enum ExperimentKind
{
    /// <summary>Main comparison: every method against Retrain on every metric.</summary>
    Main,

    /// <summary>Unlearning time against |D_f| and against |D_r|.</summary>
    Efficiency,

    /// <summary>IA, IA+GC, IA+GR, IA+GC+GR.</summary>
    Ablation,

    /// <summary>Sweeps of α, steps/η and the forget ratio.</summary>
    Sensitivity,

    /// <summary>A stream of deletion requests, exact and with the gradient cache.</summary>
    Sequential,

    /// <summary>Logistic regression: IAU against exact influence against retraining to convergence.</summary>
    Convex,

    /// <summary>Class-wise forgetting: the main comparison with every training sample of one class as the forget set.</summary>
    ClassWise,

    /// <summary>The per-example forgetting audit (ε-score, U-LiRA) over pools of retrained and unlearned models.</summary>
    Audit,
}

/// <summary>
/// One experiment as data: what to train, which methods to run on which seeds, and its sweep. Everything a
/// result depends on is in here, so its hash identifies cached models and finished cells.
/// </summary>
/// <param name="Kind">Which experiment.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">Architecture.</param>
/// <param name="Methods">Unlearning methods (registry names).</param>
/// <param name="Seeds">Seeds; each seed gives its own split, forget set, original and retrained model.</param>
/// <param name="ForgetRatio">Forget ratio of the random forget set.</param>
/// <param name="GrAlpha">Gradient-restriction α of the original (and Retrain).</param>
/// <param name="MaxEpochs">Epoch cap of the original and Retrain (early stopping with <paramref name="Patience"/>).</param>
/// <param name="Patience">Early-stopping patience.</param>
/// <param name="TrainLimit">Use only this many training samples (valid: a quarter of it); null = all.</param>
/// <param name="MethodOptions">Per-method options ("key=value"), e.g. shorter baselines for quick profiles.</param>
/// <param name="ForgetRatios">Efficiency: the forget ratios of the time-against-|D_f| sweep (null: <paramref name="ForgetRatio"/> alone).</param>
/// <param name="GrAlphas">Sensitivity: the gradient-restriction α values of the original (null: <paramref name="GrAlpha"/> alone).</param>
/// <param name="RemovedCounts">Convex: the numbers m of samples removed (null: 10).</param>
/// <param name="CacheRefreshes">Sequential: the intervals r (in requests) at which cached IAU refreshes its cache (null: none).</param>
/// <param name="PoolSizes">Audit: the pool sizes N (null: <see cref="Audit.AuditOptions.SmokePool"/>).</param>
/// <param name="Requests">Number of deletion requests (Sequential).</param>
/// <param name="ShadowEpochs">Epochs of the shadow model(s) of the membership-inference attack.</param>
/// <param name="Shadows">Number of shadow models (quick MIA preset; the paper preset uses its own three).</param>
/// <param name="ForgetClass">
/// Class-wise forgetting: the forget set is every training sample of this class (ForgetRatio is then unused).
/// Null = a random forget set of ForgetRatio.
/// </param>
/// <param name="Protocol">How seeds relate to splits and originals (<see cref="Experiments.Protocol"/>).</param>
/// <param name="Mia">Set-up of the shadow-model membership-inference attack (<see cref="MiaPreset"/>).</param>
/// <param name="ReferenceModels">
/// Reference models of the per-example attack (RMIA, <see cref="Evaluation.Rmia"/>): models retrained on D_r with the
/// setting's recipe and other seeds, shared by every method of a forget set. 0 = no per-example attack.
/// </param>
/// <remarks>
/// A cell's hash is the JSON of its spec (see <c>Reproduction.Hash</c>); properties added after the first
/// release are left out of that JSON while they hold their defaults, so existing cells keep their hashes. The five
/// sweep fields (one meaning each) are written as the single "Sweep" list they replaced, in its place.
/// </remarks>
public sealed record ExperimentSpec(
    ExperimentKind Kind,
    string Dataset,
    string Model,
    IReadOnlyList<string> Methods,
    IReadOnlyList<int> Seeds,
    double ForgetRatio = 0.05,
    double GrAlpha = 0.005,
    int MaxEpochs = 200,
    int Patience = 10,
    int? TrainLimit = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? MethodOptions = null,
    [property: JsonIgnore] IReadOnlyList<double>? ForgetRatios = null,
    [property: JsonIgnore] IReadOnlyList<double>? GrAlphas = null,
    [property: JsonIgnore] IReadOnlyList<int>? RemovedCounts = null,
    [property: JsonIgnore] IReadOnlyList<int>? CacheRefreshes = null,
    [property: JsonIgnore] IReadOnlyList<int>? PoolSizes = null,
    [property: JsonPropertyOrder(1)] int Requests = 5,
    [property: JsonPropertyOrder(1)] int ShadowEpochs = 10,
    [property: JsonPropertyOrder(1)] int Shadows = 1,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault), JsonPropertyOrder(1)] int? ForgetClass = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault), JsonPropertyOrder(1)] Protocol Protocol = Protocol.Kit,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault), JsonPropertyOrder(1)] MiaPreset Mia = MiaPreset.Quick,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault), JsonPropertyOrder(1)] int ReferenceModels = 0)
{
    /// <summary>Which sweep field each kind reads (a kind absent here reads none).</summary>
    private static readonly Dictionary<ExperimentKind, string> SweepOf = new()
    {
        [ExperimentKind.Efficiency] = nameof(ForgetRatios),
        [ExperimentKind.Sensitivity] = nameof(GrAlphas),
        [ExperimentKind.Convex] = nameof(RemovedCounts),
        [ExperimentKind.Sequential] = nameof(CacheRefreshes),
        [ExperimentKind.Audit] = nameof(PoolSizes),
    };

    /// <summary>The split seed of the official protocol (the authors' data_train_valid.py default, --seed 1).</summary>
    public const int OfficialSplitSeed = 1;

    /// <summary>The seed of the train/valid split, original model and shadow attack of a cell seed.</summary>
    public int TrainingSeed(int seed) => Protocol == Protocol.Official ? OfficialSplitSeed : seed;

    /// <summary>Short name, e.g. "main/fashion-mnist/lenet5".</summary>
    [JsonPropertyOrder(1)]
    public string Name => $"{Kind.ToString().ToLowerInvariant()}/{Dataset}/{Model}";

    /// <summary>The forget set as a key segment: "ratio=0.05" (random) or "class=3" (class-wise).</summary>
    [JsonIgnore]
    public string ForgetSegment => ForgetClass is int k
        ? "class=" + k.ToString(CultureInfo.InvariantCulture)
        : "ratio=" + ForgetRatio.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The sweep fields in the spec's JSON as it was written before they were split by meaning: one list named "Sweep",
    /// after <see cref="MethodOptions"/> (every property after it is ordered 1), so that the hash of every existing cell
    /// stays what it was. At most one field is set (<see cref="CheckSweeps"/>).
    /// </summary>
    [JsonInclude]
    [JsonPropertyName("Sweep")]
    private IReadOnlyList<double>? SweepJson =>
        ForgetRatios ?? GrAlphas ?? (RemovedCounts ?? CacheRefreshes ?? PoolSizes)?.Select(v => (double)v).ToList();

    /// <summary>Throws <see cref="ArgumentException"/> naming a sweep field that this spec's kind does not read.</summary>
    public void CheckSweeps()
    {
        var set = new (string Name, bool IsSet)[]
        {
            (nameof(ForgetRatios), ForgetRatios is not null),
            (nameof(GrAlphas), GrAlphas is not null),
            (nameof(RemovedCounts), RemovedCounts is not null),
            (nameof(CacheRefreshes), CacheRefreshes is not null),
            (nameof(PoolSizes), PoolSizes is not null),
        };
        var read = SweepOf.GetValueOrDefault(Kind);
        foreach (var (name, isSet) in set)
        {
            if (isSet && name != read)
            {
                throw new ArgumentException(
                    $"{Name}: {name} is set, but a {Kind} experiment reads {(read is null ? "no sweep" : read)}.");
            }
        }
    }

    /// <summary>Options of one method (empty when none are set).</summary>
    public IReadOnlyList<string> OptionsFor(string method) =>
        MethodOptions is not null && MethodOptions.TryGetValue(method, out var o) ? o : [];
}

/// <summary>How the seeds of an experiment relate to its split and its original model.</summary>
public enum Protocol
{
    /// <summary>
    /// The kit's default: each seed draws its own train/valid split, forget set, original and shadow attack,
    /// so the spread over seeds includes training variance.
    /// </summary>
    Kit,

    /// <summary>
    /// The authors' code (Lolo1222/IAU: data_train_valid.py once with seed 1, then data_remain_unlearn.py
    /// with seeds 1..10): one train/valid split (seed <see cref="ExperimentSpec.OfficialSplitSeed"/>) and one
    /// original model and shadow attack per dataset; a seed varies only the forget set (and the seeds of the
    /// unlearning methods and of Retrain's shuffling).
    /// </summary>
    Official,
}

/// <summary>A named set of experiments.</summary>
/// <param name="Name">smoke | quick | paper.</param>
/// <param name="Description">What it is for and how long it takes.</param>
/// <param name="Experiments">The experiments.</param>
/// <param name="TunedRows">
/// Whether the comparisons add tuned rows from the repository's recipes (data/recipes) when no recipes folder is
/// given. False for a profile whose recipe differs from the one the recipes were searched under (fmnist-paper's
/// full recipe against the quick setting's 4-epoch originals): it shows reference defaults unless a recipes folder
/// searched for it is named (<c>iau reproduce --recipes DIR</c>).
/// </param>
public sealed record Profile(string Name, string Description, IReadOnlyList<ExperimentSpec> Experiments, bool TunedRows = true);
