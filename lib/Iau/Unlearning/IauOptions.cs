using Iau.Training;

namespace Iau.Unlearning;

/// <summary>
/// Settings of IAU. The update direction at the current weights θ is
/// <code>
///     g = w_r · ∇L̄_r(θ) − w_f · ∇L̄_f(θ)
/// </code>
/// (L̄ = mean cross-entropy over the set), and each step applies the optimizer to g.
/// </summary>
/// <param name="Steps">Optimizer steps (paper: 1). Each step recomputes g at the current weights.</param>
/// <param name="LearningRate">η (paper: 1e-3).</param>
/// <param name="Optimizer">Adam (paper; fresh state) or SGD.</param>
/// <param name="ForgetWeight">w_f, the incremental-approximation term (IA).</param>
/// <param name="RetainWeight">w_r, the gradient-correction term (GC); 0 = IA alone.</param>
/// <param name="UseCache">Take ∇L̄_r from the gradient cache stored with the model (one step only).</param>
/// <param name="Momentum">SGD momentum (ignored by Adam).</param>
public sealed record IauOptions(
    int Steps = 1,
    double LearningRate = 1e-3,
    OptimizerKind Optimizer = OptimizerKind.Adam,
    double ForgetWeight = 1,
    double RetainWeight = 1,
    bool UseCache = false,
    double Momentum = 0)
{
    /// <summary>Exactly what the authors run: one Adam step, lr 1e-3, fresh state, g = ∇L̄_r − ∇L̄_f at θ*.</summary>
    public static IauOptions PaperPreset { get; } = new();

    /// <summary>Ablation: incremental approximation alone (gradient ascent direction on D_f, no retain term).</summary>
    public static IauOptions IaOnly { get; } = new(RetainWeight: 0);

    /// <summary>The paper preset with ∇L̄_r taken from the cached mean training gradient (passes over D_f only).</summary>
    public static IauOptions Cached { get; } = new(UseCache: true);

    /// <summary>
    /// The options of IAU over a preset (the paper's, cached, IA only): every preset takes every key.
    /// Defaults: the authors' code (Lolo1222/IAU at a45c8af: one Adam step, lr 1e-3, fresh state).
    /// </summary>
    public static MethodOptions<IauOptions> Declare(IauOptions preset) => new(
        preset,
        "Lolo1222/IAU at a45c8af (one Adam step, lr 1e-3, fresh optimizer state, g = ∇L̄_r − ∇L̄_f)",
        [
            MethodOption.Int<IauOptions>("steps", o => o.Steps, (o, v) => o with { Steps = v }, Bounds.AtLeast(1), "optimizer steps, g recomputed at the current weights each step", SearchSpace.Integers(1, 3)),
            MethodOption.Double<IauOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "η", SearchSpace.LogUniform(1e-4, 1e-2)),
            MethodOption.Enum<IauOptions, OptimizerKind>("optimizer", o => o.Optimizer, (o, v) => o with { Optimizer = v }, "Adam (fresh state) or SGD"),
            MethodOption.Double<IauOptions>("forget-weight", o => o.ForgetWeight, (o, v) => o with { ForgetWeight = v }, Bounds.Any, "w_f, weight of −∇L̄_f (IA)", SearchSpace.LogUniform(0.25, 4)),
            MethodOption.Double<IauOptions>("retain-weight", o => o.RetainWeight, (o, v) => o with { RetainWeight = v }, Bounds.Any, "w_r, weight of ∇L̄_r (GC); 0 = IA alone"),
            MethodOption.Double<IauOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum (ignored by Adam)"),
            MethodOption.Bool<IauOptions>("cache", o => o.UseCache, (o, v) => o with { UseCache = v }, "∇L̄_r from the gradient cache stored with the model (one step only)"),
        ],
        CrossCheck);

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate() => Declare(this).Validate(this);

    private static void CrossCheck(IauOptions o)
    {
        if (o.ForgetWeight == 0 && o.RetainWeight == 0)
        {
            throw new ArgumentException("Forget and retain weights are both 0: the update would be empty.");
        }

        if (o.UseCache && o.Steps != 1)
        {
            throw new ArgumentException(
                "The gradient cache holds ∇L̄ at the trained weights θ* only, so cached IAU takes exactly one step.");
        }

        if (o.UseCache && o.RetainWeight == 0)
        {
            throw new ArgumentException("The cache only replaces the retain term; with RetainWeight 0 it is pointless.");
        }
    }
}
