using System.Globalization;
using Iau.Data;
using Iau.Influence;
using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>
/// Settings of influence unlearning (<see cref="InfluenceUnlearning"/>).
/// </summary>
/// <param name="Solver">How (H_r + λI)⁻¹v is computed (default CG; exact for models up to
/// <paramref name="MaxParameters"/>).</param>
/// <param name="Damping">λ added to the Hessian's diagonal for conditioning (default 0.01, the damping of the widely
/// used PyTorch port of Koh &amp; Liang's influence functions; non-convex models need some, and so does logreg without
/// L2, whose softmax Hessian is singular). Ignored by WoodFisher.</param>
/// <param name="L2">The training objective's L2 coefficient μ, i.e. the loss was L̄ + (μ/2)‖θ‖²: the Newton step is
/// taken on L̄_r + (μ/2)‖θ‖² (gradient + μθ*, Hessian + μI). null = the recipe's weight decay (Adam/SGD weight decay
/// μ adds μθ to the gradient, i.e. this penalty); the paper's recipe has none.</param>
/// <param name="Scale">Multiplies the step (default 1 = the Newton step; the Unlearn-Sparse variant uses α = 0.2).</param>
/// <param name="HessianSamples">Samples of D_r the Hessian is taken over (a seeded subsample). null = automatic: all of
/// D_r for models up to <see cref="InfluenceOptions.AllSamplesLimit"/> parameters, else
/// <see cref="InfluenceOptions.AutoSamples"/> (our choice, bounding the cost of each Hessian-vector product on large
/// models). WoodFisher always reads D_r's first samples in order, as its reference does.</param>
/// <param name="MaxParameters">Limit of the exact (dense) solver.</param>
/// <param name="CgIterations">CG: maximum iterations.</param>
/// <param name="CgTolerance">CG: relative residual tolerance.</param>
/// <param name="LissaDepth">LiSSA: recursion depth.</param>
/// <param name="LissaScale">LiSSA: scale s.</param>
/// <param name="LissaBatch">LiSSA: mini-batch size.</param>
/// <param name="LissaRepeats">LiSSA: repeats averaged.</param>
/// <param name="WoodFisherSamples">WoodFisher: N (reference default 1000).</param>
/// <param name="UnlearnSparseGradient">Use the Unlearn-Sparse right-hand side v = (m/n)(∇L̄_f − ∇L̄_r) and step
/// θ + Scale·x (their <c>Wfisher</c>) instead of v = ∇L̄_r + μθ and θ − Scale·x. The two agree at an exact optimum.</param>
/// <param name="CheckResidual">Also compute ‖(H + λI)x − v‖/‖v‖ for solvers that do not know it (one extra
/// Hessian-vector product over the Hessian set; counted in the timing).</param>
public sealed record InfluenceOptions(
    InverseHvpSolver Solver = InverseHvpSolver.Cg,
    double Damping = 0.01,
    double? L2 = null,
    double Scale = 1,
    int? HessianSamples = null,
    int MaxParameters = ExactHessian.DefaultMaxParameters,
    int CgIterations = 100,
    double CgTolerance = 1e-6,
    int LissaDepth = 1000,
    double LissaScale = 10,
    int LissaBatch = 64,
    int LissaRepeats = 1,
    int WoodFisherSamples = WoodFisher.DefaultSamples,
    bool UnlearnSparseGradient = false,
    bool CheckResidual = false)
{
    /// <summary>Up to this many parameters the Hessian is taken over all of D_r by default.</summary>
    public const int AllSamplesLimit = 10_000;

    /// <summary>Default Hessian subsample for larger models.</summary>
    public const int AutoSamples = 5_000;

    /// <summary>The Unlearn-Sparse WoodFisher preset: α = 0.2 (their --alpha default), N = 1000, their gradient form.</summary>
    public static InfluenceOptions UnlearnSparseWoodFisher { get; } = new(
        Solver: InverseHvpSolver.WoodFisher, Scale: 0.2, UnlearnSparseGradient: true);

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        ExactHessian.CheckDamping(Damping);
        if (L2 is { } l2)
        {
            ExactHessian.CheckDamping(l2);
        }

        if (!double.IsFinite(Scale) || Scale == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "The step scale must be finite and non-zero.");
        }

        if (HessianSamples is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(HessianSamples), HessianSamples, "hessian-samples must be positive (0 = all).");
        }

        new ConjugateGradientOptions(CgIterations, CgTolerance).Validate();
        new LissaOptions(LissaDepth, LissaScale, LissaBatch, LissaRepeats).Validate();
        if (WoodFisherSamples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WoodFisherSamples), WoodFisherSamples, "WoodFisher needs N ≥ 1.");
        }
    }
}

/// <summary>
/// Influence unlearning (IU; Koh &amp; Liang 2017, as an unlearning baseline in Unlearn-Sparse, SalUn and the IAU paper):
/// one Newton step on the retain objective from the trained weights θ*,
/// <code>
///     θ_u = θ* − s · (H_r + (λ + μ)I)⁻¹ (∇L̄_r(θ*) + μθ*)        H_r = ∇²θ L̄_r(θ*)   (mean CE over D_r)
/// </code>
/// with damping λ, the training objective's L2 coefficient μ (0 in the paper's recipe) and scale s = 1. At an exact
/// minimiser θ* of the full training objective (μ = 0), m∇L̄_f + (n − m)∇L̄_r = 0, so ∇L̄_r = −(m/(n−m))∇L̄_f and the
/// step is the classical influence-function removal θ* + (m/(n−m)) H_r⁻¹ ∇L̄_f. The inverse-Hessian-vector product
/// comes from the chosen <see cref="InverseHvpSolver"/>; the Hessian is taken over D_r (or a seeded subsample, see
/// <see cref="InfluenceOptions.HessianSamples"/>); the exact solver works on a float64 copy. One driver step does it
/// all; Notes report the solver's iterations, residual and status.
/// </summary>
public sealed class InfluenceUnlearning(InfluenceOptions? options = null, string name = "iu") : IUnlearningMethod, IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 110;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("iu", "Influence unlearning: one Newton step θ − (H_r + λI)⁻¹∇L̄_r on the retain loss (exact, CG, LiSSA or WoodFisher)",
                InfluenceBaselines.IuOptions, o => new InfluenceUnlearning(o, "iu")),
        MethodEntry.Declared("iu-woodfisher", "IU as Unlearn-Sparse runs it: θ + α·WoodFisher((m/n)(∇L̄_f − ∇L̄_r)), α = 0.2, N = 1000",
                InfluenceBaselines.WoodFisherOptions, o => new InfluenceUnlearning(o, "iu-woodfisher")),
    ];

    /// <summary>The settings.</summary>
    public InfluenceOptions Options { get; } = options ?? new InfluenceOptions();

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public string Describe()
    {
        var o = Options;
        var solver = o.Solver switch
        {
            InverseHvpSolver.Exact => "exact Hessian (Cholesky)",
            InverseHvpSolver.Cg => FormattableString.Invariant($"CG (≤ {o.CgIterations} iterations, tol {o.CgTolerance:G3})"),
            InverseHvpSolver.Lissa => FormattableString.Invariant($"LiSSA (depth {o.LissaDepth}, scale {o.LissaScale:G3}, batch {o.LissaBatch}, repeats {o.LissaRepeats})"),
            _ => FormattableString.Invariant($"WoodFisher (N {o.WoodFisherSamples})"),
        };
        return o.UnlearnSparseGradient
            ? FormattableString.Invariant($"IU (Unlearn-Sparse form): θ + {o.Scale:G3}·F⁻¹·(m/n)(∇L̄_f − ∇L̄_r), {solver}")
            : FormattableString.Invariant($"IU: one Newton step θ − {o.Scale:G3}·(H_r + λI)⁻¹∇L̄_r, λ = {o.Damping:G3}, {solver}");
    }

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(context);
        Options.Validate();
        if (data.Retain.Count == 0)
        {
            throw new ArgumentException("Influence unlearning needs a non-empty retain set (the Hessian is taken over it).", nameof(data));
        }

        if (Options.Solver == InverseHvpSolver.Exact)
        {
            ExactHessian.CheckSize(model.ParameterCount, Options.MaxParameters);
        }

        return new Procedure(this, model, data, context);
    }

    /// <summary>How many D_r samples the Hessian is taken over.</summary>
    internal static int HessianCount(InfluenceOptions o, long parameters, int retain)
    {
        var wanted = o.HessianSamples switch
        {
            null => parameters <= InfluenceOptions.AllSamplesLimit ? retain : InfluenceOptions.AutoSamples,
            0 => retain,
            { } k => k,
        };
        return Math.Min(wanted, retain);
    }

    private sealed class Procedure(InfluenceUnlearning method, IauModel model, UnlearningData data, UnlearningContext context) : IUnlearningProcedure
    {
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);

        public int TotalSteps => 1;

        public string StepUnit => "Newton step";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            var o = method.Options;
            var l2 = o.UnlearnSparseGradient ? 0 : o.L2 ?? context.EffectiveRecipe.WeightDecay;
            var parameters = Gradients.Trainable(model);
            using var v = RightHandSide(o, l2);
            var count = HessianCount(o, model.ParameterCount, data.Retain.Count);
            using var subset = o.Solver != InverseHvpSolver.WoodFisher && count < data.Retain.Count
                ? data.Retain.Subset(TensorData.Permutation(data.Retain.Count, context.Seed).Take(count).ToArray())
                : null;
            var hessianSet = subset ?? data.Retain;
            var damping = o.Damping + l2;
            var solverOptions = new InverseHvpOptions(
                damping,
                o.MaxParameters,
                new ConjugateGradientOptions(o.CgIterations, o.CgTolerance),
                new LissaOptions(o.LissaDepth, o.LissaScale, o.LissaBatch, o.LissaRepeats, context.Seed),
                o.WoodFisherSamples);
            using var result = Solve(o, hessianSet, v, solverOptions, cancellationToken);
            var residual = result.RelativeResidual;
            if (double.IsNaN(residual) && o.CheckResidual)
            {
                residual = InverseHvp.RelativeResidual(model, hessianSet, v, result.Solution, damping, context.ChunkSize);
            }

            var coefficient = o.UnlearnSparseGradient ? o.Scale : -o.Scale;
            using (no_grad())
            {
                using var alpha = coefficient.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
                for (var i = 0; i < parameters.Count; i++)
                {
                    parameters[i].add_(result.Solution.Parts[i].to(parameters[i].dtype), alpha);
                }
            }

            var c = CultureInfo.InvariantCulture;
            notes["solver"] = o.Solver.ToString().ToLowerInvariant();
            notes["solver status"] = result.Status;
            notes["solver iterations"] = result.Iterations.ToString(c);
            notes["relative residual"] = double.IsNaN(residual) ? "not computed (residual=true computes it)" : residual.ToString("G4", c);
            notes["hessian samples"] = o.Solver == InverseHvpSolver.WoodFisher
                ? Math.Min(data.Retain.Count, o.WoodFisherSamples + 2).ToString(c) + " (first of D_r, in order)"
                : hessianSet.Count.ToString(c) + (subset is null ? " (all of D_r)" : " (seeded subsample of D_r)");
            notes["diagonal shift"] = o.Solver == InverseHvpSolver.WoodFisher ? "n/a (F = I + Σ s sᵀ/N)" : damping.ToString("G4", c) + " (damping + l2)";
            notes["l2"] = l2.ToString("G4", c);
            notes["|v|"] = v.Norm().ToString("G4", c);
            notes["|step|"] = (Math.Abs(o.Scale) * result.Solution.Norm()).ToString("G4", c);
            return false;
        }

        public void Dispose()
        {
        }

        /// <summary>v = ∇L̄_r(θ*) + μθ* (IU), or (m/n)(∇L̄_f − ∇L̄_r) (Unlearn-Sparse).</summary>
        private ParameterVector RightHandSide(InfluenceOptions o, double l2)
        {
            var retain = Gradients.MeanGradient(model, data.Retain, context.ChunkSize);
            if (o.UnlearnSparseGradient)
            {
                using var forget = Gradients.MeanGradient(model, data.Forget, context.ChunkSize);
                var share = (double)data.Forget.Count / data.TrainCount;
                retain.Combine(-share, forget, share);
                return retain;
            }

            if (l2 != 0)
            {
                using var theta = new ParameterVector(Gradients.Trainable(model).Select(p => p.detach().clone()).ToArray());
                retain.Combine(1, theta, l2);
            }

            return retain;
        }

        private InverseHvpResult Solve(InfluenceOptions o, TensorData hessianSet, ParameterVector v, InverseHvpOptions solverOptions, CancellationToken cancellationToken)
        {
            if (o.Solver != InverseHvpSolver.Exact || model.DType == ScalarType.Float64)
            {
                return InverseHvp.Solve(o.Solver, model, hessianSet, v, solverOptions, context.ChunkSize, cancellationToken);
            }

            using var copy = model.Clone();
            copy.to(ScalarType.Float64);
            return ExactHessian.Solve(copy, hessianSet, v, solverOptions.Damping, o.MaxParameters, context.ChunkSize, cancellationToken);
        }
    }
}
