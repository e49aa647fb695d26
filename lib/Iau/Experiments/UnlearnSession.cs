using Iau.Data;
using Iau.Evaluation;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>One method's outcome on one forget request, with the accuracies the paper reports.</summary>
/// <param name="Method">Registry name.</param>
/// <param name="Description">Its settings.</param>
/// <param name="TestAccuracy">TA.</param>
/// <param name="RetainAccuracy">RA.</param>
/// <param name="ForgetAccuracy">FA (UA = 1 − FA).</param>
/// <param name="Seconds">Unlearning time alone.</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Notes">What the method reported.</param>
public sealed record MethodOutcome(string Method, string Description, double TestAccuracy, double RetainAccuracy, double ForgetAccuracy, double Seconds, int Steps, IReadOnlyDictionary<string, string> Notes);

/// <summary>A trained original loaded for unlearning: the model, its split and its data as tensors.</summary>
public sealed class UnlearnSession : IDisposable
{
    private UnlearnSession(LoadedCheckpoint checkpoint, SplitData data, GradientCache? cache)
    {
        Checkpoint = checkpoint;
        Data = data;
        Cache = cache;
    }

    /// <summary>The original's checkpoint (model, metadata, extras).</summary>
    public LoadedCheckpoint Checkpoint { get; }

    /// <summary>The split's tensors (forget/retain per the request).</summary>
    public SplitData Data { get; }

    /// <summary>The stored mean training gradient, if the checkpoint has one.</summary>
    public GradientCache? Cache { get; }

    /// <summary>
    /// Loads a checkpoint written by <see cref="TrainedModel"/>, its dataset and split (the split file beside
    /// it, or <paramref name="splitPath"/>), checks that the split is the one the model was trained on, and
    /// applies the forget request (null = the split's own forget set).
    /// </summary>
    public static UnlearnSession Open(string checkpointPath, ForgetRequest? forget, LoadOptions? load = null, string? splitPath = null, TorchSharp.torch.Device? device = null)
    {
        var ckpt = Training.Checkpoint.Load(checkpointPath);
        try
        {
            var meta = ckpt.Metadata;
            if (string.IsNullOrEmpty(meta.Dataset))
            {
                throw new ArgumentException($"{checkpointPath}: the checkpoint does not name its dataset.");
            }

            if (meta.Training is { } recipe)
            {
                // Retrain, fine-tuning and the other methods that train take this recipe: a bad value would fail deep
                // inside a method with a message that does not say where the value came from.
                try
                {
                    recipe.Validate();
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw new DataFormatException(checkpointPath, FormattableString.Invariant(
                        $"the training recipe stored in the checkpoint (metadata field training.{System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(e.ParamName ?? "?")}) is {e.ActualValue}: {e.Message.Split(" (Parameter", 2)[0]} ") +
                        "Methods that train with it (retrain, ft, …) cannot use it; this checkpoint was not written by `iau train` as it is.", e);
                }
            }

            var dataset = DatasetLoader.Load(meta.Dataset, load);
            var fits = new CheckpointExpectation(InputShape: dataset.Info.InputShape.Select(d => (long)d).ToArray(), Classes: dataset.Info.Classes).Compare(meta);
            if (fits.Count > 0)
            {
                throw new CheckpointMismatchException(checkpointPath, fits);
            }

            splitPath ??= TrainedModel.SplitPathFor(checkpointPath);
            if (!File.Exists(splitPath))
            {
                throw new DataFormatException(splitPath, "split file not found; it is written beside the checkpoint by `iau train` (or pass the split).");
            }

            var split = DataSplit.Load(splitPath, dataset);
            if (split.TrainingFingerprint != meta.SplitFingerprint)
            {
                throw new DataFormatException(splitPath,
                    $"this split (train/valid fingerprint {split.TrainingFingerprint}) is not the one the model was trained on ({meta.SplitFingerprint}).");
            }

            if (forget is not null)
            {
                split = split.WithForget(forget, dataset.Train.Labels, dataset.Info.Classes);
            }

            var cache = GradientCache.FromTensors(ckpt.Extras);
            var data = SplitData.Create(dataset, split, device);
            ckpt.Model.to(device ?? TorchSharp.torch.CPU);
            return new UnlearnSession(ckpt, data, cache);
        }
        catch
        {
            ckpt.Dispose();
            throw;
        }
    }

    /// <summary>Accuracies of the original on test, retain and forget.</summary>
    public (double Test, double Retain, double Forget) EvaluateOriginal() => Evaluate(Checkpoint.Model);

    /// <summary>Runs one method and evaluates the result; the unlearned model is returned for saving, then disposed by the caller.</summary>
    public (MethodOutcome Outcome, UnlearningResult Result) Run(IUnlearningMethod method, int seed, IProgress<UnlearningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var context = new UnlearningContext(seed, Checkpoint.Metadata.Training, Cache);
        var data = new UnlearningData(Data.Forget, Data.Retain, Data.Valid, Data.Test);
        var result = Unlearner.Run(method, Checkpoint.Model, data, context, progress, cancellationToken);
        var (ta, ra, fa) = Evaluate(result.Model);
        return (new MethodOutcome(result.Method, result.Description, ta, ra, fa, result.Seconds, result.Steps, result.Notes), result);
    }

    /// <summary>Writes an unlearned model as a checkpoint: the original's metadata with this run's metrics and notes.</summary>
    public void Save(MethodOutcome outcome, UnlearningResult result, string path)
    {
        var meta = Checkpoint.Metadata with
        {
            Metrics = new Dictionary<string, double>
            {
                ["test_accuracy"] = outcome.TestAccuracy,
                ["retain_accuracy"] = outcome.RetainAccuracy,
                ["forget_accuracy"] = outcome.ForgetAccuracy,
                [Metric.UnlearnSeconds] = outcome.Seconds,
            },
            Notes = $"unlearned with {outcome.Description}; forget {Data.Split.ForgetMode} ({Data.Forget.Count} samples)",
            ExtraTensors = [],
        };
        Training.Checkpoint.Save(path, result.Model, meta);
    }

    private (double Test, double Retain, double Forget) Evaluate(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model) =>
        (Evaluator.Accuracy(model, Data.Test), Evaluator.Accuracy(model, Data.Retain), Evaluator.Accuracy(model, Data.Forget));

    /// <inheritdoc />
    public void Dispose()
    {
        Cache?.Dispose();
        Data.Dispose();
        Checkpoint.Dispose();
    }
}
