namespace Iau.Audit;

/// <summary>
/// What the audit keeps of one model of a pool: its logit-scaled confidences on D_f and its accuracies. Small
/// (8 bytes per forget example), so pools of hundreds of models cost megabytes, and shards merge by copying.
/// </summary>
/// <param name="Key">Hash of everything that determines the model (see <see cref="PoolKey"/>); the file name.</param>
/// <param name="Kind">"original", "retrain" or "unlearned".</param>
/// <param name="Method">The method for unlearned models, else the kind.</param>
/// <param name="Seed">The model's seed within its pool (1..N; N+1..2N for the method "retrain").</param>
/// <param name="Confidences">φ of every forget example, in D_f order.</param>
/// <param name="RetainAccuracy">RA.</param>
/// <param name="TestAccuracy">TA.</param>
/// <param name="ForgetAccuracy">FA.</param>
/// <param name="Seconds">Training time (originals, retrained) or the unlearning step's time.</param>
/// <param name="Description">What was run.</param>
public sealed record PoolRecord(
    string Key,
    string Kind,
    string Method,
    int Seed,
    double[] Confidences,
    double RetainAccuracy,
    double TestAccuracy,
    double ForgetAccuracy,
    double Seconds,
    string Description);
