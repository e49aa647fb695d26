using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of SalUn. Defaults follow Fan et al. 2024 ("SalUn: Empowering Machine Unlearning via Gradient-based
/// Weight Saliency", github OPTML-Group/Unlearn-Saliency, Classification/README.md, generate_mask.py,
/// unlearn/RL.py, arg_parser.py): mask of the top 50% weights by |∇L_f| (the with_0.5 mask), 10 epochs of
/// SGD with lr 0.1, momentum 0.9, weight decay 5e-4, batch 256.
/// </summary>
/// <param name="Epochs">Epochs; each is a pass over D_f with random labels, then over D_r (one per step).</param>
/// <param name="LearningRate">SGD step size.</param>
/// <param name="Threshold">Share of all trainable weights in the saliency mask (top |∇L_f|), in (0, 1].</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">Weight decay, applied to the masked weights only.</param>
/// <param name="BatchSize">Mini-batch size of both loops.</param>
public sealed record SalUnOptions(
    int Epochs = 10,
    double LearningRate = 0.1,
    double Threshold = 0.5,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static SalUnOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<SalUnOptions> Declared { get; } = new(
        Reference,
        "OPTML-Group/Unlearn-Saliency Classification/README.md, generate_mask.py, unlearn/RL.py, arg_parser.py",
        [
            MethodOption.Int<SalUnOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Double<SalUnOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "SGD step size", SearchSpace.LogUniform(1e-3, 1e-1)),
            MethodOption.Double<SalUnOptions>("threshold", o => o.Threshold, (o, v) => o with { Threshold = v }, Bounds.Share, "share of weights in the saliency mask", SearchSpace.Choice("0.1", "0.3", "0.5", "0.7", "0.9")),
            MethodOption.Double<SalUnOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<SalUnOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "weight decay on the masked weights"),
            MethodOption.Int<SalUnOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ]);
}

/// <summary>
/// SalUn (Fan et al. 2024): random-label unlearning restricted to the weights most salient for forgetting.
/// <code>
///     g = ∇θ L̄_f(θ_o)                                     (forget-loss gradient at the original weights)
///     m = 1[ |g| among the top ⌊threshold · #θ⌋ ]          (one global ranking over all trainable weights)
///     per epoch: for B_f ⊂ D_f: L = CE(f(x), y'), y' uniform over the classes ≠ y   (random labels)
///                for B_r ⊂ D_r: L = CE(f(x), y)
///                each batch: θ ← SGD-step(θ, m ⊙ (∇L + wd·θ))
/// </code>
/// so θ_u = θ_o + m ⊙ Δθ: weights outside the mask stay bitwise unchanged (weight decay included, which
/// the reference applies inside the optimizer and therefore also to unmasked weights; the kit follows the
/// paper's θ_u = m ⊙ (θ_o + Δθ) + (1 − m) ⊙ θ_o). The loops run forget-then-retain as the reference does for
/// CIFAR-10/SVHN. The reference draws random labels from all classes; the kit excludes the true label.
/// The mask is computed in <see cref="IUnlearningMethod.Begin"/> and counts towards the unlearning time.
/// </summary>
public sealed class SalUnMethod(SalUnOptions? options = null)
    : DeclaredMethod<SalUnOptions>(options ?? SalUnOptions.Reference, SalUnOptions.Declared, "salun"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 80;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("salun", "SalUn (Fan et al. 2024): saliency mask from ∇L_f, random labels on D_f + true labels on D_r, masked updates",
                SalUnOptions.Declared, o => new SalUnMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"SalUn: top {Options.Threshold:P0} saliency mask, {Options.Epochs} epoch(s) random labels on D_f + D_r, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        var parameters = BaselineSupport.TrainableOrThrow(model);
        var mask = SaliencyMask(model, parameters, data, context, Options.Threshold);
        try
        {
            return new Procedure(Options, model, data, context, mask);
        }
        catch
        {
            mask.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The hard saliency mask: 1 for the ⌊threshold·#θ⌋ trainable weights with the largest |∇L̄_f(θ)|, 0
    /// elsewhere (one global ranking), shaped like the parameters and of their element type.
    /// </summary>
    internal static ParameterVector SaliencyMask(
        IauModel model, IReadOnlyList<Parameter> parameters, UnlearningData data, UnlearningContext context, double threshold)
    {
        using var gradient = Gradients.MeanGradient(model, data.Forget, context.ChunkSize);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var magnitude = gradient.Flatten().to(ScalarType.Float64).abs();
        var total = magnitude.numel();
        var k = (long)Math.Floor(threshold * total);
        if (k < 1)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"A saliency threshold of {threshold:G3} keeps no weight of the model's {total}."));
        }

        var flat = zeros(total, dtype: parameters[0].dtype, device: parameters[0].device);
        var top = magnitude.topk((int)k).indexes;
        using var one = 1.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
        flat.index_fill_(0, top, one);
        return ParameterVector.Unflatten(flat, parameters);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly SalUnOptions o;
        private readonly ParameterVector mask;
        private readonly OptimizerHelper optimizer;
        private readonly int classes;

        public Procedure(SalUnOptions o, IauModel model, UnlearningData data, UnlearningContext context, ParameterVector mask)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            this.mask = mask;
            classes = model.Classes;
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, weightDecay: 0);
            long kept;
            using (NewDisposeScope())
            {
                kept = mask.Parts.Sum(p => p.count_nonzero().item<long>());
            }

            NoteMap["mask share"] = BaselineSupport.Note((double)kept / mask.Length);
        }

        public override void Dispose()
        {
            optimizer.Dispose();
            mask.Dispose();
        }

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            using var labels = new Generator((ulong)BaselineSupport.Seed(Context.Seed, BaselineSupport.LabelStream, epoch), Model.Device);
            using var classCount = classes.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
            foreach (var (x, y) in BaselineSupport.Batches(Data.Forget, o.BatchSize, Context.Seed, BaselineSupport.ForgetStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                var shift = randint(1, classes, y.shape, dtype: ScalarType.Int64, device: y.device, generator: labels);
                var randomLabels = y.Plus(shift).remainder(classCount);
                MaskedStep(F.cross_entropy(Model.call(x), randomLabels));
            }

            foreach (var (x, y) in BaselineSupport.Batches(Data.Retain, o.BatchSize, Context.Seed, BaselineSupport.RetainStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                MaskedStep(F.cross_entropy(Model.call(x), y));
            }
        }

        /// <summary>θ ← SGD-step(θ, m ⊙ (∇L + wd·θ)).</summary>
        private void MaskedStep(Tensor loss)
        {
            optimizer.zero_grad();
            loss.backward();
            using var weightDecay = o.WeightDecay.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
            using (no_grad())
            {
                for (var i = 0; i < Parameters.Count; i++)
                {
                    if (Parameters[i].grad is not { } g)
                    {
                        continue;
                    }

                    if (o.WeightDecay > 0)
                    {
                        g.add_(Parameters[i], alpha: weightDecay);
                    }

                    g.mul_(mask.Parts[i]);
                }
            }

            optimizer.step();
        }
    }
}
