using System.Globalization;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of SCRUB. Defaults are Kurmanji et al. 2023's CIFAR-10 ResNet-18 configuration
/// (github meghdadk/SCRUB, large_scale_unlearning.ipynb "SCRUB Forgetting" cell): SGD, lr 5e-4,
/// momentum 0.9, weight decay 5e-4, 3 epochs of which the first 2 include a max-step, γ = 0.99 (CE weight),
/// α = 0.001 (KL weight), KD temperature 4, learning-rate decay ×0.1 after epochs 3, 5, 9, batch sizes
/// 128 (retain, sgda_batch_size) and 32 (forget, del_batch_size). SGDA smoothing is off there (0) and is
/// not implemented.
/// </summary>
/// <param name="Epochs">Epochs (one per step): a max-pass over D_f while epoch ≤ msteps, then a min-pass over D_r.</param>
/// <param name="MaxSteps">msteps: the 1-based epochs 1..msteps include a max-pass.</param>
/// <param name="LearningRate">Initial SGD step size.</param>
/// <param name="Alpha">α, weight of the KL term in the min-step.</param>
/// <param name="Gamma">γ, weight of the cross-entropy term in the min-step.</param>
/// <param name="Temperature">Distillation temperature T.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">SGD weight decay.</param>
/// <param name="BatchSize">Retain mini-batch size.</param>
/// <param name="ForgetBatchSize">Forget mini-batch size.</param>
/// <param name="LrDecayEpochs">The learning rate is multiplied by LrDecayRate once for every milestone the 1-based epoch exceeds.</param>
/// <param name="LrDecayRate">Decay factor per milestone.</param>
public sealed record ScrubOptions(
    int Epochs = 3,
    int MaxSteps = 2,
    double LearningRate = 5e-4,
    double Alpha = 0.001,
    double Gamma = 0.99,
    double Temperature = 4,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    int BatchSize = 128,
    int ForgetBatchSize = 32,
    IReadOnlyList<int>? LrDecayEpochs = null,
    double LrDecayRate = 0.1)
{
    /// <summary>The reference's learning-rate milestones.</summary>
    public static IReadOnlyList<int> DefaultLrDecayEpochs { get; } = [3, 5, 9];

    /// <summary>The reference settings.</summary>
    public static ScrubOptions Reference { get; } = new();

    /// <summary>The milestones in effect.</summary>
    public IReadOnlyList<int> EffectiveLrDecayEpochs => LrDecayEpochs ?? DefaultLrDecayEpochs;

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<ScrubOptions> Declared { get; } = new(
        Reference,
        "meghdadk/SCRUB large_scale_unlearning.ipynb \"SCRUB Forgetting\" cell (CIFAR-10 ResNet-18)",
        [
            MethodOption.Int<ScrubOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "epochs (one per step)", SearchSpace.Integers(1, 5)),
            MethodOption.Int<ScrubOptions>("msteps", o => o.MaxSteps, (o, v) => o with { MaxSteps = v }, Bounds.NonNegative, "epochs 1..msteps include a max-pass over D_f", SearchSpace.Integers(1, 3)),
            MethodOption.Double<ScrubOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "initial SGD step size", SearchSpace.LogUniform(1e-4, 1e-2)),
            MethodOption.Double<ScrubOptions>("alpha", o => o.Alpha, (o, v) => o with { Alpha = v }, Bounds.NonNegative, "α, weight of the KL term of the min-step", SearchSpace.LogUniform(1e-4, 1)),
            MethodOption.Double<ScrubOptions>("gamma", o => o.Gamma, (o, v) => o with { Gamma = v }, Bounds.NonNegative, "γ, weight of the CE term of the min-step"),
            MethodOption.Double<ScrubOptions>("kd-t", o => o.Temperature, (o, v) => o with { Temperature = v }, Bounds.Positive, "distillation temperature T"),
            MethodOption.Double<ScrubOptions>("momentum", o => o.Momentum, (o, v) => o with { Momentum = v }, Bounds.NonNegative, "SGD momentum"),
            MethodOption.Double<ScrubOptions>("weight-decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v }, Bounds.NonNegative, "SGD weight decay"),
            MethodOption.Int<ScrubOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "retain mini-batch size"),
            MethodOption.Int<ScrubOptions>("forget-batch", o => o.ForgetBatchSize, (o, v) => o with { ForgetBatchSize = v }, Bounds.AtLeast(1), "forget mini-batch size"),
            MethodOption.Text<ScrubOptions>("lr-decay-epochs", o => string.Join(',', o.EffectiveLrDecayEpochs), (o, v) => o with { LrDecayEpochs = ParseMilestones(v) }, "comma list of integers", "milestones: lr × rate once per milestone passed"),
            MethodOption.Double<ScrubOptions>("lr-decay-rate", o => o.LrDecayRate, (o, v) => o with { LrDecayRate = v }, Bounds.Positive, "decay factor per milestone"),
        ]);

    /// <summary>The learning rate of 1-based epoch <paramref name="epoch"/> (the reference's adjust_learning_rate).</summary>
    public double LearningRateAt(int epoch)
    {
        var passed = EffectiveLrDecayEpochs.Count(m => epoch > m);
        return passed > 0 ? LearningRate * Math.Pow(LrDecayRate, passed) : LearningRate;
    }

    private static int[] ParseMilestones(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new ArgumentException($"Method option lr-decay-epochs={text} is not a comma-separated list of integers."))
            .ToArray();
    }
}

/// <summary>
/// SCRUB (Kurmanji et al. 2023, "Towards Unbounded Machine Unlearning"): the original model is a frozen
/// teacher t, the working copy a student s that should disagree with t on D_f and agree with it on D_r.
/// With KL_T(t‖s) = T² · mean_batch Σ_c softmax(t/T)_c · (log softmax(t/T)_c − log softmax(s/T)_c):
/// <code>
///     epoch e (1-based):  lr_e = lr · rate^#{milestones &lt; e}
///       if e ≤ msteps:  for B_f ⊂ D_f:  θ_s ← SGD-step(θ_s, ∇[ −KL_T(t‖s) ])           (max-step)
///                       for B_r ⊂ D_r:  θ_s ← SGD-step(θ_s, ∇[ γ·CE(s, y) + α·KL_T(t‖s) ])  (min-step)
/// </code>
/// One optimizer (one momentum state) serves both kinds of step, as in the reference. The student trains
/// in train mode, the teacher runs in eval mode under no_grad. One step = one epoch.
/// </summary>
public sealed class ScrubMethod(ScrubOptions? options = null)
    : DeclaredMethod<ScrubOptions>(options ?? ScrubOptions.Reference, ScrubOptions.Declared, "scrub"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 90;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("scrub", "SCRUB (Kurmanji et al. 2023): teacher–student; max-steps on D_f (KL), min-steps on D_r (γ·CE + α·KL)",
                ScrubOptions.Declared, o => new ScrubMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"SCRUB: {Options.Epochs} epoch(s), {Options.MaxSteps} with max-steps, γ {Options.Gamma:G3}, α {Options.Alpha:G3}, T {Options.Temperature:G3}, SGD lr {Options.LearningRate:G4}, momentum {Options.Momentum:G3}, wd {Options.WeightDecay:G3}, batches {Options.BatchSize}/{Options.ForgetBatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        return new Procedure(Options, model, data, context);
    }

    /// <summary>
    /// KL_T(teacher‖student) averaged over the batch and scaled by T² (the reference's DistillKL), a scalar
    /// in the caller's scope, differentiable in the student's logits.
    /// </summary>
    internal static Tensor DistillKl(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        var logStudent = F.log_softmax(studentLogits.Over(temperature), 1);
        var teacher = F.softmax(teacherLogits.Over(temperature), 1);
        var kl = F.kl_div(logStudent, teacher, reduction: nn.Reduction.Sum, log_target: false);
        return kl.Times(temperature * temperature / studentLogits.shape[0]);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly ScrubOptions o;
        private readonly IauModel teacher;
        private readonly OptimizerHelper optimizer;

        public Procedure(ScrubOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            teacher = model.Clone();
            teacher.eval();
            optimizer = OptimizerFactory.Create(OptimizerKind.Sgd, Parameters, o.LearningRate, o.Momentum, o.WeightDecay);
        }

        public override void Dispose()
        {
            optimizer.Dispose();
            teacher.Dispose();
        }

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            var e = epoch + 1;
            BaselineSupport.SetLearningRate(optimizer, o.LearningRateAt(e));
            if (e <= o.MaxSteps)
            {
                var maxLoss = 0.0;
                var batches = 0;
                foreach (var (x, y) in BaselineSupport.Batches(Data.Forget, o.ForgetBatchSize, Context.Seed, BaselineSupport.ForgetStream, epoch))
                {
                    using var scope = NewDisposeScope();
                    scope.Attach(x);
                    scope.Attach(y);
                    cancellationToken.ThrowIfCancellationRequested();
                    var kl = DistillKl(Model.call(x), TeacherLogits(x), o.Temperature);
                    BaselineSupport.Descend(optimizer, -kl);
                    maxLoss += kl.item<float>();
                    batches++;
                }

                NoteMap[$"forget KL epoch {e}"] = BaselineSupport.Note(batches == 0 ? 0 : maxLoss / batches);
            }

            foreach (var (x, y) in BaselineSupport.Batches(Data.Retain, o.BatchSize, Context.Seed, BaselineSupport.RetainStream, epoch))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                cancellationToken.ThrowIfCancellationRequested();
                var logits = Model.call(x);
                var loss = F.cross_entropy(logits, y).Times(o.Gamma).Plus(DistillKl(logits, TeacherLogits(x), o.Temperature).Times(o.Alpha));
                BaselineSupport.Descend(optimizer, loss);
            }
        }

        private Tensor TeacherLogits(Tensor x)
        {
            using var noGrad = no_grad();
            return teacher.call(x).detach();
        }
    }
}
