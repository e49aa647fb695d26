using System.Globalization;
using Iau.Data;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>Everything `iau train` needs to know.</summary>
/// <param name="Model">Architecture name.</param>
/// <param name="Training">The recipe.</param>
/// <param name="ModelSeed">Seed of the initial weights.</param>
/// <param name="StoreGradient">Also store the mean training gradient Ḡ (for cached IAU).</param>
/// <param name="ModelOptions">Architecture options (MLP widths); null = defaults.</param>
public sealed record TrainSpec(string Model, TrainingOptions Training, int ModelSeed = 0, bool StoreGradient = false, ModelOptions? ModelOptions = null);

/// <summary>What a training run produced.</summary>
public sealed record TrainOutcome(string CheckpointPath, string SplitPath, TrainingResult Training, double TrainAccuracy, double ValidAccuracy, double TestAccuracy, long Parameters);

/// <summary>Trains an original model on a split and writes its checkpoint (plus the split beside it).</summary>
public static class TrainedModel
{
    /// <summary>The split file written beside a checkpoint.</summary>
    public static string SplitPathFor(string checkpoint) => checkpoint + ".split.json";

    /// <summary>
    /// Trains <paramref name="spec"/> on the split's train part (early stopping on valid), evaluates it, and
    /// writes the checkpoint atomically, with the split beside it. Resumable: the epoch state lives in
    /// "&lt;out&gt;.state" until the run finishes.
    /// </summary>
    public static TrainOutcome Train(
        SplitData data,
        TrainSpec spec,
        string outPath,
        IProgress<EpochProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var info = data.Dataset.Info;
        using var model = ModelFactory.Create(spec.Model, info.InputShape.Select(d => (long)d).ToArray(), info.Classes, spec.ModelSeed, spec.ModelOptions);
        model.to(data.Train.Features.device);
        var statePath = outPath + ".state";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        var key = new TrainingDataKey(info.Name, data.Dataset.Fingerprint, data.Split.TrainingFingerprint,
            string.Create(CultureInfo.InvariantCulture, $"split seed {data.Split.Seed}, train {data.Split.Train.Length}, valid {data.Split.Valid.Length}"));
        TrainingResult result;
        try
        {
            result = new Trainer(spec.Training).Train(model, data.Train, data.Valid, new DivergenceGuard(progress), statePath, cancellationToken, key);
        }
        catch (DivergedException e)
        {
            throw Diverged(spec, outPath, statePath, FormattableString.Invariant($"the training loss of epoch {e.Epoch} is {e.Loss}"));
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("without overflow", StringComparison.Ordinal))
        {
            // libtorch refuses an optimizer step too large for the weights' float type (Adam with --lr 1e308).
            throw Diverged(spec, outPath, statePath, "the optimizer's step overflowed the 32-bit weights");
        }

        ThrowIfDiverged(model, spec, result, outPath, statePath);
        var train = Evaluator.Evaluate(model, data.Train, spec.Training.EvalChunkSize);
        var valid = Evaluator.Evaluate(model, data.Valid, spec.Training.EvalChunkSize);
        var test = Evaluator.Evaluate(model, data.Test, spec.Training.EvalChunkSize);

        var metadata = CheckpointMetadata.For(model, info.Name, data.Split.TrainingFingerprint) with
        {
            Training = spec.Training,
            History = result.History,
            Metrics = new Dictionary<string, double>
            {
                ["train_accuracy"] = train.Accuracy,
                ["valid_accuracy"] = valid.Accuracy,
                ["test_accuracy"] = test.Accuracy,
                ["test_loss"] = test.MeanLoss,
                ["epochs"] = result.EpochsRun,
                ["best_epoch"] = result.BestEpoch,
                ["train_seconds"] = result.WallSeconds,
            },
            Notes = string.Create(CultureInfo.InvariantCulture, $"split seed {data.Split.Seed}, train {data.Split.Train.Length}, valid {data.Split.Valid.Length}"),
        };

        Dictionary<string, TorchSharp.torch.Tensor>? extras = null;
        if (spec.StoreGradient)
        {
            using var cache = GradientCache.Compute(model, data.Train, spec.Training.EvalChunkSize);
            extras = cache.ToTensors();
        }

        try
        {
            var splitPath = SplitPathFor(outPath);
            data.Split.Save(splitPath);
            Checkpoint.Save(outPath, model, metadata, extras);
            if (File.Exists(statePath))
            {
                File.Delete(statePath);
            }

            return new TrainOutcome(outPath, splitPath, result, train.Accuracy, valid.Accuracy, test.Accuracy, model.ParameterCount);
        }
        finally
        {
            if (extras is not null)
            {
                foreach (var t in extras.Values)
                {
                    t.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Refuses to save a model whose weights are not finite (e.g. `--lr 1e308`): such a checkpoint predicts one
    /// class for everything and would poison every method run on it. Training stops at the first epoch whose loss is
    /// not finite (<see cref="DivergenceGuard"/>), or when libtorch refuses an overflowing step; the weights are checked
    /// once more before saving. The resume state is deleted too (resuming it cannot recover).
    /// </summary>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite.</exception>
    private static void ThrowIfDiverged(IauModel model, TrainSpec spec, TrainingResult result, string outPath, string statePath)
    {
        long bad;
        using (torch.NewDisposeScope())
        {
            bad = model.parameters().Sum(p => p.numel() - p.isfinite().sum().item<long>());
        }

        if (bad > 0)
        {
            throw Diverged(spec, outPath, statePath, string.Create(CultureInfo.InvariantCulture, $"{bad:N0} of {model.ParameterCount:N0} weights are NaN or infinite after {result.EpochsRun} epoch(s)"));
        }
    }

    private static InvalidOperationException Diverged(TrainSpec spec, string outPath, string statePath, string what)
    {
        var deleted = File.Exists(statePath);
        if (deleted)
        {
            File.Delete(statePath);
        }

        return new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"{outPath}: training diverged: {what} (learning rate {spec.Training.LearningRate:G4}); ") +
            "no checkpoint was written" + (deleted ? $" and the resume state {statePath} was deleted" : string.Empty) + ". Lower the learning rate (--lr; the paper's is 0.001).");
    }

    /// <summary>Passes epoch progress on, then stops training at the first epoch whose mean loss is not finite.</summary>
    private sealed class DivergenceGuard(IProgress<EpochProgress>? inner) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value)
        {
            inner?.Report(value);
            if (!double.IsFinite(value.TrainLoss))
            {
                throw new DivergedException(value.Epoch, value.TrainLoss);
            }
        }
    }

    private sealed class DivergedException(int epoch, double loss) : Exception($"training loss of epoch {epoch} is {loss}")
    {
        public int Epoch { get; } = epoch;

        public double Loss { get; } = loss;
    }
}
