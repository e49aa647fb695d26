using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Influence;

/// <summary>
/// The WoodFisher inverse-Hessian-vector product exactly as the Unlearn-Sparse / SalUn reference code computes it
/// (<c>woodfisher</c> in their <c>unlearn/Wfisher.py</c>, after Singh &amp; Alistarh 2020), including its quirks.
/// <para>
/// <b>What it is meant to approximate.</b> The inverse of the damped empirical Fisher
/// <code>
///     F = I + (1/N) Σ_{j=1..N} s_j s_jᵀ,        s_j = ∇θ ℓ(z_j, θ)   (per-sample gradients, batch size 1)
/// </code>
/// applied to v, built sample by sample with the Sherman–Morrison identity
/// F_j⁻¹ = F_{j−1}⁻¹ − F_{j−1}⁻¹ s_j s_jᵀ F_{j−1}⁻¹ / (N + s_jᵀ F_{j−1}⁻¹ s_j). F stands in for the Hessian
/// (the Fisher equals the Gauss–Newton part of the Hessian in expectation) with an implicit damping of 1.
/// </para>
/// <para>
/// <b>What the reference code computes</b> (and so does this class):
/// <code>
///     k = v;  o = none
///     for each sample gradient s (the first samples of D in order, batch size 1):
///         if o is none:  o = s
///         else:          t = oᵀs;   k ← k − (kᵀs / (N + t))·o;   o ← o − (t / (N + t))·o
///     return k
/// </code>
/// Quirks kept on purpose: o is never replaced by F⁻¹s, so it stays a multiple of the <i>first</i> sample gradient
/// s₁, and the result is v − c·s₁ for a scalar c — a rank-one correction of v, not F⁻¹v; the first sample only
/// initialises o; the divisor is the fixed N whatever the set's size; and the loop stops after the sample with
/// 0-based index N + 1 (so N + 2 samples are read, or all of D when it is smaller). The samples are D's first ones
/// in its own order (their retain loader has shuffle=False). Reference default N = 1000.
/// </para>
/// Sample gradients are taken in eval mode in the model's element type; the recursion runs in float64.
/// </summary>
public static class WoodFisher
{
    /// <summary>N of the reference code.</summary>
    public const int DefaultSamples = 1000;

    /// <summary>Runs the reference recursion with per-sample gradients of the first samples of <paramref name="data"/>.</summary>
    public static InverseHvpResult Solve(
        nn.Module<Tensor, Tensor> model,
        TensorData data,
        ParameterVector v,
        int samples = DefaultSamples,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(v);
        InverseHvp.CheckShape(model, v);
        if (samples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "WoodFisher needs N ≥ 1.");
        }

        if (data.Count == 0)
        {
            throw new ArgumentException("WoodFisher needs at least one sample.", nameof(data));
        }

        var parameters = Gradients.Trainable(model);
        var dtype = parameters[0].dtype;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            var k = v.Flatten().to(ScalarType.Float64).clone();
            Tensor? o = null;
            var used = 0;
            var n = (double)samples;
            foreach (var (x, y) in data.Chunks(1))
            {
                using var xy = new Gradients.DisposePair(x, y);
                cancellationToken.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                var s = Gradients.SampleGradient(model, parameters, x.to(dtype), y).to(ScalarType.Float64);
                using (no_grad())
                {
                    if (o is null)
                    {
                        o = s.clone().MoveToOuterDisposeScope();
                    }
                    else
                    {
                        var t = o.dot(s).item<double>();
                        var ks = k.dot(s).item<double>();
                        using var alpha = (-ks / (n + t)).ToScalar(); // held: see Training/KeptAliveOptimizers.cs
                        using var shrink = (1 - (t / (n + t))).ToScalar();
                        k.add_(o, alpha);
                        o.mul_(shrink);
                    }
                }

                used++;
                if (used - 1 > samples)
                {
                    break;
                }
            }

            return new InverseHvpResult(InverseHvp.ToParameters(model, k), InverseHvpSolver.WoodFisher, used, double.NaN, "done");
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
