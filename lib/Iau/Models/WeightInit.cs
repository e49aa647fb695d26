using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>
/// Seeded initial weights drawn from a private generator, so that a model's initial weights depend on its
/// seed only, never on libtorch's global generator (which other code and other threads may use). The
/// distributions are PyTorch's defaults: conv and linear weights and biases U(−1/√fan_in, 1/√fan_in) (what
/// kaiming_uniform(a=√5) gives), batch-norm γ = 1, β = 0 and fresh running statistics.
/// </summary>
internal static class WeightInit
{
    /// <summary>Re-initialises every parameter of <paramref name="model"/> (modules visited in name order).</summary>
    public static void Apply(nn.Module model, int seed)
    {
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var noGrad = no_grad();
        var seen = new HashSet<IntPtr>();
        foreach (var (_, module) in model.named_modules().OrderBy(m => m.name, StringComparer.Ordinal))
        {
            switch (module)
            {
                case Conv2d conv:
                    Uniform(conv.weight!, conv.bias, conv.weight!.shape[1..].Aggregate(1L, (a, b) => a * b), generator, seen);
                    break;
                case Linear linear:
                    Uniform(linear.weight!, linear.bias, linear.weight!.shape[1], generator, seen);
                    break;
                case BatchNorm2d bn:
                    bn.weight!.fill_(1);
                    bn.bias!.zero_();
                    bn.running_mean!.zero_();
                    bn.running_var!.fill_(1);
                    bn.num_batches_tracked!.zero_();
                    seen.Add(bn.weight.Handle);
                    seen.Add(bn.bias.Handle);
                    break;
            }
        }

        var missed = model.named_parameters().Where(p => !seen.Contains(p.parameter.Handle)).Select(p => p.name).ToList();
        if (missed.Count > 0)
        {
            throw new InvalidOperationException($"No seeded initialisation for parameters: {string.Join(", ", missed)}.");
        }
    }

    private static void Uniform(Tensor weight, Tensor? bias, long fanIn, Generator generator, HashSet<IntPtr> seen)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        weight.uniform_(-bound, bound, generator);
        seen.Add(weight.Handle);
        if (bias is not null)
        {
            bias.uniform_(-bound, bound, generator);
            seen.Add(bias.Handle);
        }
    }
}
