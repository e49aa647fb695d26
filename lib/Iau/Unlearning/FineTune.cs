using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of fine-tuning (FT). Defaults are the Unlearn-Sparse reference (Jia et al. 2023,
/// github OPTML-Group/Unlearn-Sparse: README "FT" command and arg_parser.py): 10 epochs of SGD, lr 0.01,
/// momentum 0.9, weight decay 5e-4, batch 256; the reference's MultiStepLR milestones (91, 136) never
/// fire within 10 epochs, so the rate is constant. The kit keeps these values rather than scaling them:
/// they are cheap on the kit's models and keep FT comparable with the literature.
/// </summary>
/// <param name="Epochs">Passes over D_r (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay.</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record FineTuneOptions(
    int Epochs = 10,
    double LearningRate = 0.01,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static FineTuneOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<FineTuneOptions> Declared { get; } = new(
        Reference,
        "OPTML-Group/Unlearn-Sparse README \"FT\" command and arg_parser.py",
        [
            MethodOption.Int<FineTuneOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<FineTuneOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-3, 1e-1)),
            MethodOption.Double<FineTuneOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<FineTuneOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<FineTuneOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ]);
}

/// <summary>
/// Fine-tuning (FT): continue training on the retain set only, relying on catastrophic forgetting of D_f:
/// <code>
///     θ ← SGD-step(θ, ∇ L̄_r(θ; batch)),   for every mini-batch of D_r, for E epochs
/// </code>
/// One step = one epoch. Defaults: <see cref="FineTuneOptions"/> (Unlearn-Sparse reference).
/// </summary>
public sealed class FineTuneMethod(FineTuneOptions? options = null)
    : DeclaredMethod<FineTuneOptions>(options ?? FineTuneOptions.Reference, FineTuneOptions.Declared, "ft"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 40;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("ft", "Fine-tune on D_r only (Unlearn-Sparse reference: 10 epochs SGD lr 0.01, momentum 0.9, wd 5e-4)",
                FineTuneOptions.Declared, o => new FineTuneMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"FT: {Options.Epochs} epoch(s) on D_r, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        return new Procedure(Options, model, data, context);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly FineTuneOptions o;
        private readonly OptimizerHelper optimizer;

        public Procedure(FineTuneOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
        }

        public override void Dispose() => optimizer.Dispose();

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            foreach (var (x, y) in BaselineSupport.Batches(Data.Retain, o.BatchSize, Context.Seed, BaselineSupport.RetainStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                BaselineSupport.Descend(optimizer, F.cross_entropy(Model.call(x), y));
            }
        }
    }
}
