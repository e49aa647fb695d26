namespace Iau.Training;

/// <summary>Reported through <see cref="IProgress{T}"/> after every epoch of <see cref="Trainer.Train"/>.</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="MaxEpochs">Upper bound on epochs.</param>
/// <param name="TrainLoss">Mean training cross-entropy of the epoch.</param>
/// <param name="TrainAccuracy">Training accuracy during the epoch.</param>
/// <param name="ValidAccuracy">Validation accuracy after the epoch (null without a validation set).</param>
/// <param name="SamplesPerSecond">Training throughput of the epoch.</param>
/// <param name="Elapsed">Wall time of the whole run so far (earlier sessions of a resumed run included).</param>
/// <param name="BestEpoch">Epoch with the best validation accuracy so far (the last epoch without validation).</param>
/// <param name="BestValidAccuracy">Best validation accuracy so far.</param>
/// <param name="EpochsWithoutImprovement">Epochs since the best one (early stopping fires when it reaches the patience).</param>
public sealed record EpochProgress(
    int Epoch,
    int MaxEpochs,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidAccuracy,
    double SamplesPerSecond,
    TimeSpan Elapsed,
    int BestEpoch,
    double? BestValidAccuracy,
    int EpochsWithoutImprovement);
