using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of Random Labels (RL). Defaults are the Unlearn-Sparse reference (Jia et al. 2023, github
/// OPTML-Group/Unlearn-Sparse: unlearn/RL.py, arg_parser.py; the same RL.py without a mask is SalUn's RL
/// baseline): 10 epochs of SGD, lr 0.01, momentum 0.9, weight decay 5e-4, batch 256.
/// </summary>
/// <param name="Epochs">Passes over D_f ∪ D_r (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay.</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record RandomLabelsOptions(
    int Epochs = 10,
    double LearningRate = 0.01,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static RandomLabelsOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<RandomLabelsOptions> Declared { get; } = new(
        Reference,
        "OPTML-Group/Unlearn-Sparse unlearn/RL.py and arg_parser.py (unlearn_epochs 10, unlearn_lr 0.01, momentum 0.9, wd 5e-4, batch 256)",
        [
            MethodOption.Int<RandomLabelsOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes over D_f ∪ D_r (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<RandomLabelsOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-3, 1e-1)),
            MethodOption.Double<RandomLabelsOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<RandomLabelsOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<RandomLabelsOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ]);
}

/// <summary>
/// Random Labels (RL; Golatkar et al. 2020's relabelling baseline as Unlearn-Sparse and SalUn run it): train on
/// D_f with labels drawn afresh each epoch, together with D_r with its true labels, as one shuffled set:
/// <code>
///     per epoch: y'_i ~ U{0, …, K−1} for every i ∈ D_f          (the true label may be drawn, as in the reference)
///                for B ⊂ D_f(y') ∪ D_r (one shuffled pass):  θ ← SGD-step(θ, ∇ CE(f(x_B), y_B))
/// </code>
/// SalUn is this loop restricted to a saliency mask (and with forget and retain passes kept apart).
/// One step = one epoch.
/// </summary>
public sealed class RandomLabelsMethod(RandomLabelsOptions? options = null)
    : DeclaredMethod<RandomLabelsOptions>(options ?? RandomLabelsOptions.Reference, RandomLabelsOptions.Declared, "rl"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 130;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("rl", "Random Labels (Unlearn-Sparse/SalUn RL): train on D_f with random labels together with D_r (10 epochs SGD lr 0.01)",
                RandomLabelsOptions.Declared, o => new RandomLabelsMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"RL: {Options.Epochs} epoch(s) on D_f with random labels ∪ D_r, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context) =>
        new Procedure(Options, model, data, context);

    private sealed class Procedure : EpochProcedure
    {
        private readonly RandomLabelsOptions o;
        private readonly OptimizerHelper optimizer;

        public Procedure(RandomLabelsOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
        }

        public override void Dispose() => optimizer.Dispose();

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            var device = Data.Forget.Labels.device;
            using var generator = new Generator((ulong)BaselineSupport.Seed(Context.Seed, BaselineSupport.LabelStream, epoch), device);
            using var randomLabels = randint(0, Model.Classes, [Data.Forget.Count], dtype: ScalarType.Int64, device: device, generator: generator);
            var order = BaselineSupport.Seed(Context.Seed, BaselineSupport.RetainStream, epoch);
            foreach (var (x, y, isForget, forgetRows) in BaselineSupport.Mixed(Data.Forget, Data.Retain, null, o.BatchSize, order))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                scope.Attach(isForget);
                scope.Attach(forgetRows);
                cancellationToken.ThrowIfCancellationRequested();
                var nf = forgetRows.shape[0];
                var labels = nf == 0 ? y : cat([randomLabels.index_select(0, forgetRows), y.narrow(0, nf, y.shape[0] - nf)], 0);
                BaselineSupport.Descend(optimizer, F.cross_entropy(Model.call(x), labels));
            }
        }
    }
}
