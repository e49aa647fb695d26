using Iau.Data;
using Iau.Training;

namespace Iau.Audit;

/// <summary>How the pool of unlearned models is built.</summary>
public enum PoolDesign
{
    /// <summary>(a) The challenge's: one original (training seed 1), the method run N times with seeds 1..N.</summary>
    A,

    /// <summary>(b) N originals (training seeds 1..N), each unlearned once (seed k): needed for deterministic methods such as IAU.</summary>
    B,
}

/// <summary>
/// Everything a forgetting audit depends on. The defaults are the issue's: Fashion-MNIST, LeNet5, a 5% random
/// forget set, 64 models per pool, design (b), the paper's recipe with gradient restriction (α = 0.005, as IAU's
/// original is trained) for originals and retrained models alike.
/// </summary>
/// <param name="Methods">Unlearning methods (registry names). "retrain" is the perfect-unlearning floor's pool (seeds N+1..2N), which every audit builds.</param>
/// <param name="OutDir">Folder of the pool cache (pool/) and the audit's outputs (audit.json, audit.md).</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">Architecture.</param>
/// <param name="Pool">N, models per pool (≥ 6: F is estimated from N models per side).</param>
/// <param name="Design">Pool design (see <see cref="PoolDesign"/>).</param>
/// <param name="ShardIndex">0-based shard index: this run builds only lineages k with (k − 1) mod ShardCount = ShardIndex.</param>
/// <param name="ShardCount">Number of shards (1 = everything, then the scores).</param>
/// <param name="Training">Recipe of the originals and retrained models (null = <see cref="TrainingOptions.PaperWithGr"/>).</param>
/// <param name="TrainLimit">Use only the first TrainLimit training rows (valid: a quarter of it), for quick runs; null = all.</param>
/// <param name="ForgetRatio">Fraction of train to forget (random, seeded).</param>
/// <param name="ForgetSeed">Seed of the forget set.</param>
/// <param name="SplitSeed">Seed of the train/valid split.</param>
/// <param name="MethodOptions">key=value settings per method (as `iau unlearn` takes them).</param>
/// <param name="Workers">Models trained at once, one libtorch thread each (0 = one per core).</param>
/// <param name="BootstrapSamples">Resamples of the forget examples for the intervals over examples (U-LiRA's AUC; F's when <paramref name="ModelBootstrapSamples"/> is 0).</param>
/// <param name="BootstrapSeed">Seed of the resampling.</param>
/// <param name="ModelBootstrapSamples">Resamples of F's two-level bootstrap (models of both pools, then forget examples;
/// <see cref="Iau.Evaluation.Bootstrap.OverModelsAndExamples"/>), each an ε computation; 0 = over examples only, with the models fixed.</param>
/// <param name="Load">How to find the dataset.</param>
public sealed record AuditOptions(
    IReadOnlyList<string> Methods,
    string OutDir,
    string Dataset = "fashion-mnist",
    string Model = "lenet5",
    int Pool = 64,
    PoolDesign Design = PoolDesign.B,
    int ShardIndex = 0,
    int ShardCount = 1,
    TrainingOptions? Training = null,
    int? TrainLimit = null,
    double ForgetRatio = 0.05,
    int ForgetSeed = 0,
    int SplitSeed = 0,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? MethodOptions = null,
    int Workers = 0,
    int BootstrapSamples = 1000,
    int BootstrapSeed = 0,
    LoadOptions? Load = null,
    int ModelBootstrapSamples = 200)
{
    /// <summary>N under the smoke profile.</summary>
    public const int SmokePool = 8;

    /// <summary>N by default.</summary>
    public const int DefaultPool = 64;

    /// <summary>N of the paper-grade audit.</summary>
    public const int PaperPool = 512;

    /// <summary>The recipe in effect.</summary>
    public TrainingOptions EffectiveTraining => Training ?? TrainingOptions.PaperWithGr;

    /// <summary>Workers in effect.</summary>
    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Pool < 6)
        {
            throw new ArgumentException($"--pool {Pool}: the audit needs at least 6 models per pool (F is estimated from N models per side; smaller pools leave it mostly noise).");
        }

        if (ShardCount < 1 || ShardIndex < 0 || ShardIndex >= ShardCount)
        {
            throw new ArgumentException($"shard {ShardIndex + 1}/{ShardCount}: expected 1 ≤ i ≤ n.");
        }

        if (ForgetRatio is <= 0 or >= 1)
        {
            throw new ArgumentException($"forget ratio {ForgetRatio}: must lie in (0, 1).");
        }

        if (TrainLimit is < 8)
        {
            throw new ArgumentException($"train limit {TrainLimit}: at least 8 samples.");
        }

        if (BootstrapSamples < 10)
        {
            throw new ArgumentException($"bootstrap samples {BootstrapSamples}: at least 10.");
        }

        if (ModelBootstrapSamples is < 0 or (> 0 and < 10))
        {
            throw new ArgumentException($"model bootstrap samples {ModelBootstrapSamples}: 0 (examples only) or at least 10.");
        }

        foreach (var m in Methods)
        {
            _ = Iau.Unlearning.UnlearningMethods.Create(m, Iau.Unlearning.MethodSettings.Parse(MethodOptions?.GetValueOrDefault(m) ?? []));
        }

        EffectiveTraining.Validate();
    }
}
