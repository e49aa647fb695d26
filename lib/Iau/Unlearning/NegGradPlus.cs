using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of NegGrad+. Defaults follow Kurmanji et al. 2023 ("Towards Unbounded Machine Unlearning",
/// github meghdadk/SCRUB, small_scale_unlearning.ipynb "Negative Gradient" cell and its negative_grad /
/// run_neggrad_epoch helpers): β = 0.95 (ng_alpha), 10 epochs, SGD lr 0.01 without momentum or weight decay,
/// every retain batch paired with the next batch of a cycled forget loader. (The authors tune β per setting;
/// 0.999 is another common choice.) That notebook also adds a proximal term (λ/2)·‖θ − θ_o‖² to the retain
/// side with λ = the training weight decay; it is off here by default (λ = 0, the paper's equation) and
/// available as proximal=λ. Batch sizes of 128 are the kit's choice (the notebooks use 32–512).
/// </summary>
/// <param name="Epochs">Passes over D_r (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Beta">β: weight of the retain loss; the forget loss gets 1 − β.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay.</param>
/// <param name="BatchSize">Retain mini-batch size (an epoch is one pass over D_r).</param>
/// <param name="ForgetBatchSize">Forget mini-batch size (the forget batches cycle).</param>
/// <param name="Proximal">λ of the optional proximal term β·(λ/2)·‖θ − θ_o‖² (θ_o: the weights unlearning starts from).</param>
public sealed record NegGradPlusOptions(
    int Epochs = 10,
    double LearningRate = 0.01,
    double Beta = 0.95,
    double Momentum = 0,
    double WeightDecay = 0,
    int BatchSize = 128,
    int ForgetBatchSize = 128,
    double Proximal = 0)
{
    /// <summary>The reference settings.</summary>
    public static NegGradPlusOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<NegGradPlusOptions> Declared { get; } = new(
        Reference,
        "meghdadk/SCRUB small_scale_unlearning.ipynb \"Negative Gradient\" cell (β = ng_alpha 0.95); batch 128 the kit's choice",
        [
            MethodOption.Int<NegGradPlusOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<NegGradPlusOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-3, 1e-1)),
            MethodOption.Double<NegGradPlusOptions>("beta", o => o.Beta, (o, v) => o with { Beta = v }, Bounds.Unit, "β, weight of the retain loss (forget: 1 − β)", SearchSpace.Uniform(0.8, 0.999)),
            MethodOption.Double<NegGradPlusOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<NegGradPlusOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<NegGradPlusOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "retain mini-batch size"),
            MethodOption.Int<NegGradPlusOptions>("forget-batch", o => o.ForgetBatchSize, (o, v) => o with { ForgetBatchSize = v }, Bounds.AtLeast(1), "forget mini-batch size (cycled)"),
            MethodOption.Double<NegGradPlusOptions>("proximal", o => o.Proximal, (o, v) => o with { Proximal = v }, Bounds.NonNegative, "λ of the proximal term β·(λ/2)·‖θ − θ_o‖²"),
        ]);
}

/// <summary>
/// NegGrad+ (Kurmanji et al. 2023): joint retain descent and forget ascent on paired mini-batches,
/// <code>
///     L(θ) = β · [L̄_r(θ; B_r) + (λ/2)·‖θ − θ_o‖²] − (1 − β) · L̄_f(θ; B_f),   θ ← SGD-step(θ, ∇L)
/// </code>
/// (λ = proximal, 0 by default)
/// for every retain batch B_r of an epoch, with B_f the next batch of the cycled forget set (reshuffled
/// with a seed per cycle). One step = one epoch over D_r. Defaults: <see cref="NegGradPlusOptions"/>.
/// </summary>
public sealed class NegGradPlusMethod(NegGradPlusOptions? options = null)
    : DeclaredMethod<NegGradPlusOptions>(options ?? NegGradPlusOptions.Reference, NegGradPlusOptions.Declared, "neggrad+"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 60;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("neggrad+", "NegGrad+ (Kurmanji et al. 2023): minimise β·L_r − (1−β)·L_f on paired D_r/D_f batches",
                NegGradPlusOptions.Declared, o => new NegGradPlusMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"NegGrad+: {Options.Epochs} epoch(s), L = {Options.Beta:G4}·L_r − {1 - Options.Beta:G4}·L_f{(Options.Proximal > 0 ? FormattableString.Invariant($" (+ proximal λ {Options.Proximal:G3})") : string.Empty)}, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batches {Options.BatchSize}/{Options.ForgetBatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        return new Procedure(Options, model, data, context);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly NegGradPlusOptions o;
        private readonly OptimizerHelper optimizer;
        private readonly ParameterVector? start;
        private IEnumerator<(Tensor X, Tensor Y)>? forget;
        private int forgetCycle;

        public Procedure(NegGradPlusOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
            start = o.Proximal > 0 ? new ParameterVector(Parameters.Select(p => p.detach().clone()).ToArray()) : null;
        }

        public override void Dispose()
        {
            start?.Dispose();
            forget?.Dispose();
            optimizer.Dispose();
        }

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            foreach (var (x, y) in BaselineSupport.Batches(Data.Retain, o.BatchSize, Context.Seed, BaselineSupport.RetainStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                var (fx, fy) = NextForgetBatch();
                scope.Attach(fx);
                scope.Attach(fy);
                cancellationToken.ThrowIfCancellationRequested();
                var retainLoss = F.cross_entropy(Model.call(x), y);
                if (start is not null)
                {
                    retainLoss = retainLoss.Plus(ProximalDistance().Times(o.Proximal / 2));
                }

                var forgetLoss = F.cross_entropy(Model.call(fx), fy);
                BaselineSupport.Descend(optimizer, retainLoss.Times(o.Beta) - forgetLoss.Times(1 - o.Beta));
            }
        }

        /// <summary>‖θ − θ_o‖² (differentiable).</summary>
        private Tensor ProximalDistance()
        {
            Tensor? sum = null;
            for (var i = 0; i < Parameters.Count; i++)
            {
                var term = (Parameters[i] - start!.Parts[i]).Squared().sum();
                sum = sum is null ? term : sum.Plus(term);
            }

            return sum!;
        }

        /// <summary>The next forget batch; a new seeded pass over D_f starts whenever one ends.</summary>
        private (Tensor X, Tensor Y) NextForgetBatch()
        {
            if (forget is null || !forget.MoveNext())
            {
                forget?.Dispose();
                forget = BaselineSupport.Batches(Data.Forget, o.ForgetBatchSize, Context.Seed, BaselineSupport.ForgetStream, forgetCycle++).GetEnumerator();
                if (!forget.MoveNext())
                {
                    throw new InvalidOperationException("The forget set is empty.");
                }
            }

            return forget.Current;
        }
    }
}
