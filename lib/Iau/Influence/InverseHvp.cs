using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Influence;

/// <summary>How an inverse-Hessian-vector product (H + λI)⁻¹v is computed.</summary>
public enum InverseHvpSolver
{
    /// <summary>Dense Hessian by autograd, Cholesky solve, float64 (<see cref="ExactHessian"/>; small models only).</summary>
    Exact,

    /// <summary>Conjugate gradient with full-set Hessian-vector products (<see cref="ConjugateGradient"/>).</summary>
    Cg,

    /// <summary>LiSSA, the stochastic Neumann-series recursion of Agarwal et al. 2017 (<see cref="Lissa"/>).</summary>
    Lissa,

    /// <summary>The WoodFisher recursion of the Unlearn-Sparse reference code (<see cref="WoodFisher"/>).</summary>
    WoodFisher,
}

/// <summary>
/// The answer of an inverse-Hessian-vector-product solver: x ≈ (H + λI)⁻¹v, one float64 tensor per trainable
/// parameter (shapes as the parameters). Owns <see cref="Solution"/>.
/// </summary>
/// <param name="Solution">x, float64 parts.</param>
/// <param name="Solver">Which solver produced it.</param>
/// <param name="Iterations">Hessian-vector products (CG), recursion steps (LiSSA: depth × repeats),
/// sample gradients (WoodFisher), Hessian rows (exact).</param>
/// <param name="RelativeResidual">‖(H + λI)x − v‖ / ‖v‖ where the solver knows it (exact: computed with the dense
/// matrix; CG: its recursive residual), NaN otherwise (see <see cref="InverseHvp.RelativeResidual"/>).</param>
/// <param name="Status">"converged", "max iterations", "negative curvature", "done" (fixed-length methods).</param>
public sealed record InverseHvpResult(ParameterVector Solution, InverseHvpSolver Solver, int Iterations, double RelativeResidual, string Status) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Solution.Dispose();
}

/// <summary>Settings of every solver, so that a caller can pick one by <see cref="InverseHvpSolver"/>.</summary>
/// <param name="Damping">λ ≥ 0 added to the Hessian's diagonal (ignored by WoodFisher, whose reference recursion
/// fixes its own identity term).</param>
/// <param name="MaxParameters">Refuse the exact solver beyond this many parameters (dense P×P float64 matrix).</param>
/// <param name="Cg">Conjugate-gradient settings (null = defaults).</param>
/// <param name="Lissa">LiSSA settings (null = defaults).</param>
/// <param name="WoodFisherSamples">N of the WoodFisher recursion (reference default 1000).</param>
public sealed record InverseHvpOptions(
    double Damping = 0,
    int MaxParameters = ExactHessian.DefaultMaxParameters,
    ConjugateGradientOptions? Cg = null,
    LissaOptions? Lissa = null,
    int WoodFisherSamples = WoodFisher.DefaultSamples);

/// <summary>
/// Common entry point of the inverse-Hessian-vector-product solvers. Every solver works on the same system
/// <code>
///     (H + λI) x = v,   H = ∇²θ L̄(D) = ∇²θ (1/|D|) Σ_{z∈D} ℓ(z, θ)   (mean cross-entropy, eval mode)
/// </code>
/// at the model's current weights, except WoodFisher, which approximates H by an empirical Fisher (see there).
/// </summary>
public static class InverseHvp
{
    /// <summary>Solves with the chosen solver.</summary>
    public static InverseHvpResult Solve(
        InverseHvpSolver solver,
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        ParameterVector v,
        InverseHvpOptions? options = null,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(v);
        options ??= new InverseHvpOptions();
        return solver switch
        {
            InverseHvpSolver.Exact => ExactHessian.Solve(model, data, v, options.Damping, options.MaxParameters, chunkSize, cancellationToken),
            InverseHvpSolver.Cg => ConjugateGradient.Solve(model, data, v, options.Damping, options.Cg, chunkSize, cancellationToken),
            InverseHvpSolver.Lissa => Lissa.Solve(model, data, v, options.Damping, options.Lissa, chunkSize, cancellationToken),
            InverseHvpSolver.WoodFisher => WoodFisher.Solve(model, data, v, options.WoodFisherSamples, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "Unknown solver."),
        };
    }

    /// <summary>
    /// ‖(H + λI)x − v‖ / ‖v‖ with H the full-set Hessian over <paramref name="data"/> (one chunked Hessian-vector
    /// product): how well any solver's answer solves the system.
    /// </summary>
    public static double RelativeResidual(nn.Module<Tensor, Tensor> model, TensorData data, ParameterVector v, ParameterVector x, double damping, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        using var hx = HessianVectorProduct(model, data, x, damping, chunkSize);
        using var scope = NewDisposeScope();
        var r = hx.Flatten().to(ScalarType.Float64) - v.Flatten().to(ScalarType.Float64);
        var vn = v.Flatten().to(ScalarType.Float64).norm().item<double>();
        return r.norm().item<double>() / (vn > 0 ? vn : 1);
    }

    /// <summary>
    /// The operator x ↦ (H + λI)x on flat float64 vectors, H the full-set Hessian over <paramref name="data"/>
    /// (chunked double back-propagation in the model's element type). The result is a new tensor in the caller's scope.
    /// </summary>
    internal static Func<Tensor, Tensor> Operator(nn.Module<Tensor, Tensor> model, TensorData data, double damping, int chunkSize)
    {
        var like = Gradients.Trainable(model).Cast<Tensor>().ToList();
        return flat =>
        {
            using var x = ParameterVector.Unflatten(flat, like);
            using var hx = HessianVectorProduct(model, data, x, damping, chunkSize);
            return hx.Flatten().to(ScalarType.Float64);
        };
    }

    /// <summary>
    /// (H + λI)v with H = ∇²θ L̄(D) over the whole set, by double back-propagation per chunk, H v = ∇θ ⟨∇θ L̄, v⟩,
    /// accumulated in float64; the result is float64. Two details matter: (a) the first backward pass retains the graph — TorchSharp passes retain_graph = false explicitly where
    /// PyTorch defaults it to create_graph, and the second pass through the cross-entropy's saved tensors then fails
    /// natively — and (b) each chunk's features are cast to the parameters' element type (a float64 copy of a
    /// float32 model works on float32 data). Eval mode, restored afterwards.
    /// </summary>
    public static ParameterVector HessianVectorProduct(nn.Module<Tensor, Tensor> model, TensorData data, ParameterVector v, double damping = 0, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(v);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot take the Hessian over an empty set.", nameof(data));
        }

        var parameters = Gradients.Trainable(model);
        var tensors = parameters.Cast<Tensor>().ToList();
        var dtype = parameters[0].dtype;
        var wasTraining = model.training;
        model.eval();
        try
        {
            var acc = ParameterVector.ZerosLike(tensors, ScalarType.Float64);
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var xy = new Gradients.DisposePair(x, y);
                using var scope = NewDisposeScope();
                var loss = F.cross_entropy(model.forward(x.to(dtype)), y, reduction: nn.Reduction.Sum);
                var grads = autograd.grad([loss], tensors, retain_graph: true, create_graph: true, allow_unused: true);
                Tensor? dot = null;
                for (var i = 0; i < tensors.Count; i++)
                {
                    if (grads[i] is { IsInvalid: false } g)
                    {
                        var term = (g * v.Parts[i].to(g.dtype)).sum();
                        dot = dot is null ? term : dot.Plus(term);
                    }
                }

                if (dot is null || !dot.requires_grad)
                {
                    continue;
                }

                var hv = autograd.grad([dot], tensors, allow_unused: true);
                using var noGrad = no_grad();
                for (var i = 0; i < tensors.Count; i++)
                {
                    if (hv[i] is { IsInvalid: false } h)
                    {
                        acc.Parts[i].PlusInPlace(h.to(ScalarType.Float64));
                    }
                }
            }

            using (no_grad())
            {
                using var dampingScalar = damping.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
                for (var i = 0; i < acc.Parts.Count; i++)
                {
                    acc.Parts[i].OverInPlace(data.Count);
                    if (damping != 0)
                    {
                        acc.Parts[i].add_(v.Parts[i].to(ScalarType.Float64), dampingScalar);
                    }
                }
            }

            return acc;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Checks that <paramref name="v"/> matches the model's trainable parameters.</summary>
    internal static void CheckShape(nn.Module<Tensor, Tensor> model, ParameterVector v)
    {
        var parameters = Gradients.Trainable(model);
        if (parameters.Count != v.Parts.Count ||
            parameters.Zip(v.Parts).Any(pair => !pair.First.shape.SequenceEqual(pair.Second.shape)))
        {
            throw new ArgumentException(
                "The vector does not match the model's trainable parameters (count or shapes differ).", nameof(v));
        }
    }

    /// <summary>Wraps a flat float64 tensor as a parameter vector shaped like the model's parameters.</summary>
    internal static ParameterVector ToParameters(nn.Module<Tensor, Tensor> model, Tensor flat) =>
        ParameterVector.Unflatten(flat.to(ScalarType.Float64), Gradients.Trainable(model).Cast<Tensor>().ToList());
}
