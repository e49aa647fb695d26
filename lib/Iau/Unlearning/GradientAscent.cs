using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of gradient ascent (GA). Defaults are the Unlearn-Sparse reference (Jia et al. 2023,
/// github OPTML-Group/Unlearn-Sparse: README "GA" command, unlearn/GA.py, arg_parser.py): 5 epochs of SGD
/// on −CE over D_f, lr 1e-4, momentum 0.9, weight decay 5e-4, batch 256.
/// </summary>
/// <param name="Epochs">Passes over D_f (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay (applied as in the reference, i.e. it still shrinks θ).</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record GradientAscentOptions(
    int Epochs = 5,
    double LearningRate = 1e-4,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static GradientAscentOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<GradientAscentOptions> Declared { get; } = new(
        Reference,
        "OPTML-Group/Unlearn-Sparse README \"GA\" command, unlearn/GA.py, arg_parser.py",
        [
            MethodOption.Int<GradientAscentOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<GradientAscentOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-5, 1e-2)),
            MethodOption.Double<GradientAscentOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<GradientAscentOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<GradientAscentOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ]);
}

/// <summary>
/// Gradient ascent (GA): undo the training on the forget set by ascending its loss:
/// <code>
///     θ ← SGD-step(θ, −∇ L̄_f(θ; batch)),   for every mini-batch of D_f, for E epochs
/// </code>
/// (descending −CE, as the reference does). D_r is not used. One step = one epoch.
/// Defaults: <see cref="GradientAscentOptions"/> (Unlearn-Sparse reference).
/// </summary>
public sealed class GradientAscentMethod(GradientAscentOptions? options = null)
    : DeclaredMethod<GradientAscentOptions>(options ?? GradientAscentOptions.Reference, GradientAscentOptions.Declared, "ga"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 50;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("ga", "Gradient ascent on the forget loss, D_f only (Unlearn-Sparse reference: 5 epochs SGD lr 1e-4)",
                GradientAscentOptions.Declared, o => new GradientAscentMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"GA: {Options.Epochs} epoch(s) ascending L_f on D_f, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        return new Procedure(Options, model, data, context);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly GradientAscentOptions o;
        private readonly OptimizerHelper optimizer;

        public Procedure(GradientAscentOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
        }

        public override void Dispose() => optimizer.Dispose();

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            foreach (var (x, y) in BaselineSupport.Batches(Data.Forget, o.BatchSize, Context.Seed, BaselineSupport.ForgetStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                BaselineSupport.Descend(optimizer, -F.cross_entropy(Model.call(x), y));
            }
        }
    }
}
