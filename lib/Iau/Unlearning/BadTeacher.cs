using Iau.Data;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of Bad Teacher. Defaults follow Chundawat et al. 2023 ("Can Bad Teaching Induce Forgetting?
/// Unlearning in Deep Networks Using an Incompetent Teacher", AAAI; github vikram2000b/bad-teaching-unlearning,
/// unlearn.py blindspot_unlearner / UnlearnerLoss and the experiment notebook, the same as
/// if-loops/selective-synaptic-dampening's forget_*_strategies.py "blindspot"): 1 epoch of Adam, lr 1e-4,
/// KL temperature 1, batch 256, a random 30% of D_r.
/// </summary>
/// <param name="Epochs">Passes over D_f ∪ D_r' (one per step).</param>
/// <param name="LearningRate">Adam step size.</param>
/// <param name="Temperature">KL temperature T.</param>
/// <param name="RetainShare">Share of D_r drawn (once, seeded) into the unlearning set D_r'.</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record BadTeacherOptions(
    int Epochs = 1,
    double LearningRate = 1e-4,
    double Temperature = 1,
    double RetainShare = 0.3,
    int BatchSize = 256)
{
    /// <summary>The reference settings.</summary>
    public static BadTeacherOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<BadTeacherOptions> Declared { get; } = new(
        Reference,
        "vikram2000b/bad-teaching-unlearning unlearn.py + notebook; if-loops/selective-synaptic-dampening blindspot (Adam lr 1e-4, 1 epoch, KL_temperature 1, batch 256, 30% of D_r)",
        [
            MethodOption.Int<BadTeacherOptions>("epochs", o => o.Epochs, (o, v) => o with { Epochs = v }, Bounds.AtLeast(1), "passes over D_f ∪ D_r' (one per step)", SearchSpace.Integers(1, 3)),
            MethodOption.Double<BadTeacherOptions>("lr", o => o.LearningRate, (o, v) => o with { LearningRate = v }, Bounds.Positive, "Adam step size", SearchSpace.LogUniform(1e-5, 1e-3)),
            MethodOption.Double<BadTeacherOptions>("kd-t", o => o.Temperature, (o, v) => o with { Temperature = v }, Bounds.Positive, "KL temperature T", SearchSpace.Choice("1", "2", "4")),
            MethodOption.Double<BadTeacherOptions>("retain-share", o => o.RetainShare, (o, v) => o with { RetainShare = v }, Bounds.Share, "share of D_r in the unlearning set", SearchSpace.Uniform(0.1, 0.6)),
            MethodOption.Int<BadTeacherOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size"),
        ]);
}

/// <summary>
/// Bad Teacher (Chundawat et al. 2023): a student (the working copy, starting from the original) distils from
/// the competent teacher t_c (the original, frozen) on retain samples and from an incompetent teacher t_i (the
/// same architecture, freshly initialised, frozen) on forget samples:
/// <code>
///     D_u = D_f ∪ D_r',   D_r' = a seeded random ⌊share·|D_r|⌋ of D_r (drawn once)
///     p_t(x) = softmax(t_i(x)/T) if x ∈ D_f, softmax(t_c(x)/T) otherwise
///     L(B) = (1/(|B|·K)) Σ_{x∈B} Σ_c p_t(x)_c · (log p_t(x)_c − log softmax(s(x)/T)_c)
///     for B ⊂ D_u (one shuffled pass per epoch):  θ_s ← Adam-step(θ_s, ∇L(B))
/// </code>
/// L is torch's kl_div with its default elementwise-mean reduction, as in the reference's UnlearnerLoss (it
/// divides by |B|·K, not |B|). The incompetent teacher is initialised with a seed derived from the context
/// seed. One step = one epoch.
/// </summary>
public sealed class BadTeacherMethod(BadTeacherOptions? options = null)
    : DeclaredMethod<BadTeacherOptions>(options ?? BadTeacherOptions.Reference, BadTeacherOptions.Declared, "bad-teacher"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 140;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("bad-teacher", "Bad Teacher (Chundawat et al. 2023): KL distillation from a random teacher on D_f and the original on 30% of D_r",
                BadTeacherOptions.Declared, o => new BadTeacherMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"Bad Teacher: {Options.Epochs} epoch(s) of KL distillation (T {Options.Temperature:G3}) from a random teacher on D_f and the original on {Options.RetainShare:P0} of D_r, Adam lr {Options.LearningRate:G4}, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context) =>
        new Procedure(Options, model, data, context);

    /// <summary>
    /// The reference's UnlearnerLoss: kl_div(log softmax(s/T), p_t), elementwise mean, with p_t the incompetent
    /// teacher's softmax on forget rows (isForget = 1) and the competent teacher's elsewhere.
    /// </summary>
    internal static Tensor Loss(Tensor student, Tensor competent, Tensor incompetent, Tensor isForget, double temperature)
    {
        var f = isForget.to(student.dtype).unsqueeze(1);
        var notForget = f.negative().add(KeptScalars.One, KeptScalars.One); // 1 − f, as TorchSharp's int − Tensor computes it
        var target = (f * F.softmax(incompetent.Over(temperature), 1)).Plus(notForget * F.softmax(competent.Over(temperature), 1));
        return F.kl_div(F.log_softmax(student.Over(temperature), 1), target, reduction: nn.Reduction.Mean, log_target: false);
    }

    private sealed class Procedure : EpochProcedure
    {
        private readonly BadTeacherOptions o;
        private readonly IauModel competent;
        private readonly IauModel incompetent;
        private readonly OptimizerHelper optimizer;
        private readonly int[] retainRows;

        public Procedure(BadTeacherOptions o, IauModel model, UnlearningData data, UnlearningContext context)
            : base(model, data, context, o.Epochs)
        {
            this.o = o;
            competent = model.Clone();
            competent.eval();
            incompetent = ModelFactory.Create(model.Architecture, model.InputShape, model.Classes, BaselineSupport.Seed(context.Seed, BaselineSupport.SubsetStream, -2), model.Options);
            incompetent.to(model.Device);
            incompetent.eval();
            var take = (int)Math.Floor(o.RetainShare * data.Retain.Count);
            retainRows = TensorData.Permutation(data.Retain.Count, BaselineSupport.Seed(context.Seed, BaselineSupport.SubsetStream, -1))[..take];
            Array.Sort(retainRows);
            optimizer = OptimizerFactory.Create(OptimizerKind.Adam, Parameters, o.LearningRate);
            NoteMap["retain samples"] = take.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public override void Dispose()
        {
            optimizer.Dispose();
            competent.Dispose();
            incompetent.Dispose();
        }

        protected override void RunEpoch(int epoch, CancellationToken cancellationToken)
        {
            var order = BaselineSupport.Seed(Context.Seed, BaselineSupport.RetainStream, epoch);
            foreach (var (x, y, isForget, forgetRows) in BaselineSupport.Mixed(Data.Forget, Data.Retain, retainRows, o.BatchSize, order))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                scope.Attach(isForget);
                scope.Attach(forgetRows);
                cancellationToken.ThrowIfCancellationRequested();
                Tensor c, i;
                using (no_grad())
                {
                    c = competent.call(x).detach();
                    i = incompetent.call(x).detach();
                }

                BaselineSupport.Descend(optimizer, Loss(Model.call(x), c, i, isForget, o.Temperature));
            }
        }
    }
}
