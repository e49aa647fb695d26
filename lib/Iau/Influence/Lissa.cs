using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Influence;

/// <summary>Settings of <see cref="Lissa"/>.</summary>
/// <param name="Depth">Recursion depth J per repeat. Default 1000, our choice for cost (Koh &amp; Liang's code defaults
/// to 10,000, the widely used PyTorch port to 5,000) — the error of the deterministic part decays like
/// (1 − μ/s)^J with μ the smallest eigenvalue of H + λI on the range that matters, so ill-conditioned problems need more.</param>
/// <param name="Scale">s, which must exceed the largest eigenvalue of every mini-batch H_B + λI for the series to
/// converge. Default 10, Koh &amp; Liang's default.</param>
/// <param name="BatchSize">Samples per stochastic Hessian H_B (default 64, our choice: the training batch size of the
/// paper's recipe). A batch size ≥ |D| gives the deterministic full-batch recursion.</param>
/// <param name="Repeats">Independent recursions averaged (default 1, Koh &amp; Liang's num_samples).</param>
/// <param name="Seed">Seeds the mini-batch order.</param>
public sealed record LissaOptions(int Depth = 1000, double Scale = 10, int BatchSize = 64, int Repeats = 1, int Seed = 0)
{
    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Depth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "LiSSA needs a depth of at least 1.");
        }

        if (!(Scale > 0) || double.IsInfinity(Scale))
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "The LiSSA scale must be positive and finite.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The LiSSA batch size must be at least 1.");
        }

        if (Repeats < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Repeats), Repeats, "LiSSA needs at least one repeat.");
        }
    }
}

/// <summary>
/// LiSSA (Agarwal, Bullins &amp; Hazan 2017), as Koh &amp; Liang 2017 use it for influence functions: a truncated,
/// stochastic Neumann series for (H + λI)⁻¹v,
/// <code>
///     x₀ = v,   x_{j+1} = v + (I − (H_{B_j} + λI)/s) x_j,   j = 0 … J−1        (H_B: Hessian of L̄ on mini-batch B_j)
///     (H + λI)⁻¹v ≈ x_J / s,   averaged over R independent repeats
/// </code>
/// Since (A/s)⁻¹ = Σ_k (I − A/s)^k when ‖I − A/s‖ &lt; 1, x_J/s converges to (H + λI)⁻¹v when s exceeds the largest
/// eigenvalue of every H_B + λI and H + λI is positive definite. It is a <b>stochastic approximation</b>: each step
/// sees one seeded random mini-batch (consecutive batches of seeded shuffles of D, one shuffle per pass), so the
/// answer carries sampling noise that shrinks with the batch size and the number of repeats, plus a truncation
/// bias ~(1 − μ/s)^J. Koh &amp; Liang's damping d enters as x_{j+1} = v + (1 − d)x_j − H x_j/s, i.e. λ = d·s here.
/// Iterates are float64; the products run in the model's element type. A non-finite iterate (s too small) is an
/// error that says so.
/// </summary>
public static class Lissa
{
    /// <summary>Runs the recursion over mini-batches of <paramref name="data"/>.</summary>
    public static InverseHvpResult Solve(
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        ParameterVector v,
        double damping = 0,
        LissaOptions? options = null,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(v);
        ExactHessian.CheckDamping(damping);
        InverseHvp.CheckShape(model, v);
        options ??= new LissaOptions();
        options.Validate();
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot take the Hessian over an empty set.", nameof(data));
        }

        using var scope = NewDisposeScope();
        var like = Gradients.Trainable(model).Cast<Tensor>().ToList();
        var b = v.Flatten().to(ScalarType.Float64);
        var sum = zeros_like(b);
        using var descent = (-1.0 / options.Scale).ToScalar(); // held: see Training/KeptAliveOptimizers.cs
        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            var x = b.clone();
            using var batches = Endless(data, options.BatchSize, Trainer.EpochSeed(options.Seed, repeat + 1)).GetEnumerator();
            for (var j = 0; j < options.Depth; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                batches.MoveNext();
                using var batch = batches.Current;
                using var xv = ParameterVector.Unflatten(x, like);
                using var hx = InverseHvp.HessianVectorProduct(model, batch, xv, damping, chunkSize);
                var hxFlat = hx.Flatten().to(ScalarType.Float64);
                using (no_grad())
                {
                    // x ← v + x − (H_B + λI)x / s
                    x.add_(hxFlat, descent).PlusInPlace(b);
                }

                if ((j & 63) == 63 || j == options.Depth - 1)
                {
                    if (!double.IsFinite(x.norm().item<double>()))
                    {
                        throw new InvalidOperationException(
                            $"LiSSA diverged at step {j + 1}: the scale s = {options.Scale} must exceed the largest eigenvalue of the " +
                            "mini-batch Hessians plus damping. Raise lissa-scale (or the batch size).");
                    }
                }
            }

            using (no_grad())
            {
                sum.PlusInPlace(x);
            }
        }

        using (no_grad())
        {
            sum.OverInPlace(options.Scale * options.Repeats);
        }

        return new InverseHvpResult(
            InverseHvp.ToParameters(model, sum), InverseHvpSolver.Lissa, options.Depth * options.Repeats, double.NaN, "done");
    }

    /// <summary>Mini-batches forever: pass e is <see cref="TensorData.Batches"/> with seed EpochSeed(seed, e). Each
    /// batch is a new set the caller disposes.</summary>
    private static IEnumerable<TensorData> Endless(TensorData data, int batchSize, int seed)
    {
        for (var pass = 1; ; pass++)
        {
            foreach (var (x, y) in data.Batches(batchSize, shuffle: true, seed: Trainer.EpochSeed(seed, pass)))
            {
                yield return new TensorData(x, y);
            }
        }
    }
}
