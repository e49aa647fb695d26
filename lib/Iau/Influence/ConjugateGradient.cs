using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Influence;

/// <summary>Settings of <see cref="ConjugateGradient"/>.</summary>
/// <param name="MaxIterations">Upper bound on Hessian-vector products (default 100; CG is exact after P steps in exact
/// arithmetic, and well-conditioned problems need far fewer).</param>
/// <param name="Tolerance">Stop when ‖r‖ ≤ Tolerance·‖v‖, r = v − (H + λI)x (default 1e-6).</param>
public sealed record ConjugateGradientOptions(int MaxIterations = 100, double Tolerance = 1e-6)
{
    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "CG needs at least one iteration.");
        }

        if (!(Tolerance >= 0) || double.IsInfinity(Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The tolerance must be finite and non-negative.");
        }
    }
}

/// <summary>
/// Conjugate gradient for (H + λI)x = v, H = ∇²θ L̄(D) the Hessian of the mean cross-entropy over the whole set,
/// applied only through chunked Hessian-vector products (<see cref="InverseHvp.HessianVectorProduct"/>), so memory
/// stays O(P):
/// <code>
///     x₀ = 0, r₀ = p₀ = v
///     αₖ = rₖᵀrₖ / pₖᵀ(H + λI)pₖ,  xₖ₊₁ = xₖ + αₖpₖ,  rₖ₊₁ = rₖ − αₖ(H + λI)pₖ
///     βₖ = rₖ₊₁ᵀrₖ₊₁ / rₖᵀrₖ,     pₖ₊₁ = rₖ₊₁ + βₖpₖ        until ‖rₖ‖ ≤ tol·‖v‖
/// </code>
/// The iterates live in float64; the products run in the model's element type. CG needs H + λI positive definite;
/// when it meets a direction of non-positive curvature (a non-convex model with too little damping) it stops there
/// and returns the current iterate with status "negative curvature" rather than diverging.
/// </summary>
public static class ConjugateGradient
{
    /// <summary>Solves with full-set Hessian-vector products over <paramref name="data"/>.</summary>
    public static InverseHvpResult Solve(
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        ParameterVector v,
        double damping = 0,
        ConjugateGradientOptions? options = null,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(v);
        ExactHessian.CheckDamping(damping);
        InverseHvp.CheckShape(model, v);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot take the Hessian over an empty set.", nameof(data));
        }

        using var scope = NewDisposeScope();
        var b = v.Flatten().to(ScalarType.Float64);
        var (x, iterations, residual, status) = Run(InverseHvp.Operator(model, data, damping, chunkSize), b, options, cancellationToken);
        return new InverseHvpResult(InverseHvp.ToParameters(model, x), InverseHvpSolver.Cg, iterations, residual, status);
    }

    /// <summary>
    /// CG on flat float64 vectors with any symmetric positive-definite operator <paramref name="apply"/>
    /// (which returns a new tensor). Returns x (in the caller's scope), the number of operator applications,
    /// the relative recursive residual ‖r‖/‖b‖ and the status.
    /// </summary>
    internal static (Tensor X, int Iterations, double RelativeResidual, string Status) Run(
        Func<Tensor, Tensor> apply,
        Tensor b,
        ConjugateGradientOptions? options,
        CancellationToken cancellationToken)
    {
        options ??= new ConjugateGradientOptions();
        options.Validate();
        var x = zeros_like(b, dtype: ScalarType.Float64);
        var r = b.to(ScalarType.Float64).clone();
        var p = r.clone();
        var bNorm = r.norm().item<double>();
        if (bNorm == 0)
        {
            return (x, 0, 0, "converged");
        }

        var rs = r.dot(r).item<double>();
        var iterations = 0;
        var status = "max iterations";
        while (iterations < options.MaxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var ap = apply(p);
            iterations++;
            var curvature = p.dot(ap).item<double>();
            if (!(curvature > 0))
            {
                status = "negative curvature";
                break;
            }

            var alpha = rs / curvature;
            using (no_grad())
            {
                using var a = alpha.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
                using var minusA = (-alpha).ToScalar();
                x.add_(p, a);
                r.add_(ap, minusA);
            }

            var rsNew = r.dot(r).item<double>();
            if (!double.IsFinite(rsNew))
            {
                throw new InvalidOperationException("Conjugate gradient diverged (non-finite residual): check the model and the damping.");
            }

            if (Math.Sqrt(rsNew) <= options.Tolerance * bNorm)
            {
                rs = rsNew;
                status = "converged";
                break;
            }

            using (no_grad())
            {
                using var beta = (rsNew / rs).ToScalar();
                p.mul_(beta).PlusInPlace(r);
            }

            rs = rsNew;
        }

        return (x, iterations, Math.Sqrt(rs) / bNorm, status);
    }
}
