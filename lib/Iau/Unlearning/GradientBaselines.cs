using System.Globalization;
using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>Shared pieces of the epoch-based baselines: seeding, batches, optimizer steps, checks.</summary>
internal static class BaselineSupport
{
    /// <summary>Independent seed streams of one method (retain order, forget order, random labels, …).</summary>
    internal const int RetainStream = 1;

    /// <summary>Seed stream of the forget-set batch order.</summary>
    internal const int ForgetStream = 2;

    /// <summary>Seed stream of SalUn's random labels.</summary>
    internal const int LabelStream = 3;

    /// <summary>Seed of <paramref name="stream"/> in 0-based epoch <paramref name="epoch"/>.</summary>
    internal static int Seed(int seed, int stream, int epoch) => Trainer.EpochSeed(Trainer.EpochSeed(seed, stream), epoch + 1);

    /// <summary>Seeded shuffled mini-batches of <paramref name="data"/> (the caller disposes each pair).</summary>
    internal static IEnumerable<(Tensor X, Tensor Y)> Batches(TensorData data, int batchSize, int seed, int stream, int epoch) =>
        data.Batches(batchSize, shuffle: true, Seed(seed, stream, epoch));

    /// <summary>Seed stream of the retain subset a method draws once (Bad Teacher).</summary>
    internal const int SubsetStream = 4;

    /// <summary>Seed stream of the random-direction control's direction.</summary>
    internal const int DirectionStream = 5;

    /// <summary>
    /// Seeded shuffled mini-batches over D_f ∪ D_r' (D_r' = the given rows of D_r, or all of it), as one
    /// dataset the way the references concatenate them: each batch holds the features, the labels and a 0/1
    /// float tensor that is 1 for forget samples; within a batch the forget rows come first (batch-mean losses
    /// do not depend on the order). The caller disposes the three tensors.
    /// </summary>
    internal static IEnumerable<(Tensor X, Tensor Y, Tensor IsForget, Tensor ForgetRows)> Mixed(
        TensorData forget, TensorData retain, IReadOnlyList<int>? retainRows, int batchSize, int seed)
    {
        var nf = forget.Count;
        var nr = retainRows?.Count ?? retain.Count;
        var order = TensorData.Permutation(nf + nr, seed);
        var device = forget.Features.device;
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var rows = order.AsSpan(start, Math.Min(batchSize, order.Length - start));
            var f = new List<long>();
            var r = new List<long>();
            foreach (var k in rows)
            {
                if (k < nf)
                {
                    f.Add(k);
                }
                else
                {
                    r.Add(retainRows is null ? k - nf : retainRows[k - nf]);
                }
            }

            // No dispose scope here: a scope would stay open across the yield. Intermediates are freed by hand.
            var fi = tensor(f.ToArray(), dtype: ScalarType.Int64, device: device);
            using var ri = tensor(r.ToArray(), dtype: ScalarType.Int64, device: device);
            using var fx = forget.Features.index_select(0, fi);
            using var rx = retain.Features.index_select(0, ri);
            using var fy = forget.Labels.index_select(0, fi);
            using var ry = retain.Labels.index_select(0, ri);
            using var fm = ones(f.Count, device: device);
            using var rm = zeros(r.Count, device: device);
            yield return (cat([fx, rx], 0), cat([fy, ry], 0), cat([fm, rm], 0), fi);
        }
    }

    /// <summary>zero_grad, backward, step.</summary>
    internal static void Descend(OptimizerHelper optimizer, Tensor loss)
    {
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }

    /// <summary>Sets every parameter group's learning rate.</summary>
    internal static void SetLearningRate(OptimizerHelper optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }

    /// <summary>‖θ‖₁ over the given parameters (a scalar in the caller's scope, differentiable).</summary>
    internal static Tensor L1Norm(IReadOnlyList<Parameter> parameters)
    {
        Tensor? sum = null;
        foreach (var p in parameters)
        {
            var term = p.abs().sum();
            sum = sum is null ? term : sum.Plus(term);
        }

        return sum ?? tensor(0f);
    }

    /// <summary>Throws unless the model has something to train.</summary>
    internal static IReadOnlyList<Parameter> TrainableOrThrow(IauModel model)
    {
        var parameters = Gradients.Trainable(model);
        return parameters.Count > 0 ? parameters : throw new ArgumentException("The model has no trainable parameters.", nameof(model));
    }

    /// <summary>A number in the invariant culture, for notes.</summary>
    internal static string Note(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>
/// A procedure whose step is one epoch of mini-batch training on the working copy: the model is put in
/// train mode for the epoch (batch norm uses and updates batch statistics, as in the reference code) and
/// its mode is restored afterwards; libtorch's global generator is re-seeded per epoch so that nothing
/// depends on a running random stream.
/// </summary>
internal abstract class EpochProcedure : IUnlearningProcedure
{
    private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);
    private readonly int epochs;

    protected EpochProcedure(IauModel model, UnlearningData data, UnlearningContext context, int epochs)
    {
        Model = model;
        Data = data;
        Context = context;
        this.epochs = epochs;
        Parameters = BaselineSupport.TrainableOrThrow(model);
    }

    public int TotalSteps => epochs;

    public string StepUnit => "epoch";

    public IauModel Result => Model;

    public IReadOnlyDictionary<string, string> Notes => notes;

    protected IauModel Model { get; }

    protected UnlearningData Data { get; }

    protected UnlearningContext Context { get; }

    protected IReadOnlyList<Parameter> Parameters { get; }

    protected Dictionary<string, string> NoteMap => notes;

    public bool Step(int index, CancellationToken cancellationToken)
    {
        random.manual_seed(BaselineSupport.Seed(Context.Seed, 0, index));
        var wasTraining = Model.training;
        Model.train();
        try
        {
            RunEpoch(index, cancellationToken);
        }
        finally
        {
            Model.train(wasTraining);
        }

        notes["epochs"] = (index + 1).ToString(CultureInfo.InvariantCulture);
        return true;
    }

    public virtual void Dispose()
    {
    }

    /// <summary>One epoch (0-based <paramref name="epoch"/>); dispose each batch (attach it to a per-batch scope).</summary>
    protected abstract void RunEpoch(int epoch, CancellationToken cancellationToken);
}
