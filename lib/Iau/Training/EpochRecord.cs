namespace Iau.Training;

/// <summary>What one training epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean mini-batch cross-entropy over the epoch (without the GR penalty), in train mode.</param>
/// <param name="TrainAccuracy">Share of training samples classified correctly during the epoch (train mode, running weights).</param>
/// <param name="ValidAccuracy">Validation accuracy after the epoch (eval mode), null without a validation set.</param>
/// <param name="ValidLoss">Validation mean cross-entropy after the epoch, null without a validation set.</param>
/// <param name="GrPenalty">Mean Σ_p ‖∂ℓ/∂p‖₂ over the epoch's mini-batches; 0 when GR is off.</param>
/// <param name="TrainSeconds">Seconds spent on the epoch's optimisation steps (evaluation excluded).</param>
/// <param name="SamplesPerSecond">Training samples per second during those steps.</param>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidAccuracy,
    double? ValidLoss,
    double GrPenalty,
    double TrainSeconds,
    double SamplesPerSecond);
