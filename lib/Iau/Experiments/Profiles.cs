using Iau.Audit;
using Iau.Evaluation;
using Iau.Models;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// The profiles. <c>smoke</c> checks the whole pipeline on tiny subsets (CI, notebook tests);
/// <c>quick</c> is the default main job on Fashion-MNIST (LeNet5 and logistic regression, 5% forget,
/// 3 seeds, every method, every experiment) sized for a laptop (its measured wall time is in environment.md, and
/// <c>iau reproduce --plan</c> estimates it on the machine at hand) — so originals and Retrain stop after a few epochs and the slow baselines run shortened (listed in each spec's method
/// options, and in the README); <c>paper</c> is the paper's grid for users with the datasets and a GPU;
/// <c>fmnist-paper</c> runs the authors' protocol and full training recipe on Fashion-MNIST (hours on a CPU; environment.md has the measured times).
/// </summary>
public static class Profiles
{
    /// <summary>The comparison's methods on LeNet5: every registered method that comparisons run (<see cref="UnlearningMethods.ComparedOn"/>).</summary>
    private static readonly string[] AllMethods = [.. UnlearningMethods.ComparedOn(LeNet5.Name)];

    /// <summary>The comparison's methods on logistic regression: the same, then certified removal.</summary>
    private static readonly string[] LogRegMethods = [.. UnlearningMethods.ComparedOn(LogisticRegression.Name)];

    /// <summary>
    /// Shortened baselines for the quick and smoke profiles (documented as such), written as typed settings: each
    /// entry is the key=value form (<see cref="MethodOptions{T}.Pairs"/>) of the method's reference settings with the
    /// changes shown, which is what the spec carries and hashes.
    /// </summary>
    private static readonly Dictionary<string, IReadOnlyList<string>> Shortened = new()
    {
        ["ft"] = FineTuneOptions.Declared.Pairs(o => o with { Epochs = 2 }),
        ["l1sparse"] = L1SparseOptions.Declared.Pairs(o => o with { Epochs = 2 }),
        ["neggrad+"] = NegGradPlusOptions.Declared.Pairs(o => o with { Epochs = 2 }),
        ["salun"] = SalUnOptions.Declared.Pairs(o => o with { Epochs = 2 }),
        ["rl"] = RandomLabelsOptions.Declared.Pairs(o => o with { Epochs = 2 }),
        ["scrub"] = ScrubOptions.Declared.Pairs(o => o with { Epochs = 1 }),
        ["fisher"] = FisherForgettingOptions.Declared.Pairs(o => o with { MaxSamples = 1000 }),
        ["iu"] = InfluenceBaselines.IuOptions.Pairs(o => o with { CgIterations = 20, HessianSamples = 2000 }),
    };

    /// <summary>Smoke: the shortened baselines cut further (tiny data; checks the pipeline, not the numbers).</summary>
    private static Dictionary<string, IReadOnlyList<string>> SmokeOptions { get; } = new(Shortened)
    {
        ["fisher"] = FisherForgettingOptions.Declared.Pairs(o => o with { MaxSamples = 100 }),
        ["iu"] = InfluenceBaselines.IuOptions.Pairs(o => o with { CgIterations = 5, HessianSamples = 500 }),
    };

    /// <summary>The methods of the profiles' forgetting audit (beside the two floors: a second retrained pool, and the originals).</summary>
    private static readonly string[] AuditMethods = ["iau", "ft", "neggrad+", "random-step"];

    /// <summary>
    /// The stream of deletion requests (issue 21): 20 requests, each a random 0.5% of the training split — a tenth of the
    /// main comparison's 5% forget set, so that the stream ends with 10% forgotten, the main comparison's larger setting —
    /// on 3 seeds, answered by exact IAU, cached IAU without refresh and refreshed every 1, 2 and 5 requests, the original
    /// (control) and the baselines that answer one request at a time (shortened as in the main comparison); Retrain on
    /// what remains after every 5th request. <paramref name="maxEpochs"/> 200 is the full recipe (early stopping, patience 10);
    /// under the official protocol the seeds share one original and vary the requests.
    /// </summary>
    private static ExperimentSpec StreamOf(int? trainLimit, int maxEpochs, int[] seeds, Protocol protocol = Protocol.Kit) => new(
        ExperimentKind.Sequential, "fashion-mnist", "lenet5", ["iau", "retrain", "ft", "ga", "neggrad+", "l1sparse", "rl", "salun", "scrub"], seeds,
        ForgetRatio: 0.005, MaxEpochs: maxEpochs, TrainLimit: trainLimit, MethodOptions: Shortened, CacheRefreshes: [1, 2, 5], Requests: 20, ShadowEpochs: 3, Protocol: protocol);

    /// <summary>The class the quick and smoke profiles forget in the class-wise experiment (Fashion-MNIST: T-shirt/top).</summary>
    public const int QuickForgetClass = 0;

    /// <summary>All profiles by name.</summary>
    public static IReadOnlyList<Profile> All => [Smoke, Quick, Paper, FmnistPaper];

    /// <summary>The profile of that name (case-insensitive), or null.</summary>
    public static Profile? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The profile of that name.</summary>
    public static Profile Get(string name) =>
        Find(name) ?? throw new ArgumentException($"Unknown profile '{name}'. Known: {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>Tiny subsets, every experiment, one seed: the pipeline end to end in a few minutes.</summary>
    public static Profile Smoke { get; } = new(
        "smoke",
        "Fashion-MNIST subsets (2,000 training samples), 1 seed, 2 epochs: checks the pipeline end to end (CI, notebook tests).",
        [
            new(ExperimentKind.Main, "fashion-mnist", "lenet5", AllMethods, [0], MaxEpochs: 2, TrainLimit: 2000, MethodOptions: SmokeOptions, ShadowEpochs: 2, ReferenceModels: 1),
            new(ExperimentKind.Main, "fashion-mnist", "logreg", LogRegMethods, [0], MaxEpochs: 2, TrainLimit: 2000, MethodOptions: SmokeOptions, ShadowEpochs: 2, ReferenceModels: 1),
            new(ExperimentKind.Efficiency, "fashion-mnist", "lenet5", ["iau", "iau-cached", "ga"], [0], MaxEpochs: 2, TrainLimit: 2000, ForgetRatios: [0.01, 0.05, 0.1]),
            new(ExperimentKind.Ablation, "fashion-mnist", "lenet5", ["ia", "iau"], [0], MaxEpochs: 2, TrainLimit: 2000, ShadowEpochs: 2),
            new(ExperimentKind.Sensitivity, "fashion-mnist", "lenet5", ["iau"], [0], MaxEpochs: 2, TrainLimit: 2000, GrAlphas: [0, 0.005], ShadowEpochs: 2),
            new(ExperimentKind.Sequential, "fashion-mnist", "lenet5", ["iau", "retrain", "ft"], [0], ForgetRatio: 0.01, MaxEpochs: 2, TrainLimit: 2000, MethodOptions: SmokeOptions, CacheRefreshes: [2], Requests: 6),
            new(ExperimentKind.Convex, "fashion-mnist", "logreg", ["iau", "iu", "certified"], [0], TrainLimit: 2000, RemovedCounts: [5, 20, 50]),
            new(ExperimentKind.ClassWise, "fashion-mnist", "lenet5", AllMethods, [0], MaxEpochs: 2, TrainLimit: 2000, MethodOptions: SmokeOptions, ShadowEpochs: 2, ForgetClass: QuickForgetClass, ReferenceModels: 1),
            new(ExperimentKind.Audit, "fashion-mnist", "lenet5", AuditMethods, [0], MaxEpochs: 2, TrainLimit: 2000, MethodOptions: SmokeOptions, PoolSizes: [6]),
        ]);

    /// <summary>The default main job: Fashion-MNIST, LeNet5 and logistic regression, 3 seeds, every experiment.</summary>
    public static Profile Quick { get; } = new(
        "quick",
        "Fashion-MNIST, LeNet5 and logistic regression, 5% forget, 3 seeds, every method (reference defaults, and tuned where data/recipes has a recipe) and experiment; "
        + "LeNet5 also with 10% random and class-wise (class 0) forgetting; a forgetting audit with 8 models per pool on a 10,000-sample subset; "
        + "a stream of 20 deletion requests (0.5% each) on a 10,000-sample subset with Retrain after every 5th; "
        + "originals and Retrain ≤4 epochs; slow baselines shortened. Measured wall time: environment.md (`iau reproduce --plan` estimates it).",
        [
            new(ExperimentKind.Main, "fashion-mnist", "lenet5", AllMethods, [0, 1, 2], MaxEpochs: 4, MethodOptions: Shortened, ShadowEpochs: 3, ReferenceModels: 1),
            new(ExperimentKind.Main, "fashion-mnist", "logreg", LogRegMethods, [0, 1, 2], MaxEpochs: 4, MethodOptions: Shortened, ShadowEpochs: 3, ReferenceModels: 1),
            new(ExperimentKind.Efficiency, "fashion-mnist", "lenet5", ["iau", "iau-cached", "ga"], [0], MaxEpochs: 4, ForgetRatios: [0.01, 0.02, 0.05, 0.1]),
            new(ExperimentKind.Ablation, "fashion-mnist", "lenet5", ["ia", "iau"], [0], MaxEpochs: 4, ShadowEpochs: 3),
            new(ExperimentKind.Sensitivity, "fashion-mnist", "lenet5", ["iau"], [0], MaxEpochs: 4, GrAlphas: [0, 0.001, 0.005, 0.01], ShadowEpochs: 3),
            StreamOf(10_000, maxEpochs: 4, [0, 1, 2]),
            new(ExperimentKind.Convex, "fashion-mnist", "logreg", ["iau", "iu", "certified"], [0], TrainLimit: 10_000, RemovedCounts: [10, 50, 200, 1000]),

            // Added after the first committed quick run; new cells only (the rows above keep their keys and hashes,
            // and these reuse their cached originals and shadow attacks): random 10% and class-wise forgetting.
            new(ExperimentKind.Main, "fashion-mnist", "lenet5", AllMethods, [0, 1, 2], ForgetRatio: 0.10, MaxEpochs: 4, MethodOptions: Shortened, ShadowEpochs: 3, ReferenceModels: 1),
            new(ExperimentKind.ClassWise, "fashion-mnist", "lenet5", AllMethods, [0, 1, 2], MaxEpochs: 4, MethodOptions: Shortened, ShadowEpochs: 3, ForgetClass: QuickForgetClass, ReferenceModels: 1),

            // The forgetting audit on a 10,000-sample subset, 8 models per pool (iau audit --pool 64 for the default size).
            new(ExperimentKind.Audit, "fashion-mnist", "lenet5", AuditMethods, [0], MaxEpochs: 4, TrainLimit: 10_000, MethodOptions: Shortened, PoolSizes: [AuditOptions.SmokePool]),
        ]);

    /// <summary>The paper's grid (needs the datasets and, realistically, a GPU).</summary>
    public static Profile Paper { get; } = new(
        "paper",
        "The paper's grid: CIFAR-10/LeNet5, SVHN/ResNet18, CIFAR-100/VGG19, Purchase100/MLP at 5% and 10% random and class-wise (class 0) forgetting, 10 seeds, full recipes.",
        [
            .. Grid("cifar10", "lenet5"),
            .. Grid("svhn", "resnet18"),
            .. Grid("cifar100", "vgg19"),
            .. Grid("purchase100", "mlp"),
        ]);

    /// <summary>
    /// The paper's recipe on the data at hand: the official protocol (one split and one original, seeds 1–10 vary
    /// the random forget set; class-wise keeps seeds 1–3, its forget set being fixed), Fashion-MNIST with LeNet5
    /// trained with gradient restriction under the full recipe (≤ 200 epochs, early stopping with patience 10 — no
    /// epoch caps), random 5% and class-wise forgetting, every method and both controls at reference defaults
    /// (<see cref="Profile.TunedRows"/> is off), the paper MIA preset and the per-example attack.
    /// </summary>
    public static Profile FmnistPaper { get; } = new(
        "fmnist-paper",
        "The paper's recipe on Fashion-MNIST: official protocol (one split and original; forget-set seeds 1-10 for random 5%, 1-3 for class-wise, whose forget set "
        + "is the same for every seed), LeNet5 with gradient restriction, full training recipe (≤200 epochs, early stopping, patience 10), every method and both controls "
        + "at reference defaults (no tuned rows: the committed recipes were searched in the quick setting; name a folder searched with --full-recipe to add them), "
        + "paper MIA preset (3 shadows, 25 epochs) and the per-example attack (RMIA, 1 reference model per forget set); "
        + "a stream of 20 deletion requests (0.5% each, 3 seeds) on a 10,000-sample subset under the full recipe, with Retrain after every 5th. Wall time: see environment.md.",
        [
            new(ExperimentKind.Main, "fashion-mnist", "lenet5", AllMethods, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ShadowEpochs: 25, Protocol: Protocol.Official, Mia: MiaPreset.Paper, ReferenceModels: 1),
            new(ExperimentKind.ClassWise, "fashion-mnist", "lenet5", AllMethods, [1, 2, 3], ShadowEpochs: 25, ForgetClass: 0, Protocol: Protocol.Official, Mia: MiaPreset.Paper, ReferenceModels: 1),

            // Added after the committed 10-seed run (its cells keep their keys): the stream of deletion requests under the
            // full recipe, on a 10,000-sample subset so that 20 requests × 3 seeds × 9 methods and 12 Retrains fit in about an hour.
            StreamOf(10_000, maxEpochs: 200, [1, 2, 3], Protocol.Official),
        ],
        TunedRows: false);

    private static IEnumerable<ExperimentSpec> Grid(string dataset, string model)
    {
        int[] seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        foreach (var ratio in new[] { 0.05, 0.10 })
        {
            yield return new(ExperimentKind.Main, dataset, model, AllMethods, seeds, ForgetRatio: ratio);
        }

        yield return new(ExperimentKind.Ablation, dataset, model, ["ia", "iau"], seeds);
        yield return new(ExperimentKind.Efficiency, dataset, model, ["iau", "iau-cached", "ga"], [0], ForgetRatios: [0.01, 0.02, 0.05, 0.1]);
        yield return new(ExperimentKind.ClassWise, dataset, model, AllMethods, seeds, ForgetClass: 0);
    }
}
