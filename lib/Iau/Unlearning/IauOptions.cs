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

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "IAU needs at least one step.");
        }

        if (!(LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive.");
        }

        if (ForgetWeight == 0 && RetainWeight == 0)
        {
            throw new ArgumentException("Forget and retain weights are both 0: the update would be empty.");
        }

        if (UseCache && Steps != 1)
        {
            throw new ArgumentException(
                "The gradient cache holds ∇L̄ at the trained weights θ* only, so cached IAU takes exactly one step.");
        }

        if (UseCache && RetainWeight == 0)
        {
            throw new ArgumentException("The cache only replaces the retain term; with RetainWeight 0 it is pointless.");
        }
    }
}
