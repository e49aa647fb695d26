namespace Iau.Training;

/// <summary>
/// Which data a training run uses, recorded in its resume state (<c>.state</c>) and checked when it resumes, so
/// that a run is never continued on other samples (another split seed, another --limit, other data files).
/// </summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DataFingerprint">Fingerprint of the dataset's files.</param>
/// <param name="SplitFingerprint">Fingerprint of the train/valid split (<c>DataSplit.TrainingFingerprint</c>).</param>
/// <param name="SplitDescription">The split in words, for messages (e.g. "split seed 0, train 48000, valid 12000").</param>
public sealed record TrainingDataKey(string Dataset, string DataFingerprint, string SplitFingerprint, string SplitDescription);
