using System.Globalization;
using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Unlearning;

/// <summary>
/// Settings of Fisher forgetting. α = 1e-6 is the kit's default: Golatkar et al.'s reference notebooks use
/// α between 1e-7 (large-scale CIFAR-10) and 1e-6 (small-scale), and Unlearn-Sparse
/// (github OPTML-Group/Unlearn-Sparse, unlearn/fisher.py fisher_new) takes α from the command line
/// (--alpha); α trades forgetting (noise) against accuracy and should be tuned per model and data set.
/// </summary>
/// <param name="Alpha">α, the scale of the noise variance.</param>
/// <param name="MaxSamples">Use at most this many retain samples (a seeded random subset) for the Fisher; 0 = all (faithful).</param>
/// <param name="ChunkSamples">
/// Samples per step. Batched, a step is one forward and K backward passes over its samples, and the result
/// depends on the chunk only through float rounding; per sample, it is progress granularity only.
/// </param>
/// <param name="ClassReset">
/// When the forget set is one whole class (no retain sample has its label), reset that class's output row as
/// the reference does for class-wise forgetting: mean 0, variance 1e-4 (×10 for the output layer).
/// </param>
/// <param name="Batched">
/// Per-sample gradients from one backward pass per class and chunk (<see cref="PerSampleGradients"/>), for
/// models made of linear and convolution layers; other models, or false, take one backward pass per sample and
/// class, as the definition reads. Both compute the same Fisher up to float rounding.
/// </param>
public sealed record FisherForgettingOptions(
    double Alpha = 1e-6,
    int MaxSamples = 0,
    int ChunkSamples = 256,
    bool ClassReset = true,
    bool Batched = true)
{
    /// <summary>The default settings.</summary>
    public static FisherForgettingOptions Reference { get; } = new();

    /// <summary>The declared options (defaults: <see cref="Reference"/>).</summary>
    public static MethodOptions<FisherForgettingOptions> Declared { get; } = new(
        Reference,
        "Golatkar et al. 2020 notebooks (α 1e-7…1e-6); OPTML-Group/Unlearn-Sparse unlearn/fisher.py takes α from --alpha",
        [
            MethodOption.Double<FisherForgettingOptions>("alpha", o => o.Alpha, (o, v) => o with { Alpha = v }, Bounds.Positive, "α, scale of the noise variance", SearchSpace.LogUniform(1e-9, 1e-5)),
            MethodOption.Int<FisherForgettingOptions>("max-samples", o => o.MaxSamples, (o, v) => o with { MaxSamples = v }, Bounds.NonNegative, "at most this many retain samples for the Fisher (0 = all)"),
            MethodOption.Int<FisherForgettingOptions>("chunk", o => o.ChunkSamples, (o, v) => o with { ChunkSamples = v }, Bounds.AtLeast(1), "samples per step (and per batched backward pass)"),
            MethodOption.Bool<FisherForgettingOptions>("class-reset", o => o.ClassReset, (o, v) => o with { ClassReset = v }, "reset a wholly forgotten class's output row"),
            MethodOption.Bool<FisherForgettingOptions>("batched", o => o.Batched, (o, v) => o with { Batched = v }, "per-sample gradients in batches (false: one backward pass per sample and class)"),
        ]);
}

/// <summary>
/// Fisher forgetting (Golatkar et al. 2020, "Eternal Sunshine of the Spotless Net"), as implemented by
/// Unlearn-Sparse's unlearn/fisher.py (fisher_new: hessian + get_mean_var). The diagonal Fisher of the
/// retain loss, with the model's own predictive distribution over labels,
/// <code>
///     F = (1/N) Σ_{x ∈ D_r} Σ_{y'} p(y'|x; θ) · (∇θ ℓ(x, y'; θ))²       (per sample, per class, eval mode)
/// </code>
/// gives the per-weight noise variance and the new weights:
/// <code>
///     v = min(1/(F + 1e-8), 1e3)          (output layer: min(…, 1e2))
///     v = α · v
///     v = mean of v over dim 1, broadcast back   (tensors of rank ≥ 2: one variance per output row/filter position)
///     v = 10 · v                          (output layer and every rank-1 tensor: biases, batch-norm)
///     θ ← θ + sqrt(v) ⊙ N(0, I)           (noise from a torch.Generator seeded by the context seed)
/// </code>
/// and, for class-wise forgetting of class c, the output layer's row c is reset to mean 0, variance 1e-3.
/// Where the retain loss is sharp (F large) the noise is small, so what D_r needs is kept while the rest
/// (what only D_f supported) is drowned in noise. Taken literally this is N·K backward passes (N retain
/// samples, K classes); by default the kit takes K per chunk of samples and reads each sample's gradient off
/// the layers' inputs and output gradients (<see cref="PerSampleGradients"/>), the same Fisher up to float
/// rounding. The reference accumulates over mini-batches of 32 (squared batch-mean gradients weighted by
/// batch-mean probabilities); the kit follows the per-sample definition above (Golatkar et al.'s own
/// notebooks use batch size 1). The reference's test "leading dimension = class
/// count" for the output layer is narrowed to the model's trailing parameters of that leading dimension.
/// Steps: one chunk of retain samples each, then a final step that adds the noise.
/// </summary>
public sealed class FisherForgettingMethod(FisherForgettingOptions? options = null)
    : DeclaredMethod<FisherForgettingOptions>(options ?? FisherForgettingOptions.Reference, FisherForgettingOptions.Declared, "fisher"), IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 100;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        MethodEntry.Declared("fisher", "Fisher forgetting (Golatkar et al. 2020): θ + sqrt(α/F_r)·N(0,1), per-sample, per-class diagonal Fisher",
                FisherForgettingOptions.Declared, o => new FisherForgettingMethod(o)),
    ];

    private const int SampleStream = 11;
    private const int NoiseStream = 12;

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant(
        $"Fisher forgetting: α {Options.Alpha:G3}, per-sample per-class diagonal Fisher of D_r") +
        (Options.MaxSamples > 0 ? FormattableString.Invariant($" (at most {Options.MaxSamples} samples)") : string.Empty);

    /// <inheritdoc />
    public override IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context)
    {
        if (data.Retain.Count == 0)
        {
            throw new ArgumentException("Fisher forgetting needs a non-empty retain set.", nameof(data));
        }

        return new Procedure(Options, model, data, context);
    }

    /// <summary>
    /// Adds Σ_{y'} p(y'|x)·(∇θ ℓ(x, y'))² of one sample <paramref name="x"/> ([1, …]) to
    /// <paramref name="accumulator"/> (float64, shaped like <paramref name="parameters"/>). The model should
    /// be in eval mode.
    /// </summary>
    internal static void AccumulateSample(IauModel model, IReadOnlyList<Parameter> parameters, Tensor x, ParameterVector accumulator)
    {
        using var scope = NewDisposeScope();
        var inputs = parameters.Cast<Tensor>().ToList();
        var logProbabilities = F.log_softmax(model.call(x), 1)[0];
        var probabilities = logProbabilities.detach().exp().to(ScalarType.Float64);
        var classes = logProbabilities.shape[0];
        for (var y = 0; y < classes; y++)
        {
            var loss = -logProbabilities[y];
            var grads = autograd.grad([loss], inputs, retain_graph: y < classes - 1, allow_unused: true);
            using var noGrad = no_grad();
            var weight = probabilities[y];
            for (var i = 0; i < parameters.Count; i++)
            {
                if (grads[i] is { IsInvalid: false } g)
                {
                    accumulator.Parts[i].PlusInPlace(g.to(ScalarType.Float64).Squared().mul_(weight));
                }
            }
        }
    }

    /// <summary>
    /// Adds Σ_i Σ_{y'} p(y'|x_i)·(∇θ ℓ(x_i, y'))² of the batch <paramref name="x"/> to <paramref name="accumulator"/>
    /// with K backward passes: pass y' gives every sample's gradient of ℓ(x_i, y') at once. The model should be
    /// in eval mode.
    /// </summary>
    internal static void AccumulateBatch(IauModel model, PerSampleGradients perSample, Tensor x, ParameterVector accumulator)
    {
        using var scope = NewDisposeScope();
        var logProbabilities = F.log_softmax(perSample.Forward(model, x), 1);
        var probabilities = logProbabilities.detach().exp().to(ScalarType.Float64);
        var classes = logProbabilities.shape[1];
        for (var y = 0; y < classes; y++)
        {
            using var classScope = NewDisposeScope();
            var squares = perSample.WeightedSquares(logProbabilities.select(1, y).sum().neg(), probabilities.select(1, y), retainGraph: y < classes - 1);
            for (var i = 0; i < squares.Length; i++)
            {
                accumulator.Parts[i].PlusInPlace(squares[i]);
            }
        }
    }

    /// <summary>
    /// The diagonal Fisher F of <paramref name="data"/> (float64, per trainable parameter), in eval mode: in
    /// chunks of <paramref name="chunk"/> samples when <paramref name="batched"/> and the model allows it, else
    /// one sample at a time.
    /// </summary>
    internal static ParameterVector DiagonalFisher(IauModel model, TensorData data, bool batched = true, int chunk = 256)
    {
        var parameters = BaselineSupport.TrainableOrThrow(model);
        var acc = ParameterVector.ZerosLike(parameters, ScalarType.Float64);
        var wasTraining = model.training;
        model.eval();
        try
        {
            for (long j = 0; j < data.Count; j += chunk)
            {
                Accumulate(model, parameters, data, j, Math.Min(data.Count, j + chunk), batched, acc, CancellationToken.None);
            }

            using (no_grad())
            {
                foreach (var p in acc.Parts)
                {
                    p.div_(data.Count);
                }
            }

            return acc;
        }
        catch
        {
            acc.Dispose();
            throw;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Adds samples [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="data"/> to the Fisher sum:
    /// in one batch when <paramref name="batched"/> and the model allows it, else one sample at a time.
    /// </summary>
    private static void Accumulate(
        IauModel model, IReadOnlyList<Parameter> parameters, TensorData data, long start, long end, bool batched, ParameterVector accumulator, CancellationToken cancellationToken)
    {
        using var perSample = batched ? PerSampleGradients.TryCreate(model, out _) : null;
        if (perSample is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var x = data.Features.narrow(0, start, end - start);
            AccumulateBatch(model, perSample, x, accumulator);
            return;
        }

        for (var j = start; j < end; j++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var x = data.Features.narrow(0, j, 1);
            AccumulateSample(model, parameters, x, accumulator);
        }
    }

    /// <summary>
    /// The noise variance v of one parameter tensor from its Fisher <paramref name="fisher"/> (same shape),
    /// without the class-wise reset: clamp(1/(F + 1e-8), max 1e3, or 1e2 in the output layer), times α,
    /// averaged over dim 1 for tensors of rank ≥ 2, times 10 in the output layer and for rank-1 tensors.
    /// A new float64 tensor in the caller's scope.
    /// </summary>
    internal static Tensor NoiseVariance(Tensor fisher, bool outputLayer, double alpha)
    {
        // Every Scalar held to the end of its call: see Training/KeptAliveOptimizers.cs.
        using var eps = 1e-8.ToScalar();
        using var cap = 1e3.ToScalar();
        using var outputCap = 1e2.ToScalar();
        using var ten = 10.ToScalar();
        var v = fisher.to(ScalarType.Float64).add(eps, KeptScalars.One).reciprocal().clamp_max(cap);
        if (outputLayer)
        {
            v = v.clamp_max(outputCap);
        }

        v = v.Times(alpha);
        if (v.dim() > 1)
        {
            v = v.mean([1], keepdim: true).expand_as(fisher).clone();
        }

        if (outputLayer || v.dim() == 1)
        {
            v = v.mul(ten);
        }

        return v;
    }

    /// <summary>Which trainable parameters form the output layer: the trailing run whose leading dimension is the class count.</summary>
    internal static bool[] OutputLayer(IReadOnlyList<Parameter> parameters, int classes)
    {
        var flags = new bool[parameters.Count];
        for (var i = parameters.Count - 1; i >= 0 && parameters[i].dim() > 0 && parameters[i].shape[0] == classes; i--)
        {
            flags[i] = true;
        }

        return flags;
    }

    /// <summary>The forgotten class when D_f is one whole class (all its labels equal c, no retain label is c); else null.</summary>
    internal static long? ForgottenClass(UnlearningData data)
    {
        using var scope = NewDisposeScope();
        var classes = data.Forget.Labels.unique().Item1;
        if (classes.numel() != 1)
        {
            return null;
        }

        var c = classes[0].item<long>();
        return data.Retain.Labels.eq(c).any().item<bool>() ? null : c;
    }

    private sealed class Procedure : IUnlearningProcedure
    {
        private readonly FisherForgettingOptions o;
        private readonly IauModel model;
        private readonly UnlearningContext context;
        private readonly IReadOnlyList<Parameter> parameters;
        private readonly TensorData samples;
        private readonly TensorData? ownedSubset;
        private readonly ParameterVector accumulator;
        private readonly long? forgottenClass;
        private readonly int chunks;
        private readonly bool batched;
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);

        public Procedure(FisherForgettingOptions o, IauModel model, UnlearningData data, UnlearningContext context)
        {
            this.o = o;
            this.model = model;
            this.context = context;
            parameters = BaselineSupport.TrainableOrThrow(model);
            if (o.MaxSamples > 0 && o.MaxSamples < data.Retain.Count)
            {
                var order = TensorData.Permutation(data.Retain.Count, BaselineSupport.Seed(context.Seed, SampleStream, 0));
                ownedSubset = data.Retain.Subset(order.Take(o.MaxSamples).Order().ToArray());
                samples = ownedSubset;
            }
            else
            {
                samples = data.Retain;
            }

            accumulator = ParameterVector.ZerosLike(parameters, ScalarType.Float64);
            forgottenClass = o.ClassReset ? ForgottenClass(data) : null;
            chunks = (samples.Count + o.ChunkSamples - 1) / o.ChunkSamples;
            notes["fisher samples"] = samples.Count.ToString(CultureInfo.InvariantCulture);
            var reason = "batched off";
            using (var probe = o.Batched ? PerSampleGradients.TryCreate(model, out reason) : null)
            {
                batched = probe is not null;
            }

            var passes = batched ? (long)chunks * model.Classes : (long)samples.Count * model.Classes;
            notes["backward passes"] = passes.ToString(CultureInfo.InvariantCulture);
            notes["fisher gradients"] = batched ? "batched per chunk" : $"one sample at a time ({reason})";
            notes["class-wise reset"] = forgottenClass is { } c ? c.ToString(CultureInfo.InvariantCulture) : "no";
        }

        public int TotalSteps => chunks + 1;

        public string StepUnit => "chunk";

        public IauModel Result => model;

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            if (index < chunks)
            {
                AccumulateChunk(index, cancellationToken);
                return true;
            }

            AddNoise();
            return false;
        }

        public void Dispose()
        {
            accumulator.Dispose();
            ownedSubset?.Dispose();
        }

        private void AccumulateChunk(int index, CancellationToken cancellationToken)
        {
            var wasTraining = model.training;
            model.eval();
            try
            {
                var start = (long)index * o.ChunkSamples;
                var end = Math.Min(samples.Count, start + o.ChunkSamples);
                Accumulate(model, parameters, samples, start, end, batched, accumulator, cancellationToken);
            }
            finally
            {
                model.train(wasTraining);
            }
        }

        private void AddNoise()
        {
            var output = OutputLayer(parameters, model.Classes);
            using var generator = new Generator((ulong)BaselineSupport.Seed(context.Seed, NoiseStream, 0), model.Device);
            using var noGrad = no_grad();
            double stdSum = 0;
            long count = 0;
            for (var i = 0; i < parameters.Count; i++)
            {
                using var scope = NewDisposeScope();
                var p = parameters[i];
                var fisher = accumulator.Parts[i].Over(samples.Count);
                var variance = NoiseVariance(fisher, output[i], o.Alpha);
                var mean = p.detach().clone();
                if (output[i] && forgottenClass is { } c)
                {
                    using var zero = 0.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
                    using var reset = (1e-4 * 10).ToScalar();
                    mean[c].fill_(zero);
                    variance[c].fill_(reset);
                }

                var noise = randn(p.shape, dtype: p.dtype, device: p.device, generator: generator);
                p.copy_(mean.Plus(variance.sqrt().to(p.dtype) * noise));
                stdSum += variance.sqrt().sum().item<double>();
                count += p.numel();
            }

            notes["mean noise std"] = BaselineSupport.Note(count == 0 ? 0 : stdSum / count);
        }
    }
}
