using System.Globalization;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>
/// IAU, influence-approximation unlearning (Liu et al. 2025). Removing z has the same first-order influence
/// as adding a point whose gradient is −∇ℓ(z, θ*), and adding a point is a gradient step; so:
/// <code>
///     IA:  descend on −L̄_f           (learn the "opposite" of the forget set)
///     GC:  g = ∇L̄_r(θ*) − ∇L̄_f(θ*)   (keep utility: include the retain gradient)
///     θ_u = OptimizerStep(θ*, g)      (paper: one Adam step, lr 1e-3, fresh state)
/// </code>
/// GR (gradient restriction) is how the original model was trained (see Training.GradientRestriction).
/// Gradients are full-set means accumulated in chunks, so memory is bounded whatever |D_f| and |D_r| are.
/// Its RTE covers the two gradient passes and the step on data already in tensors; the authors' timer also
/// covers turning images into tensors (a departure on purpose, see <see cref="Unlearner"/>).
/// </summary>
public sealed class IauMethod(IauOptions? options = null, string name = "iau") : IUnlearningMethod, IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 20;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("iau", "IAU, the paper preset: one Adam step (lr 1e-3, fresh state) with g = ∇L̄_r − ∇L̄_f",
                IauOptions.Declare(IauOptions.PaperPreset), o => new IauMethod(o, "iau")),
        MethodEntry.Declared("iau-cached", "IAU with ∇L̄_r from the mean training gradient stored with the model (passes over D_f only)",
                IauOptions.Declare(IauOptions.Cached), o => new IauMethod(o, "iau-cached")),
        MethodEntry.Declared("ia", "Ablation: IA alone, one Adam step on −∇L̄_f (no gradient correction)",
                IauOptions.Declare(IauOptions.IaOnly), o => new IauMethod(o, "ia")) with { InComparisons = false },
    ];

    /// <summary>The settings.</summary>
    public IauOptions Options { get; } = options ?? IauOptions.PaperPreset;

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant(
        $"IAU: {Options.Steps} {Options.Optimizer} step(s), lr {Options.LearningRate:G4}, g = {Options.RetainWeight:G3}·∇L̄_r − {Options.ForgetWeight:G3}·∇L̄_f") +
        (Options.UseCache ? " (∇L̄_r from the cached training gradient)" : string.Empty);

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        Options.Validate();
        if (Options.UseCache)
        {
            var cache = context.Cache ?? throw new ArgumentException(
                "Cached IAU needs the mean training gradient stored with the model (train with --store-gradient, or compute it).");
            cache.CheckMatches(model);
            if (cache.Count != data.TrainCount)
            {
                throw new ArgumentException($"The gradient cache averages {cache.Count} samples but |D_r| + |D_f| = {data.TrainCount}.");
            }
        }

        return new Procedure(this, model, data, context);
    }

    /// <summary>g = w_r·∇L̄_r − w_f·∇L̄_f at the model's current weights (the caller disposes it).</summary>
    internal static ParameterVector Direction(IauOptions o, IauModel model, UnlearningData data, UnlearningContext context, bool useCache)
    {
        using var forget = Gradients.MeanGradient(model, data.Forget, context.ChunkSize);
        return Combine(o, forget, () => useCache
            ? context.Cache!.RetainGradient(forget, data.Forget.Count)
            : Gradients.MeanGradient(model, data.Retain, context.ChunkSize));
    }

    /// <summary>g = w_r·∇L̄_r − w_f·∇L̄_f from ∇L̄_f and a source of ∇L̄_r (asked only when w_r ≠ 0); the caller disposes g.</summary>
    internal static ParameterVector Combine(IauOptions o, ParameterVector forget, Func<ParameterVector> retain)
    {
        var g = forget.Clone();
        g.Combine(-o.ForgetWeight, forget, 0);
        if (o.RetainWeight != 0)
        {
            using var r = retain();
            g.Combine(1, r, o.RetainWeight);
        }

        return g;
    }

    /// <summary>Sets the model's .grad to <paramref name="g"/> (through the surrogate ⟨θ, g⟩, whose gradient is g).</summary>
    internal static void SetGradient(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, ParameterVector g)
    {
        using var scope = NewDisposeScope();
        foreach (var p in parameters)
        {
            p.grad?.zero_();
        }

        Tensor? surrogate = null;
        for (var i = 0; i < parameters.Count; i++)
        {
            var term = (parameters[i] * g.Parts[i].detach()).sum();
            surrogate = surrogate is null ? term : surrogate.Plus(term);
        }

        surrogate!.backward();
    }

    private sealed class Procedure : IUnlearningProcedure
    {
        private readonly IauMethod method;
        private readonly IauModel model;
        private readonly UnlearningData data;
        private readonly UnlearningContext context;
        private readonly IReadOnlyList<TorchSharp.Modules.Parameter> parameters;
        private readonly torch.optim.Optimizer optimizer;
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);

        public Procedure(IauMethod method, IauModel model, UnlearningData data, UnlearningContext context)
        {
            this.method = method;
            this.model = model;
            this.data = data;
            this.context = context;
            parameters = Gradients.Trainable(model);
            var o = method.Options;
            optimizer = OptimizerFactory.Create(o.Optimizer, parameters, o.LearningRate, o.Momentum);
        }

        public int TotalSteps => method.Options.Steps;

        public string StepUnit => "update";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            var o = method.Options;
            using var g = Direction(o, model, data, context, o.UseCache && index == 0);
            notes[$"|g| step {index + 1}"] = g.Norm().ToString("G4", CultureInfo.InvariantCulture);
            SetGradient(parameters, g);
            optimizer.step();
            notes["retain gradient"] = o.RetainWeight == 0 ? "not used (IA)" : o.UseCache ? "from cache" : "recomputed";
            return true;
        }

        public void Dispose() => optimizer.Dispose();
    }
}
