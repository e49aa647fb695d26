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

    /// <summary>Reads epochs, lr, momentum, weight-decay, batch (defaults: <see cref="Reference"/>).</summary>
    public static FineTuneOptions FromSettings(MethodSettings s)
    {
        var d = Reference;
        return new FineTuneOptions(
            s.Int("epochs", d.Epochs),
            s.Double("lr", d.LearningRate),
            s.Double("momentum", d.Momentum),
            s.Double("weight-decay", d.WeightDecay),
            s.Int("batch", d.BatchSize));
    }

    /// <summary>The option keys with these values, for help texts.</summary>
    public string Help() => FormattableString.Invariant(
        $"epochs={Epochs} lr={LearningRate} momentum={Momentum} weight-decay={WeightDecay} batch={BatchSize}");

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        BaselineSupport.AtLeast(nameof(Epochs), Epochs, 1);
        BaselineSupport.Positive(nameof(LearningRate), LearningRate);
        BaselineSupport.NonNegative(nameof(Momentum), Momentum);
        BaselineSupport.NonNegative(nameof(WeightDecay), WeightDecay);
        BaselineSupport.AtLeast(nameof(BatchSize), BatchSize, 1);
    }
}

/// <summary>
/// Fine-tuning (FT): continue training on the retain set only, relying on catastrophic forgetting of D_f:
/// <code>
///     θ ← SGD-step(θ, ∇ L̄_r(θ; batch)),   for every mini-batch of D_r, for E epochs
/// </code>
/// One step = one epoch. Defaults: <see cref="FineTuneOptions"/> (Unlearn-Sparse reference).
/// </summary>
public sealed class FineTuneMethod : IUnlearningMethod
{
    /// <summary>A fine-tuning method (settings validated here).</summary>
    public FineTuneMethod(FineTuneOptions? options = null)
    {
        Options = options ?? FineTuneOptions.Reference;
        Options.Validate();
    }

    /// <summary>The settings.</summary>
    public FineTuneOptions Options { get; }

    /// <inheritdoc />
    public string Name => "ft";

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant(
        $"FT: {Options.Epochs} epoch(s) on D_r, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
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
