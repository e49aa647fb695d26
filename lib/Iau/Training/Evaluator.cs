using Iau.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Training;

/// <summary>Accuracy and mean cross-entropy of a model over a set.</summary>
/// <param name="Accuracy">Share of samples whose arg-max logit is the label (NaN for an empty set).</param>
/// <param name="MeanLoss">Mean cross-entropy (NaN for an empty set).</param>
/// <param name="Correct">Correctly classified samples.</param>
/// <param name="Count">Samples evaluated.</param>
public sealed record EvaluationResult(double Accuracy, double MeanLoss, long Correct, long Count);

/// <summary>
/// Evaluates models in eval mode (batch norm uses running statistics) under no_grad, chunk by chunk so that
/// memory stays bounded whatever the set's size. The model's train/eval mode is restored afterwards.
/// </summary>
public static class Evaluator
{
    /// <summary>Default evaluation chunk size.</summary>
    public const int DefaultChunkSize = Iau.Runtime.Defaults.ChunkSize;

    /// <summary>Accuracy and mean loss over <paramref name="data"/>.</summary>
    public static EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            return new EvaluationResult(double.NaN, double.NaN, 0, 0);
        }

        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var lossSum = zeros([], dtype: ScalarType.Float64, device: data.Features.device);
            using var correct = zeros([], dtype: ScalarType.Int64, device: data.Features.device);
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                var logits = model.call(x);
                lossSum.add_(F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64), KeptScalars.One);
                correct.add_(logits.argmax(1).eq(y).sum(), KeptScalars.One);
            }

            var c = correct.item<long>();
            return new EvaluationResult((double)c / data.Count, lossSum.item<double>() / data.Count, c, data.Count);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Accuracy over <paramref name="data"/>.</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = DefaultChunkSize)
    {
        return Evaluate(model, data, chunkSize).Accuracy;
    }
}
