using Iau.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Training;

/// <summary>The parts of a (possibly gradient-restricted) training loss for one mini-batch.</summary>
/// <param name="Total">What to back-propagate: ℓ + α·penalty (just ℓ when α = 0).</param>
/// <param name="CrossEntropy">ℓ, the mini-batch mean cross-entropy.</param>
/// <param name="Penalty">Σ_p ‖∂ℓ/∂p‖₂, or null when α = 0 (not computed).</param>
public readonly record struct GrLoss(Tensor Total, Tensor CrossEntropy, Tensor? Penalty);

/// <summary>
/// Gradient restriction (GR), the training-time part of IAU:
/// <code>
///     ℓ_GR(B) = ℓ(B) + α · Σ_p ‖∂ℓ(B)/∂p‖₂
/// </code>
/// with ℓ(B) the mean cross-entropy over the mini-batch B, the sum running over the model's parameter
/// tensors p (one L2 norm per tensor, not one over their concatenation), α = 0.005 in the paper. Its gradient
/// needs double back-propagation: the inner gradients are taken with create_graph so that the norms stay
/// differentiable, then ℓ_GR.backward() reaches the Hessian-vector terms.
/// </summary>
public static class GradientRestriction
{
    /// <summary>
    /// The loss for one mini-batch. With α = 0 no inner gradient is taken (plain cross-entropy, one backward).
    /// Tensors are created in the current dispose scope.
    /// </summary>
    /// <param name="logits">Model output [B, classes], still attached to the graph.</param>
    /// <param name="labels">Class indices [B] (int64).</param>
    /// <param name="parameters">The parameter tensors the penalty sums over (those requiring grad).</param>
    /// <param name="alpha">α ≥ 0.</param>
    public static GrLoss Compute(Tensor logits, Tensor labels, IReadOnlyList<Tensor> parameters, double alpha)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(alpha >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be non-negative.");
        }

        var loss = F.cross_entropy(logits, labels);
        if (alpha == 0)
        {
            return new GrLoss(loss, loss, null);
        }

        var penalty = Penalty(loss, parameters, createGraph: true);
        using var weight = alpha.ToScalar(); // held: see KeptAliveOptimizers.cs
        return new GrLoss(loss.add(penalty.mul(weight), KeptScalars.One), loss, penalty);
    }

    /// <summary>
    /// Σ_p ‖∂loss/∂p‖₂ over the given parameters (parameters the loss does not depend on contribute 0).
    /// With <paramref name="createGraph"/> the result can be differentiated again.
    /// </summary>
    public static Tensor Penalty(Tensor loss, IReadOnlyList<Tensor> parameters, bool createGraph)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        var grads = autograd.grad([loss], parameters.ToList(), retain_graph: true, create_graph: createGraph, allow_unused: true);
        Tensor? sum = null;
        foreach (var g in grads)
        {
            if (g is null || g.IsInvalid)
            {
                continue;
            }

            // Tensor.norm(2) is at::norm(g, 2), which libtorch computes as linalg_vector_norm(g, 2) (forward and
            // backward; GradientRestrictionTests holds them equal bit for bit). linalg.vector_norm would hand libtorch a
            // Scalar for ord that TorchSharp does not keep alive (KeptAliveOptimizers.cs): one per parameter and batch.
            var norm = g.norm(2f);
            sum = sum is null ? norm : sum.add(norm, KeptScalars.One);
        }

        return sum ?? zeros([], dtype: loss.dtype, device: loss.device);
    }

    /// <summary>
    /// ‖∇θ ℓ(z)‖₂ for single samples z (one norm over all parameters together), in eval mode (batch norm uses
    /// running statistics), for at most <paramref name="maxSamples"/> samples from the start of
    /// <paramref name="data"/>. GR aims to make these small.
    /// </summary>
    public static double[] PerSampleGradientNorms(nn.Module<Tensor, Tensor> model, TensorData data, int? maxSamples = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var n = Math.Min(data.Count, maxSamples ?? int.MaxValue);
        var parameters = model.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
        var wasTraining = model.training;
        model.eval();
        try
        {
            var norms = new double[n];
            for (var i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                var x = data.Features.narrow(0, i, 1);
                var y = data.Labels.narrow(0, i, 1);
                var loss = F.cross_entropy(model.call(x), y);
                var grads = autograd.grad([loss], parameters, allow_unused: true);
                var sq = zeros([], dtype: ScalarType.Float64, device: loss.device);
                foreach (var g in grads)
                {
                    if (g is not null && !g.IsInvalid)
                    {
                        sq.add_(g.to(ScalarType.Float64).Squared().sum(), KeptScalars.One);
                    }
                }

                norms[i] = Math.Sqrt(sq.item<double>());
            }

            return norms;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
