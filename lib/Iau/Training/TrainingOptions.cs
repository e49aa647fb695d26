namespace Iau.Training;

/// <summary>Optimizer used by the <see cref="Trainer"/>.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β = 0.9, 0.999, ε = 1e-8), the paper's choice.</summary>
    Adam,

    /// <summary>Stochastic gradient descent with <see cref="TrainingOptions.Momentum"/>.</summary>
    Sgd,
}

/// <summary>
/// How a model is trained. The defaults are the authors' recipe (environment.md, "Protocols: the kit's and the authors'"): Adam, learning rate 1e-3,
/// batch 64, at most 200 epochs, early stopping on validation accuracy with patience 10 keeping the
/// best-validation weights, plain cross-entropy (GrAlpha 0).
/// </summary>
/// <param name="Optimizer">Adam or SGD.</param>
/// <param name="LearningRate">Step size.</param>
/// <param name="BatchSize">Mini-batch size (the last batch of an epoch may be smaller).</param>
/// <param name="MaxEpochs">Upper bound on epochs.</param>
/// <param name="Patience">
/// Stop after this many epochs without a strictly better validation accuracy; null = never stop early.
/// Only used when a validation set is given.
/// </param>
/// <param name="GrAlpha">
/// Weight α of the gradient-restriction penalty (see <see cref="GradientRestriction"/>); 0 = plain training.
/// </param>
/// <param name="Seed">Seeds the shuffling (epoch e shuffles with <see cref="Trainer.EpochSeed"/>(Seed, e)).</param>
/// <param name="EvalChunkSize">Chunk size for evaluation passes (bounds memory, not results).</param>
/// <param name="Momentum">SGD momentum (ignored by Adam).</param>
/// <param name="WeightDecay">L2 weight decay of the optimizer.</param>
/// <param name="RestoreBest">With a validation set, end with the best-validation weights (else the last ones).</param>
public sealed record TrainingOptions(
    OptimizerKind Optimizer = OptimizerKind.Adam,
    double LearningRate = 1e-3,
    int BatchSize = 64,
    int MaxEpochs = 200,
    int? Patience = 10,
    double GrAlpha = 0,
    int Seed = 0,
    int EvalChunkSize = Iau.Runtime.Defaults.ChunkSize,
    double Momentum = 0.9,
    double WeightDecay = 0,
    bool RestoreBest = true)
{
    /// <summary>The α the authors use for gradient restriction.</summary>
    public const double PaperGrAlpha = 0.005;

    /// <summary>The paper's recipe without gradient restriction.</summary>
    public static TrainingOptions Paper { get; } = new();

    /// <summary>The paper's recipe with gradient restriction, α = 0.005 (how IAU's original model is trained).</summary>
    public static TrainingOptions PaperWithGr { get; } = new(GrAlpha: PaperGrAlpha);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rate must be positive and finite.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be at least 1.");
        }

        if (MaxEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "MaxEpochs must be at least 1.");
        }

        if (Patience is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be at least 1 (or null for none).");
        }

        if (!(GrAlpha >= 0) || double.IsInfinity(GrAlpha))
        {
            throw new ArgumentOutOfRangeException(nameof(GrAlpha), GrAlpha, "GrAlpha must be finite and non-negative.");
        }

        if (EvalChunkSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvalChunkSize), EvalChunkSize, "EvalChunkSize must be at least 1.");
        }

        if (!(Momentum >= 0) || !(WeightDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), "Momentum and WeightDecay must be non-negative.");
        }
    }
}
