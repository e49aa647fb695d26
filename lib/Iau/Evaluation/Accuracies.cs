using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>
/// The paper's accuracy metrics of one model, each acc(D) = |{(x, y) ∈ D : argmax f(x) = y}| / |D|:
/// TA = acc(D_test), RA = acc(D_retain), FA = acc(D_forget), and UA = 1 − FA (unlearning accuracy).
/// An empty set gives NaN.
/// </summary>
/// <param name="Test">TA, accuracy on the test set.</param>
/// <param name="Retain">RA, accuracy on the retain set.</param>
/// <param name="Forget">FA, accuracy on the forget set.</param>
public sealed record Accuracies(double Test, double Retain, double Forget)
{
    /// <summary>UA = 1 − FA.</summary>
    public double Unlearn => 1 - Forget;

    /// <summary>Evaluates <paramref name="model"/> on the three sets (eval mode, no_grad, chunked).</summary>
    public static Accuracies Compute(
        nn.Module<Tensor, Tensor> model,
        TensorData test,
        TensorData retain,
        TensorData forget,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(retain);
        ArgumentNullException.ThrowIfNull(forget);
        return new Accuracies(
            Evaluator.Accuracy(model, test, chunkSize),
            Evaluator.Accuracy(model, retain, chunkSize),
            Evaluator.Accuracy(model, forget, chunkSize));
    }

    /// <summary>The values under the result-row metric names TA, RA, FA, UA.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [Metric.TA] = Test,
        [Metric.RA] = Retain,
        [Metric.FA] = Forget,
        [Metric.UA] = Unlearn,
    };
}
