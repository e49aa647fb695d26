using System.Diagnostics;
using Iau.Data;
using Iau.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Training;

/// <summary>
/// Trains a classifier with mini-batch Adam/SGD on cross-entropy, optionally gradient-restricted
/// (<see cref="GradientRestriction"/>), with early stopping on validation accuracy.
/// <para>
/// Determinism: epoch e shuffles with <see cref="EpochSeed"/>(Seed, e) and re-seeds libtorch's global
/// generator with the same value before the epoch, so nothing depends on a running random stream; on the
/// CPU with a fixed thread count the same options and initial weights give bitwise-identical weights, and a
/// run resumed from its state file ends exactly where an uninterrupted one does.
/// </para>
/// <para>
/// Resume: given a state path, the trainer writes the complete training state (weights, optimizer state,
/// best weights, counters, history) there atomically after every epoch, and a later call with the same path,
/// model architecture, data sizes and options continues from it. A state marked finished makes the call
/// return at once with the stored result and the best weights loaded.
/// </para>
/// </summary>
public sealed class Trainer
{
    /// <summary>A trainer with the given options (validated here).</summary>
    public Trainer(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The shuffle seed of 1-based epoch <paramref name="epoch"/> (a SplitMix64 mix of seed and epoch).</summary>
    public static int EpochSeed(int seed, int epoch)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) + (ulong)(uint)epoch + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }

    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="train"/>. With <paramref name="valid"/>
    /// the model is evaluated after every epoch, training stops after Patience epochs without a strictly
    /// better accuracy, and (with RestoreBest) it ends with the best epoch's weights. The model is left in
    /// eval mode.
    /// </summary>
    /// <param name="model">The classifier (logits [B, classes]); its parameters requiring grad are trained.</param>
    /// <param name="train">Training set.</param>
    /// <param name="valid">Validation set for early stopping, or null.</param>
    /// <param name="progress">Receives one <see cref="EpochProgress"/> per epoch, synchronously, after the state file is written.</param>
    /// <param name="statePath">Resume file (see the class remarks), or null.</param>
    /// <param name="cancellationToken">Checked before every mini-batch. On cancellation the model holds the weights of an unfinished epoch; the state file holds the last finished one.</param>
    /// <param name="data">Which data this is; recorded in the state file and checked on resume (recommended with <paramref name="statePath"/>).</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="CheckpointMismatchException">The state file belongs to another model, data, split, data size or options.</exception>
    /// <exception cref="CheckpointFormatException">The state file is truncated or corrupt.</exception>
    public TrainingResult Train(
        nn.Module<Tensor, Tensor> model,
        TensorData train,
        TensorData? valid = null,
        IProgress<EpochProgress>? progress = null,
        string? statePath = null,
        CancellationToken cancellationToken = default,
        TrainingDataKey? data = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }

        CheckShape(model, train, nameof(train));
        if (valid is not null)
        {
            CheckShape(model, valid, nameof(valid));
        }

        var o = Options;
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        if (parameters.Count == 0)
        {
            throw new ArgumentException("The model has no parameters to train.", nameof(model));
        }

        var tensors = parameters.Cast<Tensor>().ToList();
        using var optimizer = OptimizerFactory.Create(o, parameters);
        var expected = new TrainingStateHeader
        {
            Model = TrainingState.Describe(model),
            Options = o,
            TrainCount = train.Count,
            ValidCount = valid?.Count,
            EpochsDone = 0,
            BestEpoch = 0,
            BestValidAccuracy = null,
            EpochsWithoutImprovement = 0,
            Finished = false,
            StoppedEarly = false,
            WallSeconds = 0,
            History = [],
            Data = data,
        };

        var state = expected;
        Dictionary<string, Tensor>? best = null;
        if (statePath is not null)
        {
            // A state write killed half-way (kill -9) leaves a temporary; the atomic rename means the state itself is whole.
            Runtime.TempFiles.CleanStale(Path.GetFullPath(statePath));
        }

        if (statePath is not null && File.Exists(statePath))
        {
            (state, best) = TrainingState.Load(statePath, model, optimizer, expected);
        }

        var resumedFrom = state.EpochsDone;
        var history = state.History.ToList();
        var bestEpoch = state.BestEpoch;
        var bestAcc = state.BestValidAccuracy;
        var wait = state.EpochsWithoutImprovement;
        var stoppedEarly = state.StoppedEarly;
        var finished = state.Finished;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var epoch = state.EpochsDone + 1; epoch <= o.MaxEpochs && !finished; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var record = RunEpoch(model, train, valid, optimizer, tensors, epoch, cancellationToken);
                history.Add(record);
                if (valid is not null)
                {
                    if (bestAcc is null || record.ValidAccuracy > bestAcc)
                    {
                        bestAcc = record.ValidAccuracy;
                        bestEpoch = epoch;
                        wait = 0;
                        DisposeAll(best);
                        best = o.RestoreBest ? model.CloneState() : null;
                    }
                    else
                    {
                        wait++;
                    }

                    stoppedEarly = o.Patience is { } patience && wait >= patience && epoch < o.MaxEpochs;
                }
                else
                {
                    bestEpoch = epoch;
                }

                finished = stoppedEarly || epoch == o.MaxEpochs;
                var wall = state.WallSeconds + clock.Elapsed.TotalSeconds;
                if (statePath is not null)
                {
                    TrainingState.Save(
                        statePath,
                        expected with
                        {
                            EpochsDone = epoch,
                            BestEpoch = bestEpoch,
                            BestValidAccuracy = bestAcc,
                            EpochsWithoutImprovement = wait,
                            Finished = finished,
                            StoppedEarly = stoppedEarly,
                            WallSeconds = wall,
                            History = history,
                        },
                        model,
                        optimizer,
                        best);
                }

                progress?.Report(new EpochProgress(
                    epoch,
                    o.MaxEpochs,
                    record.TrainLoss,
                    record.TrainAccuracy,
                    record.ValidAccuracy,
                    record.SamplesPerSecond,
                    TimeSpan.FromSeconds(wall),
                    bestEpoch,
                    bestAcc,
                    wait));
            }

            if (best is not null && o.RestoreBest)
            {
                model.LoadState(best);
            }

            model.eval();
            return new TrainingResult(history, bestEpoch, bestAcc, stoppedEarly, state.WallSeconds + clock.Elapsed.TotalSeconds, resumedFrom);
        }
        finally
        {
            DisposeAll(best);
        }
    }

    private EpochRecord RunEpoch(
        nn.Module<Tensor, Tensor> model,
        TensorData train,
        TensorData? valid,
        OptimizerHelper optimizer,
        IReadOnlyList<Tensor> parameters,
        int epoch,
        CancellationToken cancellationToken)
    {
        var o = Options;
        var seed = EpochSeed(o.Seed, epoch);
        random.manual_seed(seed);
        model.train();
        var device = train.Features.device;
        using var lossSum = zeros([], dtype: ScalarType.Float64, device: device);
        using var penaltySum = zeros([], dtype: ScalarType.Float64, device: device);
        using var correct = zeros([], dtype: ScalarType.Int64, device: device);
        var batches = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (bx, by) in train.Batches(o.BatchSize, shuffle: true, seed))
        {
            using var scope = NewDisposeScope();
            scope.Attach(bx);
            scope.Attach(by);
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.zero_grad();
            var logits = model.call(bx);
            var loss = GradientRestriction.Compute(logits, by, parameters, o.GrAlpha);
            loss.Total.backward();
            optimizer.step();
            using (no_grad())
            {
                using var rows = bx.shape[0].ToScalar();
                lossSum.add_(loss.CrossEntropy.detach().mul(rows), KeptScalars.One);
                correct.add_(logits.argmax(1).eq(by).sum(), KeptScalars.One);
                if (loss.Penalty is { } penalty)
                {
                    penaltySum.add_(penalty.detach(), KeptScalars.One);
                }
            }

            batches++;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var n = train.Count;
        EvaluationResult? v = valid is null ? null : Evaluator.Evaluate(model, valid, o.EvalChunkSize);
        return new EpochRecord(
            epoch,
            lossSum.item<double>() / n,
            (double)correct.item<long>() / n,
            v?.Accuracy,
            v?.MeanLoss,
            batches == 0 ? 0 : penaltySum.item<double>() / batches,
            seconds,
            seconds > 0 ? n / seconds : double.PositiveInfinity);
    }

    private static void CheckShape(nn.Module<Tensor, Tensor> model, TensorData data, string name)
    {
        if (model is IauModel m && !m.InputShape.SequenceEqual(data.SampleShape))
        {
            throw new ArgumentException(
                $"The {name} set's samples have shape {CheckpointExpectation.Shape(data.SampleShape)}, the model expects {CheckpointExpectation.Shape(m.InputShape)}.",
                name);
        }
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null)
        {
            return;
        }

        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }

        tensors.Clear();
    }
}
