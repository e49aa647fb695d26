using Iau.Data;

namespace Iau.Unlearning;

/// <summary>
/// The sets an unlearning request works with. The caller owns the tensors (methods never dispose them).
/// </summary>
/// <param name="Forget">D_f, the samples to forget.</param>
/// <param name="Retain">D_r = train − D_f.</param>
/// <param name="Valid">Validation set (early stopping of Retrain), or null.</param>
/// <param name="Test">Test set (only for methods that need held-out data, e.g. none of the paper's), or null.</param>
public sealed record UnlearningData(TensorData Forget, TensorData Retain, TensorData? Valid = null, TensorData? Test = null)
{
    /// <summary>n = |D_r| + |D_f|, the size of the original training set.</summary>
    public int TrainCount => Forget.Count + Retain.Count;
}
