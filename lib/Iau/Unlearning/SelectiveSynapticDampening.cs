using System.Globalization;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of SSD. Defaults follow Foster et al. 2024 ("Fast Machine Unlearning Without Retraining Through
/// Selective Synaptic Dampening", AAAI; github if-loops/selective-synaptic-dampening, src/ssd.py ParameterPerturber
/// and forget_random_strategies.py ssd_tuning): dampening constant λ = 1, selection weighting α = 10 (their value
/// for every ResNet18 CIFAR task; their search ranges were α ∈ [0.1, 100], λ ∈ [0.1, 5]), lower bound 1, exponent 1.
/// Batch 64 is the kit's reading of the repository's data-loader default (-b 64); the importances depend on it
/// because they average squared mini-batch gradients.
/// </summary>
/// <param name="Lambda">λ, the dampening constant.</param>
/// <param name="Alpha">α, the selection weighting.</param>
/// <param name="BatchSize">Mini-batch size of the importance passes.</param>
public sealed record SsdOptions(double Lambda = 1, double Alpha = 10, int BatchSize = 64)
{
    /// <summary>The reference settings.</summary>
    public static SsdOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<SsdOptions> Declared { get; } = new(
        Reference,
        "if-loops/selective-synaptic-dampening src/ssd.py, forget_random_strategies.py (dampening_constant 1, selection_weighting 10)",
        [
            MethodOption.Double<SsdOptions>("lambda", o => o.Lambda, (o, v) => o with { Lambda = v }, Bounds.Positive, "λ, dampening constant", SearchSpace.LogUniform(0.1, 5)),
            MethodOption.Double<SsdOptions>("alpha", o => o.Alpha, (o, v) => o with { Alpha = v }, Bounds.Positive, "α, selection weighting", SearchSpace.LogUniform(0.1, 100)),
            MethodOption.Int<SsdOptions>("batch", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Bounds.AtLeast(1), "mini-batch size of the importance passes"),
        ]);
}

/// <summary>
/// Selective Synaptic Dampening (SSD; Foster et al. 2024): no training, only a per-weight rescaling from two
/// diagonal Fisher (importance) estimates,
/// <code>
///     []_S = (1/#B) Σ_{B ⊂ S} (∇θ CE(f(x_B), y_B))²      (squared mini-batch gradients, eval mode)
///     for every weight i with []_{D_f,i} > α·[]_{D,i}:   θ_i ← θ_i · min(λ·[]_{D,i} / []_{D_f,i}, 1)
/// </code>
/// with D = D_r ∪ D_f (the whole training set) and every other weight unchanged. Steps: the importances over D_f,
/// those over D (one step each, mini-batches in a seeded order), then the dampening.
/// </summary>
public sealed class SsdMethod(SsdOptions? options = null)
    : DeclaredMethod<SsdOptions>(options ?? SsdOptions.Reference, SsdOptions.Declared, "ssd"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 150;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("ssd", "SSD (Foster et al. 2024): dampen weights far more important to D_f than to D (diagonal Fisher), λ = 1, α = 10",
                SsdOptions.Declared, o => new SsdMethod(o)),
    ];

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"SSD: dampen weights with [D_f] > {Options.Alpha:G3}·[D] by min({Options.Lambda:G3}·[D]/[D_f], 1), diagonal Fisher importances, batch {Options.BatchSize}");

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context) =>
        new Procedure(Options, model, data, context);

    /// <summary>
    /// θ_i ← θ_i·min(λ·imp_D,i / imp_f,i, 1) where imp_f,i > α·imp_D,i (in place); returns how many weights changed scale.
    /// </summary>
    internal static long Dampen(IReadOnlyList<Parameter> parameters, ParameterVector forgetImportance, ParameterVector fullImportance, double lambda, double alpha)
    {
        long selected = 0;
        using var noGrad = no_grad();
        using var floor = 1e-30.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
        using var one = 1.ToScalar();
        for (var i = 0; i < parameters.Count; i++)
        {
            using var scope = NewDisposeScope();
            var fi = forgetImportance.Parts[i];
            var di = fullImportance.Parts[i];
            var select = fi > di.Times(alpha);
            var factor = (di.Times(lambda) / fi.clamp_min(floor)).clamp_max(one);
            parameters[i].mul_(where(select, factor, ones_like(factor)).to(parameters[i].dtype));
            selected += select.count_nonzero().item<long>();
        }

        return selected;
    }

    private sealed class Procedure : IUnlearningProcedure
    {
        private readonly SsdOptions o;
        private readonly IauModel model;
        private readonly UnlearningData data;
        private readonly UnlearningContext context;
        private readonly IReadOnlyList<Parameter> parameters;
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);
        private ParameterVector? forgetImportance;
        private ParameterVector? fullImportance;

        public Procedure(SsdOptions o, IauModel model, UnlearningData data, UnlearningContext context)
        {
            this.o = o;
            this.model = model;
            this.data = data;
            this.context = context;
            parameters = BaselineSupport.TrainableOrThrow(model);
        }

        public int TotalSteps => 3;

        public string StepUnit => "phase";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            switch (index)
            {
                case 0:
                    forgetImportance = Importance(false, cancellationToken);
                    return true;
                case 1:
                    fullImportance = Importance(true, cancellationToken);
                    return true;
                default:
                    var selected = Dampen(parameters, forgetImportance!, fullImportance!, o.Lambda, o.Alpha);
                    notes["dampened share"] = BaselineSupport.Note((double)selected / forgetImportance!.Length);
                    notes["dampened weights"] = selected.ToString(CultureInfo.InvariantCulture);
                    return false;
            }
        }

        public void Dispose()
        {
            forgetImportance?.Dispose();
            fullImportance?.Dispose();
        }

        /// <summary>(1/#B) Σ_B (∇CE_B)² over D_f, or over D_r ∪ D_f, in eval mode, as float64 parts shaped like the parameters.</summary>
        private ParameterVector Importance(bool full, CancellationToken cancellationToken)
        {
            var wasTraining = model.training;
            model.eval();
            // Kept across steps: the driver runs each step in a dispose scope, so the sums leave it.
            var sums = parameters.Select(p => zeros(p.shape, dtype: ScalarType.Float64, device: p.device).DetachFromDisposeScope()).ToArray();
            var batches = 0;
            try
            {
                var seed = BaselineSupport.Seed(context.Seed, full ? BaselineSupport.RetainStream : BaselineSupport.ForgetStream, 0);
                var source = full
                    ? BaselineSupport.Mixed(data.Forget, data.Retain, null, o.BatchSize, seed).Select(b => (b.X, b.Y, Extra: (Tensor?)b.IsForget, Rows: (Tensor?)b.ForgetRows))
                    : data.Forget.Batches(o.BatchSize, shuffle: true, seed).Select(b => (b.X, b.Y, Extra: (Tensor?)null, Rows: (Tensor?)null));
                foreach (var (x, y, extra, rows) in source)
                {
                    using var scope = NewDisposeScope();
                    scope.Attach(x);
                    scope.Attach(y);
                    if (extra is not null)
                    {
                        scope.Attach(extra);
                        scope.Attach(rows!);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    var grads = autograd.grad([F.cross_entropy(model.call(x), y)], parameters.Cast<Tensor>().ToList(), allow_unused: true);
                    using (no_grad())
                    {
                        for (var i = 0; i < parameters.Count; i++)
                        {
                            if (grads[i] is { } g && !g.IsInvalid)
                            {
                                sums[i].PlusInPlace(g.to(ScalarType.Float64).Squared());
                            }
                        }
                    }

                    batches++;
                }

                foreach (var s in sums)
                {
                    s.OverInPlace(Math.Max(1, batches));
                }

                return new ParameterVector(sums);
            }
            catch
            {
                foreach (var s in sums)
                {
                    s.Dispose();
                }

                throw;
            }
            finally
            {
                model.train(wasTraining);
            }
        }
    }
}
