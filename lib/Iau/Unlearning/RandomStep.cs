using System.Globalization;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>
/// The random-direction control of every comparison: IAU's update Δ = θ_IAU − θ* is computed with the given IAU
/// options (the paper preset by default), then replaced, parameter tensor by parameter tensor, by a step of the
/// same norm in a seeded Gaussian direction:
/// <code>
///     θ_p = θ*_p + ‖Δ_p‖ · u_p / ‖u_p‖,      u_p ~ N(0, I) (seeded),   for every parameter tensor p
/// </code>
/// so each layer moves as far as IAU moves it (and the global norm is IAU's too), but not where IAU moves it. If
/// this control comes as close to Retrain as IAU does, IAU's direction carries no information about D_f beyond
/// the size of its step. Its RTE includes computing IAU's step (it is a control, not a method to time).
/// </summary>
public sealed class RandomStepMethod(IauOptions? options = null) : IUnlearningMethod, IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 30;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("random-step", "Control: a step of the norm of IAU's (per parameter tensor) in a seeded random direction",
                IauOptions.Declare(IauOptions.PaperPreset), o => new RandomStepMethod(o)),
    ];

    /// <summary>The IAU settings whose step size is matched.</summary>
    public IauOptions Options { get; } = options ?? IauOptions.PaperPreset;

    /// <inheritdoc />
    public string Name => "random-step";

    /// <inheritdoc />
    public string Describe() => "Random-direction control: per parameter tensor, a seeded Gaussian direction scaled to the norm of IAU's step (" + new IauMethod(Options).Describe() + ")";

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        Options.Validate();
        return new Procedure(this, model, data, context);
    }

    private sealed class Procedure(RandomStepMethod method, IauModel model, UnlearningData data, UnlearningContext context) : IUnlearningProcedure
    {
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);

        public int TotalSteps => 1;

        public string StepUnit => "update";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            var parameters = Gradients.Trainable(model);
            var before = parameters.Select(p => p.detach().clone()).ToList();
            try
            {
                using (var iau = new IauMethod(method.Options).Begin(model, data, context))
                {
                    for (var i = 0; i < iau.TotalSteps && iau.Step(i, cancellationToken); i++)
                    {
                    }
                }

                var seed = BaselineSupport.Seed(context.Seed, BaselineSupport.DirectionStream, 0);
                using var generator = new TorchSharp.torch.Generator((ulong)(uint)seed);
                var squared = 0.0;
                using (no_grad())
                {
                    for (var i = 0; i < parameters.Count; i++)
                    {
                        using var scope = NewDisposeScope();
                        var p = parameters[i];
                        var norm = (p - before[i]).norm().item<float>();
                        squared += (double)norm * norm;
                        var u = randn(p.shape, dtype: p.dtype, generator: generator).to(p.device);
                        var length = u.norm().item<float>();
                        p.copy_(length > 0 ? before[i].Plus(u.Times(norm / length)) : before[i]);
                    }
                }

                notes["|Δ| (IAU's step, matched per tensor)"] = Math.Sqrt(squared).ToString("G4", CultureInfo.InvariantCulture);
                notes["direction seed"] = seed.ToString(CultureInfo.InvariantCulture);
                return true;
            }
            finally
            {
                before.ForEach(t => t.Dispose());
            }
        }

        public void Dispose()
        {
        }
    }
}
