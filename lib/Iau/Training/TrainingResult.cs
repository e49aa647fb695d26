namespace Iau.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>. The model itself is trained in place.</summary>
/// <param name="History">One record per epoch run (earlier sessions of a resumed run included).</param>
/// <param name="BestEpoch">
/// Epoch with the best validation accuracy (the last epoch without validation); the model ends with its
/// weights unless <see cref="TrainingOptions.RestoreBest"/> is off.
/// </param>
/// <param name="BestValidAccuracy">Validation accuracy of that epoch; null without a validation set.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run before MaxEpochs.</param>
/// <param name="WallSeconds">Wall-clock seconds of the whole run (all sessions of a resumed run).</param>
/// <param name="ResumedFromEpoch">Epochs already done when this call started (0 for a fresh run).</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochRecord> History,
    int BestEpoch,
    double? BestValidAccuracy,
    bool StoppedEarly,
    double WallSeconds,
    int ResumedFromEpoch)
{
    /// <summary>Number of epochs run.</summary>
    public int EpochsRun => History.Count;
}
