using Iau.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Influence;

/// <summary>
/// The dense Hessian of the mean cross-entropy over a set, and inverse-Hessian-vector products by Cholesky:
/// <code>
///     H = ∇²θ L̄(D) = (1/|D|) Σ_{z∈D} ∇²θ ℓ(z, θ)          (P × P, float64)
///     x = (H + λI)⁻¹ v   via   H + λI = L Lᵀ,  L Lᵀ x = v
/// </code>
/// H is built row by row with double back-propagation: per chunk, g = ∇θ Σ_chunk ℓ is taken with its graph and
/// row i is ∇θ g_i (P backward passes per chunk), accumulated in float64 and symmetrised ((H + Hᵀ)/2 removes
/// rounding asymmetry). Forward and backward passes run in the parameters' element type (each chunk's features are
/// cast to it); for a float64 Hessian of a float32 model pass a float64 copy (IauModel.Clone, then to(Float64)),
/// as <see cref="Unlearning.InfluenceUnlearning"/> does. The model is put in eval mode and restored afterwards.
/// Only for small models: the matrix takes 8·P² bytes and costs P backward passes per chunk, so models with more
/// than <see cref="DefaultMaxParameters"/> parameters are refused unless the caller raises the limit.
/// </summary>
public static class ExactHessian
{
    /// <summary>Parameter limit of the dense Hessian: 5,000 parameters = a 200 MB float64 matrix.</summary>
    public const int DefaultMaxParameters = 5000;

    /// <summary>H = ∇²θ L̄(D) as a dense float64 [P, P] tensor (a new tensor in the caller's scope).</summary>
    /// <exception cref="ArgumentException">The model has more than <paramref name="maxParameters"/> parameters, or the set is empty.</exception>
    public static Tensor Compute(
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        int maxParameters = DefaultMaxParameters,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot take the Hessian over an empty set.", nameof(data));
        }

        var parameters = Gradients.Trainable(model);
        var tensors = parameters.Cast<Tensor>().ToList();
        var count = parameters.Sum(p => p.numel());
        CheckSize(count, maxParameters);
        var dtype = parameters[0].dtype;
        var wasTraining = model.training;
        model.eval();
        try
        {
            var h = zeros([count, count], dtype: ScalarType.Float64, device: parameters[0].device);
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var xy = new Gradients.DisposePair(x, y);
                using var scope = NewDisposeScope();
                var loss = F.cross_entropy(model.forward(x.to(dtype)), y, reduction: nn.Reduction.Sum);
                var grads = autograd.grad([loss], tensors, retain_graph: true, create_graph: true, allow_unused: true);
                var flat = cat(grads.Select((g, i) => g is null || g.IsInvalid ? zeros_like(tensors[i]).reshape(-1) : g.reshape(-1)).ToArray());
                if (!flat.requires_grad)
                {
                    continue;
                }

                for (long i = 0; i < count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var rowScope = NewDisposeScope();
                    var gi = flat[i];
                    if (!gi.requires_grad)
                    {
                        continue;
                    }

                    var row = autograd.grad([gi], tensors, retain_graph: true, allow_unused: true);
                    using var noGrad = no_grad();
                    var rowFlat = cat(row.Select((r, j) => r is null || r.IsInvalid ? zeros_like(tensors[j]).reshape(-1) : r.reshape(-1)).ToArray());
                    h[i].add_(rowFlat.to(ScalarType.Float64));
                }
            }

            using (no_grad())
            {
                using var sym = (h + h.t()) / (2.0 * data.Count);
                h.copy_(sym);
            }

            return h;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// x = (H + λI)⁻¹v for the Hessian over <paramref name="data"/>, by Cholesky in float64. The relative residual
    /// ‖(H + λI)x − v‖/‖v‖ is computed with the dense matrix.
    /// </summary>
    /// <exception cref="ArgumentException">Too many parameters (see <see cref="Compute"/>).</exception>
    /// <exception cref="InvalidOperationException">H + λI is not positive definite (raise the damping).</exception>
    public static InverseHvpResult Solve(
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        ParameterVector v,
        double damping = 0,
        int maxParameters = DefaultMaxParameters,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(v);
        CheckDamping(damping);
        InverseHvp.CheckShape(model, v);
        using var scope = NewDisposeScope();
        var h = Compute(model, data, maxParameters, chunkSize, cancellationToken);
        var b = v.Flatten().to(ScalarType.Float64);
        var x = SolveDense(h, b, damping);
        var residual = (h.matmul(x) + (damping * x) - b).norm().item<double>() / Math.Max(b.norm().item<double>(), double.Epsilon);
        return new InverseHvpResult(InverseHvp.ToParameters(model, x), InverseHvpSolver.Exact, (int)h.shape[0], residual, "converged");
    }

    /// <summary>
    /// Solves (A + λI)x = b for a symmetric float64 matrix A by Cholesky (a new tensor in the caller's scope);
    /// b is a vector [P] or a matrix [P, k].
    /// </summary>
    /// <exception cref="InvalidOperationException">A + λI is not positive definite; the message gives its smallest eigenvalue.</exception>
    public static Tensor SolveDense(Tensor matrix, Tensor b, double damping = 0)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = NewDisposeScope();
        var a = matrix.to(ScalarType.Float64);
        if (damping != 0)
        {
            a = a + (damping * eye(a.shape[0], dtype: ScalarType.Float64, device: a.device));
        }

        var (l, info) = linalg.cholesky_ex(a, check_errors: false);
        if (info.item<int>() != 0)
        {
            var smallest = linalg.eigvalsh(a).min().item<double>();
            throw new InvalidOperationException(
                FormattableString.Invariant($"H + λI (λ = {damping:G3}) is not positive definite: its smallest eigenvalue is {smallest:G3}. ") +
                "Raise the damping (or the L2 coefficient) above its magnitude; non-convex models often need it.");
        }

        var rhs = b.to(ScalarType.Float64);
        var vector = rhs.dim() == 1;
        var x = cholesky_solve(vector ? rhs.unsqueeze(1) : rhs, l, upper: false);
        return (vector ? x.squeeze(1) : x).MoveToOuterDisposeScope();
    }

    /// <summary>Throws when a dense P × P matrix is beyond the limit.</summary>
    internal static void CheckSize(long parameters, int maxParameters)
    {
        if (parameters > maxParameters)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"The exact Hessian is a dense {parameters:N0} × {parameters:N0} matrix; this model has {parameters:N0} parameters, ") +
                FormattableString.Invariant($"more than the limit of {maxParameters:N0}. Use solver=cg or solver=lissa (Hessian-vector products only), ") +
                "or raise the limit (max-parameters) if memory allows (8·P² bytes).");
        }
    }

    /// <summary>Damping must be finite and non-negative.</summary>
    internal static void CheckDamping(double damping)
    {
        if (!(damping >= 0) || double.IsInfinity(damping))
        {
            throw new ArgumentOutOfRangeException(nameof(damping), damping, "Damping must be finite and non-negative.");
        }
    }
}
