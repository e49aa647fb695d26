using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>
/// How far an unlearned model is from the Retrain model, in weights and in outputs:
/// <code>
/// L2(a, b)      = ‖θ_a − θ_b‖₂ = sqrt( Σ_p Σ_k (θ_a[p]_k − θ_b[p]_k)² )      over every parameter tensor p
/// JS(a, b; D)   = (1/|D|) Σ_{x ∈ D} JS( p_a(x) ‖ p_b(x) )
/// JS(P ‖ Q)     = ½ KL(P ‖ M) + ½ KL(Q ‖ M),   M = ½ (P + Q),   KL(P ‖ M) = Σ_c P_c ln(P_c / M_c)
/// </code>
/// with natural logarithms and 0 · ln 0 = 0, so 0 ≤ JS ≤ ln 2 ≈ 0.693 (0 for identical outputs, ln 2 for
/// outputs with disjoint support). Everything is accumulated in float64.
/// </summary>
public static class Distances
{
    /// <summary>
    /// ‖θ_a − θ_b‖₂ over all parameters (trainable or frozen; batch-norm running statistics, which are
    /// buffers, are not included). The models must have the same parameter names and shapes.
    /// </summary>
    /// <exception cref="ArgumentException">The models' parameters differ in names or shapes.</exception>
    public static double ParameterL2(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var pa = a.named_parameters().ToList();
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        if (pa.Count != pb.Count)
        {
            throw new ArgumentException($"The models have {pa.Count} and {pb.Count} parameter tensors.", nameof(b));
        }

        using var noGrad = no_grad();
        var sum = 0.0;
        foreach (var (name, p) in pa)
        {
            using var scope = NewDisposeScope();
            if (!pb.TryGetValue(name, out var q) || !p.shape.SequenceEqual(q.shape))
            {
                throw new ArgumentException($"Parameter '{name}' is missing from the second model or has another shape.", nameof(b));
            }

            var diff = p.detach().to(ScalarType.Float64) - q.detach().to(p.device).to(ScalarType.Float64);
            sum += diff.Squared().sum().item<double>();
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Mean Jensen–Shannon divergence between the two models' softmax outputs over <paramref name="data"/>
    /// (natural log, in [0, ln 2]); NaN for an empty set. Both models run in eval mode under no_grad, chunk
    /// by chunk; their modes are restored afterwards.
    /// </summary>
    public static double JsDivergence(
        nn.Module<Tensor, Tensor> a,
        nn.Module<Tensor, Tensor> b,
        TensorData data,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        var values = JsDivergences(a, b, data, chunkSize);
        return values.Length == 0 ? double.NaN : values.Average();
    }

    /// <summary>Per-sample JS(p_a(x) ‖ p_b(x)) over <paramref name="data"/> (natural log, each in [0, ln 2]; see the type remarks).</summary>
    public static double[] JsDivergences(
        nn.Module<Tensor, Tensor> a,
        nn.Module<Tensor, Tensor> b,
        TensorData data,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(data);
        var result = new double[data.Count];
        var (trainA, trainB) = (a.training, b.training);
        a.eval();
        b.eval();
        try
        {
            using var noGrad = no_grad();
            var offset = 0;
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                var xa = Outputs.Aligned(x);
                var logp = a.call(xa).to(ScalarType.Float64).log_softmax(1);
                var logq = b.call(xa).to(ScalarType.Float64).log_softmax(1);
                var p = logp.exp();
                var q = logq.exp();
                var logm = p.Plus(q).Times(0.5).log();
                var zero = zeros_like(p);
                var klp = where(p.gt(KeptScalars.Zero), p * (logp - logm), zero).sum(1);
                var klq = where(q.gt(KeptScalars.Zero), q * (logq - logm), zero).sum(1);
                var js = klp.Plus(klq).Times(0.5).clamp_min(KeptScalars.Zero).cpu().data<double>().ToArray();
                Array.Copy(js, 0, result, offset, js.Length);
                offset += js.Length;
            }
        }
        finally
        {
            a.train(trainA);
            b.train(trainB);
        }

        return result;
    }

    /// <summary>JS(P ‖ Q) of two probability vectors (natural log; see the type remarks). Pure.</summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static double JsDivergence(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        if (p.Count != q.Count)
        {
            throw new ArgumentException($"The distributions have {p.Count} and {q.Count} entries.", nameof(q));
        }

        var js = 0.0;
        for (var c = 0; c < p.Count; c++)
        {
            var m = (p[c] + q[c]) / 2;
            if (p[c] > 0)
            {
                js += p[c] * Math.Log(p[c] / m) / 2;
            }

            if (q[c] > 0)
            {
                js += q[c] * Math.Log(q[c] / m) / 2;
            }
        }

        return Math.Max(js, 0);
    }
}
