using System.Globalization;
using Iau.Data;
using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Influence;

/// <summary>Settings of <see cref="ConvexSolver"/>.</summary>
/// <param name="L2">λ &gt; 0 of the (λ/2)‖θ‖² term (weights and biases). Default 1e-3 (our choice: small enough to
/// barely move a well-posed optimum, large enough to make the problem strongly convex; the softmax parameterisation
/// has no unique optimum without it, since adding one vector to every class's weights changes nothing).</param>
/// <param name="GradientTolerance">Stop when ‖∇J(θ)‖₂ ≤ this (default 1e-10, float64).</param>
/// <param name="MaxIterations">Upper bound on Newton steps (default 100; typically 5–20 are taken).</param>
/// <param name="WarmStart">Start from the model's current weights instead of θ = 0 (same optimum, fewer steps).</param>
/// <param name="DenseLimit">Up to this many parameters each Newton step factors the dense Hessian (Cholesky); beyond
/// it the step is solved by conjugate gradient with closed-form Hessian-vector products (Newton-CG).</param>
public sealed record ConvexSolverOptions(
    double L2 = 1e-3,
    double GradientTolerance = 1e-10,
    int MaxIterations = 100,
    bool WarmStart = false,
    int DenseLimit = ExactHessian.DefaultMaxParameters)
{
    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(L2 > 0) || double.IsInfinity(L2))
        {
            throw new ArgumentOutOfRangeException(
                nameof(L2), L2, "The convex solver needs λ > 0: without it multinomial logistic regression has no unique optimum.");
        }

        if (!(GradientTolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientTolerance), GradientTolerance, "The gradient tolerance must be positive.");
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "At least one Newton step is needed.");
        }
    }
}

/// <summary>What <see cref="ConvexSolver.Fit"/> reached.</summary>
/// <param name="Iterations">Newton steps taken.</param>
/// <param name="Objective">J(θ) at the end.</param>
/// <param name="GradientNorm">‖∇J(θ)‖₂ at the end.</param>
/// <param name="Converged">Whether ‖∇J‖ reached the tolerance.</param>
public sealed record ConvexSolverResult(int Iterations, double Objective, double GradientNorm, bool Converged);

/// <summary>
/// Trains multinomial logistic regression (the "logreg" model) to the exact optimum of
/// <code>
///     J(θ) = (1/n) Σ_{i=1..n} CE(W xᵢ + c, yᵢ) + (λ/2)‖θ‖² + bᵀθ / n,        θ = (vec W, c)
/// </code>
/// by Newton's method with Armijo backtracking, in float64, with closed-form derivatives
/// (p = softmax(W x̃), x̃ = (x, 1)): ∇ = (1/n) Σ (p − e_y) ⊗ x̃ + λθ + b/n and
/// ∇² = (1/n) Σ (diag p − p pᵀ) ⊗ x̃ x̃ᵀ + λI. The optional objective-perturbation term bᵀθ/n is Guo et al.'s
/// (2020) L_b(θ; D)/n, for certified removal (<see cref="DrawPerturbation"/>). J is strongly convex, so the optimum
/// is unique, and it is reached to ‖∇J‖ ≤ 1e-10 in a handful of steps: for this model "retrain to convergence" is
/// exact and cheap, the ground truth of influence methods. θ is ordered like the model's trainable parameters
/// (Linear weight [K, F] row-major, then bias [K]), as <see cref="ParameterVector.Flatten"/> orders it.
/// </summary>
public static class ConvexSolver
{
    /// <summary>Fits <paramref name="model"/> (a logreg) in place on <paramref name="data"/>.</summary>
    /// <param name="model">A "logreg" model; its weights are overwritten with the optimum (cast to its element type).</param>
    /// <param name="data">Training set.</param>
    /// <param name="options">Settings (null = defaults).</param>
    /// <param name="perturbation">b, float64 [P] (null = 0).</param>
    /// <param name="cancellationToken">Checked every Newton step.</param>
    public static ConvexSolverResult Fit(
        IauModel model,
        TensorData data,
        ConvexSolverOptions? options = null,
        Tensor? perturbation = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ConvexSolverOptions();
        options.Validate();
        using var scope = NewDisposeScope();
        using var objective = new LogRegObjective(model, data, options.L2, perturbation);
        var theta = options.WarmStart ? Parameters(model) : zeros(objective.ParameterCount, dtype: ScalarType.Float64, device: objective.Device);
        var iterations = 0;
        var (value, grad) = objective.ValueAndGradient(theta);
        var gradNorm = grad.norm().item<double>();
        while (gradNorm > options.GradientTolerance && iterations < options.MaxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var direction = objective.ParameterCount <= options.DenseLimit
                ? ExactHessian.SolveDense(objective.Hessian(theta), -grad)
                : ConjugateGradient.Run(
                    objective.Curvature(theta),
                    -grad,
                    new ConjugateGradientOptions(500, Math.Min(0.1, Math.Sqrt(gradNorm))),
                    cancellationToken).X;
            var slope = grad.dot(direction).item<double>();
            var t = 1.0;
            Tensor candidate;
            double candidateValue;
            while (true)
            {
                candidate = theta + (t * direction);
                candidateValue = objective.Value(candidate);
                if (candidateValue <= value + (1e-4 * t * slope) || t < 1e-12)
                {
                    break;
                }

                t /= 2;
            }

            iterations++;
            if (t < 1e-12)
            {
                break;
            }

            var (newValue, newGrad) = objective.ValueAndGradient(candidate);
            theta.Dispose();
            grad.Dispose();
            theta = candidate.MoveToOuterDisposeScope();
            grad = newGrad.MoveToOuterDisposeScope();
            value = newValue;
            var previous = gradNorm;
            gradNorm = grad.norm().item<double>();

            // Newton converges quadratically near the optimum: a step that no longer halves ‖∇J‖ when it is already
            // within 1000× the tolerance has hit float64 rounding, and further steps only burn time.
            if (gradNorm > 0.5 * previous && gradNorm < 1000 * options.GradientTolerance)
            {
                break;
            }
        }

        SetParameters(model, theta);
        return new ConvexSolverResult(iterations, value, gradNorm, gradNorm <= options.GradientTolerance);
    }

    /// <summary>J(θ) at the model's weights.</summary>
    public static double Objective(IauModel model, TensorData data, double l2, Tensor? perturbation = null)
    {
        using var scope = NewDisposeScope();
        using var objective = new LogRegObjective(model, data, l2, perturbation);
        return objective.Value(Parameters(model));
    }

    /// <summary>∇J(θ) at the model's weights, flat float64 [P] (a new tensor in the caller's scope).</summary>
    public static Tensor Gradient(IauModel model, TensorData data, double l2, Tensor? perturbation = null)
    {
        using var scope = NewDisposeScope();
        using var objective = new LogRegObjective(model, data, l2, perturbation);
        return objective.ValueAndGradient(Parameters(model)).Gradient.MoveToOuterDisposeScope();
    }

    /// <summary>∇²J(θ) = (1/n) Σ (diag p − p pᵀ) ⊗ x̃ x̃ᵀ + λI at the model's weights, dense float64 [P, P].</summary>
    public static Tensor Hessian(IauModel model, TensorData data, double l2)
    {
        using var scope = NewDisposeScope();
        using var objective = new LogRegObjective(model, data, l2, null);
        return objective.Hessian(Parameters(model)).MoveToOuterDisposeScope();
    }

    /// <summary>Guo et al.'s objective perturbation b ~ N(0, σ²I_P), float64 [P], from a seeded System.Random.</summary>
    public static Tensor DrawPerturbation(long parameters, double sigma, int seed)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and non-negative.");
        }

        var rng = new Random(seed);
        var values = new double[parameters];
        for (long i = 0; i < parameters; i++)
        {
            var u = 1.0 - rng.NextDouble();
            var w = rng.NextDouble();
            values[i] = sigma * Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * w);
        }

        return tensor(values);
    }

    /// <summary>θ = (vec W, c) of the model as a flat float64 tensor (a new tensor in the caller's scope).</summary>
    public static Tensor Parameters(IauModel model)
    {
        var (weight, bias) = LogRegObjective.Require(model);
        using var noGrad = no_grad();
        return cat([weight.detach().reshape(-1), bias.detach()]).to(ScalarType.Float64);
    }

    /// <summary>Writes a flat θ into the model (cast to its element type).</summary>
    public static void SetParameters(IauModel model, Tensor theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var (weight, bias) = LogRegObjective.Require(model);
        if (theta.numel() != weight.numel() + bias.numel())
        {
            throw new ArgumentException($"θ has {theta.numel()} entries; the model has {weight.numel() + bias.numel()} parameters.", nameof(theta));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        weight.copy_(theta.narrow(0, 0, weight.numel()).reshape(weight.shape));
        bias.copy_(theta.narrow(0, weight.numel(), bias.numel()));
    }
}

/// <summary>
/// J(θ) = mean CE + (λ/2)‖θ‖² + bᵀθ/n of multinomial logistic regression on one set, with closed-form derivatives,
/// in float64. Holds a float64 copy of the features with a column of ones appended (x̃ = (x, 1)).
/// </summary>
internal sealed class LogRegObjective : IDisposable
{
    private readonly Tensor xt;
    private readonly Tensor y;
    private readonly Tensor onehot;
    private readonly Tensor? perturbation;
    private readonly long[] order;

    public LogRegObjective(IauModel model, TensorData data, double l2, Tensor? perturbation)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (weight, _) = Require(model);
        if (data.Count == 0)
        {
            throw new ArgumentException("The set is empty.", nameof(data));
        }

        Classes = weight.shape[0];
        Features = weight.shape[1];
        Count = data.Count;
        L2 = l2;
        using var scope = NewDisposeScope();
        var x = data.Features.reshape(data.Count, -1).to(ScalarType.Float64);
        if (x.shape[1] != Features)
        {
            throw new ArgumentException($"The data has {x.shape[1]} features per sample; the model expects {Features}.", nameof(data));
        }

        xt = cat([x, ones(data.Count, 1, dtype: ScalarType.Float64, device: x.device)], 1).DetachFromDisposeScope();
        y = data.Labels.to(ScalarType.Int64).clone().DetachFromDisposeScope();
        onehot = nn.functional.one_hot(y, Classes).to(ScalarType.Float64).DetachFromDisposeScope();
        if (perturbation is not null)
        {
            if (perturbation.numel() != ParameterCount)
            {
                throw new ArgumentException($"The perturbation has {perturbation.numel()} entries; the model has {ParameterCount} parameters.", nameof(perturbation));
            }

            this.perturbation = perturbation.reshape(-1).to(ScalarType.Float64).clone().DetachFromDisposeScope();
        }

        // order[t] = index in the augmented layout (k·(F+1) + f) of θ's entry t.
        order = new long[ParameterCount];
        for (long t = 0; t < ParameterCount; t++)
        {
            order[t] = t < Classes * Features
                ? ((t / Features) * (Features + 1)) + (t % Features)
                : ((t - (Classes * Features)) * (Features + 1)) + Features;
        }
    }

    public long Classes { get; }

    public long Features { get; }

    public int Count { get; }

    public double L2 { get; }

    public long ParameterCount => Classes * (Features + 1);

    public Device Device => xt.device;

    /// <summary>The model's weight [K, F] and bias [K]; throws for anything but a logreg.</summary>
    public static (TorchSharp.Modules.Parameter Weight, TorchSharp.Modules.Parameter Bias) Require(IauModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!string.Equals(model.Architecture, LogisticRegression.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"This needs multinomial logistic regression (model '{LogisticRegression.Name}'), whose loss is convex; got '{model.Architecture}'.",
                nameof(model));
        }

        var parameters = Gradients.Trainable(model);
        if (parameters.Count != 2 || parameters[0].dim() != 2 || parameters[1].dim() != 1)
        {
            throw new ArgumentException("The logreg model must train its weight [K, F] and bias [K] (in that order).", nameof(model));
        }

        return (parameters[0], parameters[1]);
    }

    /// <summary>J(θ).</summary>
    public double Value(Tensor theta)
    {
        using var scope = NewDisposeScope();
        var z = Logits(theta);
        var ce = (z.logsumexp(1, keepdim: false) - (z * onehot).sum(1)).mean();
        var value = ce + (0.5 * L2 * theta.dot(theta));
        if (perturbation is not null)
        {
            value = value + (perturbation.dot(theta) / Count);
        }

        return value.item<double>();
    }

    /// <summary>J(θ) and ∇J(θ) (the gradient is a new tensor in the caller's scope).</summary>
    public (double Value, Tensor Gradient) ValueAndGradient(Tensor theta)
    {
        var value = Value(theta);
        using var scope = NewDisposeScope();
        var p = Logits(theta).softmax(1);
        var g = FromAugmented((p - onehot).t().matmul(xt) / Count) + (L2 * theta);
        if (perturbation is not null)
        {
            g = g + (perturbation / Count);
        }

        return (value, g.MoveToOuterDisposeScope());
    }

    /// <summary>∇²J(θ), dense [P, P] (a new tensor in the caller's scope).</summary>
    public Tensor Hessian(Tensor theta)
    {
        using var scope = NewDisposeScope();
        var p = Logits(theta).softmax(1);
        var k = Classes;
        var f1 = Features + 1;
        var h = zeros([k * f1, k * f1], dtype: ScalarType.Float64, device: xt.device);
        using (no_grad())
        {
            var chunk = (int)Math.Max(1, 4_000_000 / (k * f1));
            for (long start = 0; start < Count; start += chunk)
            {
                using var inner = NewDisposeScope();
                var len = Math.Min(chunk, Count - start);
                var xc = xt.narrow(0, start, len);
                var pc = p.narrow(0, start, len);
                var u = (pc.unsqueeze(2) * xc.unsqueeze(1)).reshape(len, k * f1);
                h.sub_(u.t().matmul(u));
                for (long c = 0; c < k; c++)
                {
                    var block = (xc * pc.narrow(1, c, 1)).t().matmul(xc);
                    h.narrow(0, c * f1, f1).narrow(1, c * f1, f1).add_(block);
                }
            }

            h.div_(Count);
        }

        using var idx = tensor(order, device: xt.device);
        var result = h.index_select(0, idx).index_select(1, idx);
        result = (result + result.t()) / 2;
        if (L2 != 0)
        {
            result = result + (L2 * eye(ParameterCount, dtype: ScalarType.Float64, device: xt.device));
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>v ↦ ∇²J(θ)v in closed form (softmax probabilities computed once); results are new tensors.</summary>
    public Func<Tensor, Tensor> Curvature(Tensor theta)
    {
        var p = Logits(theta).softmax(1);
        return v =>
        {
            using var scope = NewDisposeScope();
            var dz = xt.matmul(ToAugmented(v).t());
            var q = p * dz;
            var a = q - (p * q.sum(1, keepdim: true));
            return (FromAugmented(a.t().matmul(xt) / Count) + (L2 * v)).MoveToOuterDisposeScope();
        };
    }

    /// <summary>Logits [n, K] = x̃ W̃ᵀ.</summary>
    public Tensor Logits(Tensor theta) => xt.matmul(ToAugmented(theta).t());

    /// <summary>The augmented inputs x̃ = (x, 1), [n, F+1].</summary>
    public Tensor Augmented => xt;

    /// <summary>θ (flat) ↦ W̃ = [W | c], [K, F+1].</summary>
    public Tensor ToAugmented(Tensor theta)
    {
        var w = theta.narrow(0, 0, Classes * Features).reshape(Classes, Features);
        var c = theta.narrow(0, Classes * Features, Classes).unsqueeze(1);
        return cat([w, c], 1);
    }

    /// <summary>[K, F+1] ↦ flat θ layout.</summary>
    public Tensor FromAugmented(Tensor m) =>
        cat([m.narrow(1, 0, Features).reshape(-1), m.narrow(1, Features, 1).reshape(-1)]);

    public void Dispose()
    {
        xt.Dispose();
        y.Dispose();
        onehot.Dispose();
        perturbation?.Dispose();
    }

    /// <summary>For messages.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"logreg objective n={Count} K={Classes} F={Features} λ={L2:G3}");
}
