using System.Globalization;
using Iau.Influence;
using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>Settings of <see cref="CertifiedRemoval"/>.</summary>
/// <param name="Lambda">λ of the L2-regularised objective the original was trained on, J = L̄ + (λ/2)‖θ‖² (+ bᵀθ/n).
/// null = the recipe's weight decay when positive, else <see cref="FallbackLambda"/> (reported in Notes: a λ that
/// differs from training makes the step inexact, which the reported gradient residual then shows).</param>
/// <param name="Sigma">σ of the objective perturbation b ~ N(0, σ²I) the original was trained with
/// (<see cref="ConvexSolver.DrawPerturbation"/>); only used to report ε. 0 = not trained with noise: no certificate.</param>
/// <param name="Delta">δ of the (ε, δ) guarantee reported (default 1e-4, our choice).</param>
/// <param name="MaxParameters">Up to this many parameters the Hessian is dense (Cholesky); beyond, CG with closed-form
/// Hessian-vector products (relative tolerance 1e-10, the solve residual enters the bound).</param>
public sealed record CertifiedRemovalOptions(double? Lambda = null, double Sigma = 0, double Delta = 1e-4, int MaxParameters = ExactHessian.DefaultMaxParameters)
{
    /// <summary>λ used when neither the options nor the recipe give one.</summary>
    public const double FallbackLambda = 1e-3;

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Lambda is { } l && (!(l > 0) || double.IsInfinity(l)))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "Certified removal needs λ > 0 (a strongly convex objective).");
        }

        if (!(Sigma >= 0) || double.IsInfinity(Sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(Sigma), Sigma, "σ must be finite and non-negative.");
        }

        if (!(Delta > 0 && Delta < 1.5))
        {
            throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "δ must lie in (0, 1.5) (δ = 1.5·exp(−c²/2)).");
        }
    }
}

/// <summary>
/// Certified removal (Guo, Goldstein, Hannun &amp; van der Maaten 2020) for multinomial logistic regression ("logreg"
/// only: the guarantee needs a convex loss; other models are refused). With the sum-form objective of the paper,
/// L_b(θ; D) = Σ_D ℓ + (λn/2)‖θ‖² + bᵀθ, the removal of D_f (m samples) is one Newton step on the retain objective:
/// <code>
///     Δ  = Σ_{z∈D_f} ∇ℓ(z, θ*) + λ m θ*            (the gradient difference, = −∇L_b(θ*; D_r) at the optimum θ*)
///     H  = ∇²θ L(θ*; D_r) = Σ_{D_r} ∇²ℓ + λ n_r I   (exact, float64; b is linear and drops out)
///     θ⁻ = θ* + H⁻¹ Δ
/// </code>
/// computed here in mean form (H/n_r, Δ/n_r), which is the same step. <b>Certification</b>: if θ* is the exact
/// optimum of L_b with b ~ N(0, σ²I) drawn at training time (<see cref="ConvexSolver.Fit"/> with
/// <see cref="ConvexSolver.DrawPerturbation"/>), and the gradient residual satisfies ‖∇L_b(θ⁻; D_r)‖ ≤ ε′, then
/// θ⁻ is (ε, δ)-certified removal with σ = c·ε′/ε, c = √(2 ln(1.5/δ)) (their Theorem 3), i.e. ε = c·ε′/σ.
/// Notes report, in the paper's sum form:
/// <list type="bullet">
/// <item>the actual gradient residual ‖∇L_b(θ⁻; D_r)‖, with b taken as the perturbation implied by θ*,
/// b̂ = −∇L(θ*; D) (exact when θ* is the optimum of L_b; otherwise it absorbs θ*'s optimisation error, reported as
/// "original gradient norm");</item>
/// <item>the data-dependent bound ε′ = (γ/2) Σ_{i∈D_r} ‖x̃ᵢ‖ ‖ΔWx̃ᵢ‖² + n_r‖Hx − Δ‖ (Taylor remainder of the
/// Newton step with γ = 1/√2, a Lipschitz constant of the softmax cross-entropy's logit Hessian diag p − ppᵀ in the
/// spectral norm — its third derivative is a third cumulant bounded by range³/4 ≤ 2^{3/2}/4 — plus the linear solve's
/// residual). It is our multinomial analogue of Guo et al.'s Corollary 1, which is stated for binary logistic loss;</item>
/// <item>ε = c·ε′/σ for σ &gt; 0 and the chosen δ.</item>
/// </list>
/// </summary>
public sealed class CertifiedRemoval(CertifiedRemovalOptions? options = null) : IUnlearningMethod, IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 120;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        new("certified", "Certified removal (Guo et al. 2020), logreg only: Newton step θ* + H⁻¹Δ on the L2-regularised loss, residual bound and ε",
                "lambda=<recipe weight decay, else 0.001> sigma=0 delta=1e-4 max-parameters=5000",
                s => new CertifiedRemoval(new CertifiedRemovalOptions(
                    Lambda: InfluenceBaselines.OptionalDouble(s, "lambda"),
                    Sigma: s.Double("sigma", 0),
                    Delta: s.Double("delta", 1e-4),
                    MaxParameters: s.Int("max-parameters", ExactHessian.DefaultMaxParameters))),
                AppliesTo: arch => string.Equals(arch, Models.LogisticRegression.Name, StringComparison.OrdinalIgnoreCase)),
    ];

    /// <summary>γ: bound on the Lipschitz constant of z ↦ diag(softmax z) − softmax z softmax zᵀ (spectral norm).</summary>
    public static readonly double Gamma = 1 / Math.Sqrt(2);

    /// <summary>The settings.</summary>
    public CertifiedRemovalOptions Options { get; } = options ?? new CertifiedRemovalOptions();

    /// <inheritdoc />
    public string Name => "certified";

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant(
        $"Certified removal (Guo et al. 2020): one Newton step θ* + H_r⁻¹Δ on the L2-regularised logreg objective, λ = {(Options.Lambda is { } l ? l.ToString("G3", CultureInfo.InvariantCulture) : "recipe")}, σ = {Options.Sigma:G3}");

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(context);
        Options.Validate();
        if (!string.Equals(model.Architecture, LogisticRegression.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"Certified removal (Guo et al. 2020) needs a convex model: it supports only '{LogisticRegression.Name}' " +
                $"(multinomial logistic regression), not '{model.Architecture}'. Use iu or iau for other architectures.",
                nameof(model));
        }

        if (data.Retain.Count == 0)
        {
            throw new ArgumentException("Certified removal needs a non-empty retain set.", nameof(data));
        }

        return new Procedure(this, model, data, context);
    }

    private sealed class Procedure(CertifiedRemoval method, IauModel model, UnlearningData data, UnlearningContext context) : IUnlearningProcedure
    {
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);

        public int TotalSteps => 1;

        public string StepUnit => "Newton step";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            var o = method.Options;
            var recipeDecay = context.EffectiveRecipe.WeightDecay;
            var (lambda, lambdaSource) = o.Lambda is { } given
                ? (given, "option")
                : recipeDecay > 0 ? (recipeDecay, "recipe weight decay") : (CertifiedRemovalOptions.FallbackLambda, "fallback (no λ given, recipe has no weight decay)");
            var m = data.Forget.Count;
            var nr = data.Retain.Count;
            var n = data.TrainCount;

            using var retain = new LogRegObjective(model, data.Retain, lambda, null);
            using var forget = new LogRegObjective(model, data.Forget, 0, null);
            var theta = ConvexSolver.Parameters(model);

            // Δ/n_r in mean form: (Σ_f ∇ℓ + λ m θ*) / n_r.
            var forgetMean = forget.ValueAndGradient(theta).Gradient;
            var rhs = ((m * forgetMean) + (lambda * m * theta)) / nr;

            string solve;
            Tensor step;
            if (retain.ParameterCount <= o.MaxParameters)
            {
                var h = retain.Hessian(theta);
                step = ExactHessian.SolveDense(h, rhs);
                solve = "dense Cholesky";
            }
            else
            {
                var (x, iterations, _, status) = ConjugateGradient.Run(
                    retain.Curvature(theta), rhs, new ConjugateGradientOptions(1000, 1e-10), cancellationToken);
                step = x;
                solve = $"CG, {iterations} iterations, {status}";
            }

            var solveResidual = (retain.Curvature(theta)(step) - rhs).norm().item<double>();
            var updated = theta + step;

            // Implied perturbation b̂/n = −∇J⁰(θ*; D), J⁰ the unperturbed mean objective over D = D_r ∪ D_f.
            var retainGradStar = retain.ValueAndGradient(theta).Gradient;
            var fullGradStar = ((nr * (retainGradStar - (lambda * theta))) + (m * forgetMean)) / n + (lambda * theta);
            var impliedB = -n * fullGradStar;
            var residualMean = (retain.ValueAndGradient(updated).Gradient + (impliedB / nr)).norm().item<double>();

            // Data-dependent bound (mean form): (γ/2n_r) Σ ‖x̃ᵢ‖ ‖ΔW̃ x̃ᵢ‖² + ‖Hx − Δ/n_r‖.
            var dz = retain.Augmented.matmul(retain.ToAugmented(step).t());
            var remainder = (retain.Augmented.norm(1, keepdim: false, p: 2) * dz.pow(2).sum(1)).sum().item<double>() * Gamma / (2.0 * nr);
            var boundMean = remainder + solveResidual;

            ConvexSolver.SetParameters(model, updated);

            var c = CultureInfo.InvariantCulture;
            notes["lambda"] = lambda.ToString("G4", c) + " (" + lambdaSource + ")";
            notes["hessian"] = solve;
            notes["|step|"] = step.norm().item<double>().ToString("G4", c);
            notes["original gradient norm"] = fullGradStar.norm().item<double>().ToString("G4", c) + " (mean form ‖∇J⁰(θ*; D)‖; absorbed into the implied b̂)";
            notes["gradient residual"] = (nr * residualMean).ToString("G4", c) + " (sum form ‖∇L_b(θ⁻; D_r)‖)";
            notes["gradient residual (mean)"] = residualMean.ToString("G4", c);
            notes["residual bound"] = (nr * boundMean).ToString("G4", c) + " (sum form ε′, data-dependent, γ = 1/√2)";
            var cDelta = Math.Sqrt(2 * Math.Log(1.5 / o.Delta));
            if (o.Sigma > 0)
            {
                notes["epsilon"] = (cDelta * nr * boundMean / o.Sigma).ToString("G4", c) +
                    FormattableString.Invariant($" at δ = {o.Delta:G3}: ε = c·ε′/σ, c = √(2 ln(1.5/δ)) = {cDelta:G4}, σ = {o.Sigma:G4}");
                notes["epsilon (actual residual)"] = (cDelta * nr * residualMean / o.Sigma).ToString("G4", c);
            }
            else
            {
                notes["epsilon"] = FormattableString.Invariant(
                    $"none: σ = 0 (certification needs the original trained with objective perturbation b ~ N(0, σ²I), σ = c·ε′/ε, c = {cDelta:G4} at δ = {o.Delta:G3})");
            }

            return false;
        }

        public void Dispose()
        {
        }
    }
}
