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
        var result = new Trainer(spec.Training).Train(model, data.Train, data.Valid, progress, statePath, cancellationToken, key);
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
}
