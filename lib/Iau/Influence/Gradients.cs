using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Influence;

/// <summary>Full-set gradients of the mean cross-entropy, computed in chunks (Hessian-vector products: <see cref="InverseHvp.HessianVectorProduct"/>).</summary>
public static class Gradients
{
    /// <summary>The model's trainable parameters (requires_grad), in a fixed order.</summary>
    public static IReadOnlyList<TorchSharp.Modules.Parameter> Trainable(nn.Module<Tensor, Tensor> model) =>
        model.parameters().Where(p => p.requires_grad).ToList();

    /// <summary>
    /// ∇θ L̄(D) = (1/|D|) Σ_{z∈D} ∇θ ℓ(z, θ): the gradient of the mean cross-entropy over the whole set,
    /// accumulated chunk by chunk (each chunk contributes the gradient of its summed loss), so memory is
    /// bounded by the chunk size whatever |D| is. Equals the one-batch gradient up to float rounding.
    /// The model is put in eval mode (batch norm uses running statistics) and restored afterwards.
    /// </summary>
    public static ParameterVector MeanGradient(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot take the mean gradient over an empty set.", nameof(data));
        }

        var parameters = Trainable(model);
        var wasTraining = model.training;
        model.eval();
        try
        {
            var acc = ParameterVector.ZerosLike(parameters, ScalarType.Float64);
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var xy = new DisposePair(x, y);
                using var scope = NewDisposeScope();
                var loss = F.cross_entropy(model.forward(x), y, reduction: nn.Reduction.Sum);
                var grads = autograd.grad([loss], parameters.Cast<Tensor>().ToList(), allow_unused: true);
                using var noGrad = no_grad();
                for (var i = 0; i < parameters.Count; i++)
                {
                    if (grads[i] is { IsInvalid: false } g)
                    {
                        acc.Parts[i].add_(g.to(ScalarType.Float64), KeptScalars.One);
                    }
                }
            }

            using (no_grad())
            {
                foreach (var p in acc.Parts)
                {
                    p.OverInPlace(data.Count);
                }
            }

            return ToDtypeOf(acc, parameters);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Per-sample gradient of ℓ(z, θ) flattened (for WoodFisher, Fisher forgetting); eval mode.</summary>
    internal static Tensor SampleGradient(nn.Module<Tensor, Tensor> model, IReadOnlyList<TorchSharp.Modules.Parameter> parameters, Tensor x, Tensor y)
    {
        var loss = F.cross_entropy(model.forward(x), y);
        var grads = autograd.grad([loss], parameters.Cast<Tensor>().ToList(), allow_unused: true);
        return cat(grads.Select((g, i) => g is null || g.IsInvalid ? zeros_like(parameters[i]).reshape(-1) : g.reshape(-1)).ToArray());
    }

    private static ParameterVector ToDtypeOf(ParameterVector acc, IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        if (parameters.Count == 0 || parameters[0].dtype == ScalarType.Float64)
        {
            return acc;
        }

        var converted = new ParameterVector(acc.Parts.Select((p, i) => p.to(parameters[i].dtype)).ToArray());
        acc.Dispose();
        return converted;
    }

    /// <summary>Disposes a batch pair at the end of a using block.</summary>
    internal readonly struct DisposePair(Tensor x, Tensor y) : IDisposable
    {
        public void Dispose()
        {
            x.Dispose();
            y.Dispose();
        }
    }
}
