using System.Text.Json.Serialization;
using Iau.Training;

namespace Iau.Evaluation;

/// <summary>
/// Settings of <see cref="ShadowModelAttack"/>.
/// </summary>
/// <param name="Shadows">
/// Number k of shadow models (default 1, for CPU budgets). Each sees its own seeded half of the pool, so k
/// shadows give k · |pool| attack training samples; more shadows average out one shadow's idiosyncrasies
/// (Shokri et al. use many; a single well-matched shadow already gives most of the attack's power).
/// </param>
/// <param name="ShadowTraining">
/// How each shadow is trained; null = <see cref="DefaultShadowTraining"/>. Its Seed is replaced by a seed
/// derived from the attack's seed and the shadow's index.
/// </param>
/// <param name="EarlyStopOnOut">
/// When ShadowTraining has a Patience, use the shadow's "out" half as its validation set for early
/// stopping (and, with RestoreBest, keep the best-on-out weights), mirroring how the target is trained with
/// early stopping on a validation split disjoint from its training set. False, or a Patience of null: train
/// for MaxEpochs without a validation set.
/// </param>
/// <param name="AttackHidden">Width of the attack MLP's hidden layer: 2C → AttackHidden → ReLU → 2 logits.</param>
/// <param name="AttackEpochs">Epochs of Adam over the attack training set (a few thousand steps for a pool of 10 000).</param>
/// <param name="AttackLearningRate">Adam learning rate of the attack MLP.</param>
/// <param name="AttackBatchSize">Mini-batch size of the attack MLP.</param>
/// <param name="Preset">
/// Which attack network: <see cref="MiaPreset.Quick"/> = 2C → AttackHidden → ReLU → 2 logits with softmax
/// cross-entropy; <see cref="MiaPreset.Paper"/> = the authors' 2C → 256 → 128 → 32 → 1 with dropout 0.5 and a
/// sigmoid/BCE output (<see cref="PaperAttackNet"/>; AttackHidden is then unused). Use <see cref="Paper"/> for
/// the authors' whole set-up. Left out of the options' JSON while Quick, so existing cached attacks keep their hashes.
/// </param>
public sealed record ShadowAttackOptions(
    int Shadows = 1,
    TrainingOptions? ShadowTraining = null,
    bool EarlyStopOnOut = true,
    int AttackHidden = 64,
    int AttackEpochs = 100,
    double AttackLearningRate = 1e-3,
    int AttackBatchSize = 128,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] MiaPreset Preset = MiaPreset.Quick)
{
    /// <summary>
    /// The authors' shadow recipe (generate_mia_data.py): Adam lr 1e-3, batch 1024, 25 epochs, no early stopping.
    /// </summary>
    public static TrainingOptions PaperShadowTraining { get; } = TrainingOptions.Paper with { BatchSize = 1024, MaxEpochs = 25, Patience = null };

    /// <summary>
    /// The authors' MIA set-up (Lolo1222/IAU generate_mia_data.py, train_mia.py): 3 shadow models, each trained on
    /// one half of its own seeded split of the pool and tested against the other half, with
    /// <paramref name="shadowTraining"/> (default <see cref="PaperShadowTraining"/>); the attack network
    /// 2C → 256 → 128 → 32 → 1, ReLU, dropout 0.5, sigmoid/BCE, Adam lr 0.01, batch 8192, 50 epochs.
    /// Departures, on purpose: the pool is the kit's validation split (disjoint from the target's training
    /// data) where their pool of 45,000 is drawn from the official training set; the shadows have the target's
    /// architecture (their script imports a ResNet18 from a file missing from the repository).
    /// </summary>
    public static ShadowAttackOptions Paper(TrainingOptions? shadowTraining = null) => new(
        Shadows: 3,
        ShadowTraining: shadowTraining ?? PaperShadowTraining,
        EarlyStopOnOut: false,
        AttackEpochs: 50,
        AttackLearningRate: 0.01,
        AttackBatchSize: 8192,
        Preset: MiaPreset.Paper);

    /// <summary>
    /// The default shadow recipe: the paper's (Adam 1e-3, batch 64, early stopping with patience 10 keeping
    /// the best weights) capped at 50 epochs.
    /// </summary>
    public static TrainingOptions DefaultShadowTraining { get; } = TrainingOptions.Paper with { MaxEpochs = 50 };

    /// <summary>The defaults.</summary>
    public static ShadowAttackOptions Default { get; } = new();

    /// <summary>The shadow recipe in effect.</summary>
    [JsonIgnore]
    public TrainingOptions EffectiveShadowTraining => ShadowTraining ?? DefaultShadowTraining;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Shadows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Shadows), Shadows, "At least one shadow model is needed.");
        }

        if (AttackHidden < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttackHidden), AttackHidden, "The attack's hidden width must be positive.");
        }

        if (AttackEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttackEpochs), AttackEpochs, "The attack needs at least one epoch.");
        }

        if (!(AttackLearningRate > 0) || double.IsInfinity(AttackLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(AttackLearningRate), AttackLearningRate, "Learning rate must be positive and finite.");
        }

        if (AttackBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttackBatchSize), AttackBatchSize, "Batch size must be at least 1.");
        }

        EffectiveShadowTraining.Validate();
    }
}
