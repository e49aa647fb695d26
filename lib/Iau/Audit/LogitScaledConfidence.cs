using Iau.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Audit;

/// <summary>
/// The logit-scaled confidence of the true class (LiRA's statistic, used by the NeurIPS 2023 unlearning
/// challenge's metric): for logits z and label y,
/// <code>
/// φ(z, y) = log p_y − log Σ_{j≠y} p_j = z_y − log Σ_{j≠y} exp z_j        (p = softmax z)
/// </code>
/// computed in float64 by a log-sum-exp over the wrong classes. The reference adds 1e-45 inside both logs,
/// which only changes values beyond |φ| ≈ 103 (where a probability underflows in float64); here φ is exact.
/// </summary>
public static class LogitScaledConfidence
{
    /// <summary>φ of every sample of <paramref name="data"/> under <paramref name="model"/> (eval mode, no grad, in chunks).</summary>
    public static double[] Of(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var result = new double[data.Count];
        var offset = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                var z = model.call(x).to(ScalarType.Float64);
                var values = FromLogits(z, y).data<double>().ToArray();
                values.CopyTo(result, offset);
                offset += values.Length;
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return result;
    }

    /// <summary>φ for a batch of logits [B, C] (float64) and labels [B]: z_y − logsumexp_{j≠y} z_j.</summary>
    public static Tensor FromLogits(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var y = labels.to(ScalarType.Int64).unsqueeze(1);
        var correct = logits.gather(1, y).squeeze(1);
        var mask = nn.functional.one_hot(y.squeeze(1), logits.shape[1]).to(ScalarType.Bool);
        var masked = logits.masked_fill(mask, double.NegativeInfinity);
        return scope.MoveToOuter(correct - masked.logsumexp(1));
    }

    /// <summary>φ for one row of logits (for hand checks): z_y − log Σ_{j≠y} exp z_j.</summary>
    public static double FromLogits(IReadOnlyList<double> logits, int label)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var max = double.NegativeInfinity;
        for (var j = 0; j < logits.Count; j++)
        {
            if (j != label)
            {
                max = Math.Max(max, logits[j]);
            }
        }

        var sum = 0.0;
        for (var j = 0; j < logits.Count; j++)
        {
            if (j != label)
            {
                sum += Math.Exp(logits[j] - max);
            }
        }

        return logits[label] - (max + Math.Log(sum));
    }
}
