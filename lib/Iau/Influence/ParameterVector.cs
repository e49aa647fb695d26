using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Influence;

/// <summary>
/// A vector in parameter space, held as one tensor per trainable parameter (same shapes), detached.
/// Owns its tensors.
/// </summary>
public sealed class ParameterVector : IDisposable
{
    /// <summary>Wraps tensors (takes ownership; they are detached from any dispose scope).</summary>
    public ParameterVector(IReadOnlyList<Tensor> parts)
    {
        Parts = parts.Select(p => p.DetachFromDisposeScope()).ToArray();
    }

    /// <summary>One tensor per trainable parameter, in <see cref="Gradients.Trainable"/> order.</summary>
    public IReadOnlyList<Tensor> Parts { get; }

    /// <summary>Total number of scalars.</summary>
    public long Length => Parts.Sum(p => p.numel());

    /// <summary>Zeros shaped like the model's trainable parameters (float64 when <paramref name="dtype"/> says so).</summary>
    public static ParameterVector ZerosLike(IEnumerable<Tensor> parameters, ScalarType? dtype = null) =>
        new(parameters.Select(p => zeros_like(p, dtype: dtype ?? p.dtype)).ToArray());

    /// <summary>A deep copy.</summary>
    public ParameterVector Clone() => new(Parts.Select(p => p.detach().clone()).ToArray());

    /// <summary>All parts flattened into one vector (a new tensor in the caller's scope).</summary>
    public Tensor Flatten() => cat(Parts.Select(p => p.reshape(-1)).ToArray());

    /// <summary>Splits a flat vector back into parts shaped like <paramref name="like"/>.</summary>
    public static ParameterVector Unflatten(Tensor flat, IEnumerable<Tensor> like)
    {
        var parts = new List<Tensor>();
        long offset = 0;
        foreach (var p in like)
        {
            var n = p.numel();
            parts.Add(flat.narrow(0, offset, n).reshape(p.shape).clone());
            offset += n;
        }

        return new ParameterVector(parts);
    }

    /// <summary>⟨a, b⟩ as a double.</summary>
    public double Dot(ParameterVector other)
    {
        using var scope = NewDisposeScope();
        var s = 0.0;
        for (var i = 0; i < Parts.Count; i++)
        {
            s += (Parts[i].to(ScalarType.Float64) * other.Parts[i].to(ScalarType.Float64)).sum().item<double>();
        }

        return s;
    }

    /// <summary>‖v‖₂.</summary>
    public double Norm() => Math.Sqrt(Dot(this));

    /// <summary>Cosine of the angle between two vectors.</summary>
    public double Cosine(ParameterVector other) => Dot(other) / (Norm() * other.Norm());

    /// <summary>this ← a·this + b·other, in place.</summary>
    public void Combine(double a, ParameterVector other, double b)
    {
        using var noGrad = no_grad();
        using var sa = a.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
        using var sb = b.ToScalar();
        for (var i = 0; i < Parts.Count; i++)
        {
            Parts[i].mul_(sa).add_(other.Parts[i].to(Parts[i].dtype), sb);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Parts)
        {
            p.Dispose();
        }
    }
}
