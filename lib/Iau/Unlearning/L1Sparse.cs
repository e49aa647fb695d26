using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of ℓ1-sparse unlearning. Defaults follow Jia et al. 2023 ("Model Sparsity Can Simplify Machine
/// Unlearning", github OPTML-Group/Unlearn-Sparse: unlearn/FT.py FT_l1 via FT_prune, README "l1-sparse"
/// command): the FT recipe (10 epochs, SGD lr 0.01, momentum 0.9, weight decay 5e-4, batch 256) plus
/// γ·‖θ‖₁ with γ = 5e-4, the value the paper reports, decayed linearly over the epochs
/// (γ_e = γ·(1 − e/(E − no_l1_epochs)) for 0-based epoch e, 0 in the last no_l1_epochs epochs).
/// The repository's command line takes γ as --alpha.
/// </summary>
/// <param name="Epochs">Passes over D_r (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Gamma">γ, the initial weight of ‖θ‖₁.</param>
/// <param name="NoL1Epochs">Final epochs without the penalty (reference --no-l1-epochs, default 0).</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay.</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record L1SparseOptions(
    int Epochs = 10,
    double LearningRate = 0.01,
    double Gamma = 5e-4,
    int NoL1Epochs = 0,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static L1SparseOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<L1SparseOptions> Declared { get; } = new(
        Reference,
        "OPTML-Group/Unlearn-Sparse unlearn/FT.py (FT_l1), README \"l1-sparse\" command; γ = 5e-4 as the paper reports",
        [
            MethodOption.Int<L1SparseOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<L1SparseOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-3, 1e-1)),
            MethodOption.Double<L1SparseOptions>("gamma", o => o.Gamma, (o, v) => o with { Gamma = v }, Bounds.NonNegative, "γ, initial weight of ‖θ‖₁ (decays linearly)", SearchSpace.LogUniform(1e-5, 1e-3)),
            MethodOption.Int<L1SparseOptions>("no-l1-epochs", o => o.NoL1Epochs, (o, v) => o with { NoL1Epochs = v }, Bounds.NonNegative, "final epochs without the penalty (≤ epochs)"),
            MethodOption.Double<L1SparseOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<L1SparseOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<L1SparseOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ],
        o =>
        {
            if (o.NoL1Epochs > o.Epochs)
            {
                throw new ArgumentOutOfRangeException("no-l1-epochs", o.NoL1Epochs, "no-l1-epochs must lie in [0, epochs].");
            }
        });

    /// <summary>γ in 0-based epoch <paramref name="epoch"/> (the reference's linear decay).</summary>
    public double GammaAt(int epoch)
    {
        var decayEpochs = Epochs - NoL1Epochs;
        if (decayEpochs == 0)
        {
            return Gamma;
        }

        return epoch < decayEpochs ? Gamma * (1 - ((double)epoch / decayEpochs)) : 0;
    }
}

/// <summary>
/// ℓ1-sparse unlearning (Jia et al. 2023): fine-tuning on D_r with a sparsity penalty that pushes the model
/// towards a sparse solution, where approximate unlearning is closer to retraining:
/// <code>
///     L(θ) = L̄_r(θ; batch) + γ_e · ‖θ‖₁,   γ_e = γ·(1 − e/E)   (linear decay over the epochs)
/// </code>
/// ‖θ‖₁ sums over every trainable parameter (weights and biases), as the reference's
/// l1_regularization does. One step = one epoch. Defaults: <see cref="L1SparseOptions"/>.
/// </summary>
public sealed class L1SparseMethod(L1SparseOptions? options = null)
    : DeclaredMethod<L1SparseOptions>(options ?? L1SparseOptions.Reference, L1SparseOptions.Declared, "l1sparse"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 70;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("l1sparse", "ℓ1-sparse unlearning (Jia et al. 2023): fine-tune on D_r with γ_t·‖θ‖₁, γ decaying linearly",
                L1SparseOptions.Declared, o => new L1SparseMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"l1-sparse: {Options.Epochs} epoch(s) on D_r + γ·‖θ‖₁ (γ {Options.Gamma:G3}, linear decay), SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        return new Procedure(Options, model, data, context);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly L1SparseOptions o;
        private readonly OptimizerHelper optimizer;

        public Procedure(L1SparseOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
        }

        public override void Dispose() => optimizer.Dispose();

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            var gamma = o.GammaAt(epoch);
            NoteMap[$"gamma epoch {epoch + 1}"] = BaselineSupport.Note(gamma);
            foreach (var (x, y) in BaselineSupport.Batches(Data.Retain, o.BatchSize, Context.Seed, BaselineSupport.RetainStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                var loss = F.cross_entropy(Model.call(x), y);
                if (gamma > 0)
                {
                    loss = loss.Plus(BaselineSupport.L1Norm(Parameters).Times(gamma));
                }

                BaselineSupport.Descend(optimizer, loss);
            }
        }
    }
}
