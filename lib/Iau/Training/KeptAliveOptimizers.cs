using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Training;

// TorchSharp 0.107 converts the optimizers' numbers (β, 1 − β, the step size, ε, α) to Scalars implicitly and hands
// their native handles to libtorch without keeping the Scalar objects alive. A garbage collection that another thread
// starts during such a call can finalize the Scalar, which frees it while libtorch reads it; libtorch then fails with
// "Expected false to be true" (c10::Scalar::toFloat; seen in Adam's addcdiv_ while the pool trained on two threads,
// environment.md). The two optimizers below run TorchSharp's own update, op for op and in the same order, with every
// Scalar held by a `using` until the step ends, so their weights equal TorchSharp's bit for bit
// (KeptAliveOptimizerTests).

/// <summary>
/// Adam (Kingma and Ba 2015) as TorchSharp 0.107 computes it (β = (0.9, 0.999), ε = 1e-8, L2 weight decay added to
/// the gradient, no AMSGrad): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε).
/// </summary>
internal sealed class KeptAliveAdam(IEnumerable<Parameter> parameters, double learningRate, double weightDecay)
    : Adam(parameters, learningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var beta1 = options.beta1!.Value;
        var beta2 = options.beta2!.Value;
        var weightDecay = options.weight_decay!.Value;
        var lr = options.LearningRate!.Value;
        using var beta1Scalar = beta1.ToScalar();
        using var beta1Rest = (1 - beta1).ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var beta2Rest = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        using var decay = weightDecay.ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0)
            {
                grad = grad.add(param, decay);
            }

            state.exp_avg.mul_(beta1Scalar).add_(grad, beta1Rest);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), beta2Rest);
            using var sqrtCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            var denom = state.exp_avg_sq.sqrt().div(sqrtCorrection2).add_(eps, KeptScalars.One);
            using var stepSize = (-(lr / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denom, stepSize);
        }
    }, closure);
}

/// <summary>
/// SGD with momentum as TorchSharp 0.107 computes it (no dampening, not Nesterov, L2 weight decay added to the
/// gradient): b ← μb + g (b = g at the first step), θ ← θ − lr·b.
/// </summary>
internal sealed class KeptAliveSgd(IEnumerable<Parameter> parameters, double learningRate, double momentum, double weightDecay)
    : SGD(parameters, learningRate, momentum: momentum, weight_decay: weightDecay)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        var momentum = options.momentum!.Value;
        var weightDecay = options.weight_decay!.Value;
        using var momentumScalar = momentum.ToScalar();
        using var undamped = (1 - options.dampening!.Value).ToScalar();
        using var decay = weightDecay.ToScalar();
        using var descent = (-options.LearningRate!.Value).ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            if (weightDecay != 0)
            {
                grad = grad.add(param, decay);
            }

            if (momentum != 0)
            {
                var buffer = state.momentum_buffer;
                if (buffer is null)
                {
                    buffer = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buffer;
                }
                else
                {
                    buffer.mul_(momentumScalar).add_(grad, undamped);
                }

                grad = buffer;
            }

            param.add_(grad, descent);
        }
    }, closure);
}

/// <summary>
/// Scalars that live as long as the process (a static field is never finalized), for constants that the kit's
/// per-batch loops pass to TorchSharp; TorchSharp's <c>add(Tensor)</c> makes its α = 1 implicitly, unprotected.
/// The operator forms below are the same libtorch calls as <c>a + b</c>, <c>t * x</c> and <c>t / x</c> (same Scalar type,
/// so the same bits), with the Scalar held to the end of the call.
/// </summary>
internal static class KeptScalars
{
    /// <summary>The integer 1: the α of <c>a.add(b, One)</c>, which is <c>a + b</c>.</summary>
    internal static readonly Scalar One = 1.ToScalar();

    /// <summary>The integer 0: comparisons and clamps against 0 (<c>t &gt; 0</c> makes an int Scalar).</summary>
    internal static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer 2: the exponent of <see cref="Squared"/>.</summary>
    internal static readonly Scalar Two = 2.ToScalar();

    /// <summary>t², elementwise: <c>t.pow(2)</c>, which is also what TorchSharp's <c>square()</c> calls.</summary>
    internal static Tensor Squared(this Tensor t) => t.pow(Two);

    /// <summary>a + b.</summary>
    internal static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b, in place.</summary>
    internal static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>t · x.</summary>
    internal static Tensor Times(this Tensor t, double x) => With(x.ToScalar(), s => t.mul(s));

    /// <summary>t · x, x a float Scalar (as <c>t * x</c> with a float makes it).</summary>
    internal static Tensor Times(this Tensor t, float x) => With(x.ToScalar(), s => t.mul(s));

    /// <summary>t / x.</summary>
    internal static Tensor Over(this Tensor t, double x) => With(x.ToScalar(), s => t.div(s));

    /// <summary>t / n, n an integer Scalar (as <c>t / n</c> with an int makes it).</summary>
    internal static Tensor Over(this Tensor t, int n) => With(n.ToScalar(), s => t.div(s));

    /// <summary>t /= x, in place.</summary>
    internal static Tensor OverInPlace(this Tensor t, double x) => With(x.ToScalar(), s => t.div_(s));

    /// <summary>t /= n, in place, n an integer Scalar.</summary>
    internal static Tensor OverInPlace(this Tensor t, int n) => With(n.ToScalar(), s => t.div_(s));

    /// <summary>
    /// <paramref name="op"/> on a Scalar held (and then freed) by this call: each overload above makes its Scalar of
    /// the same type as the operator it replaces would (double, float or int), so the bits are the same.
    /// </summary>
    private static Tensor With(Scalar s, Func<Scalar, Tensor> op)
    {
        using (s)
        {
            return op(s);
        }
    }
}
