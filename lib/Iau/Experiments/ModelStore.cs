using System.Text.Json;
using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>A trained artifact of the <see cref="ModelStore"/>: its file, and how to have it (trained into the file when missing, then loaded).</summary>
/// <param name="Path">The file, named by the hash of everything that determines it.</param>
/// <param name="Get">Trains the artifact into <paramref name="Path"/> when the file is missing, then loads it.</param>
internal readonly record struct StoredArtifact<T>(string Path, Func<T> Get);

/// <summary>
/// The one store of trained models on disk that the experiments (<see cref="ExperimentContext"/>) and the tuner
/// (<c>TuningBench</c>) share: originals, Retrain models, the per-example attack's reference models and shadow
/// attacks, each in a file named by the short hash of everything that determines it (kind, dataset, model, the
/// split's training fingerprint, the forget set, the recipe, the kit's version, the normalisation), so that a cached
/// model is reused exactly when it would be trained the same way. The keys are written here and nowhere else.
/// Callers keep their own in-memory caches keyed by <see cref="StoredArtifact{T}.Path"/>.
/// </summary>
/// <param name="directory">The folder of the files (created when the first is written).</param>
/// <param name="device">Where loaded models go.</param>
/// <param name="cancellationToken">Cancels trainings.</param>
internal sealed class ModelStore(string directory, torch.Device? device, CancellationToken cancellationToken)
{
    /// <summary>The folder of the files.</summary>
    internal string Directory { get; } = directory;

    /// <summary>First seed of the reference models (far from the seeds of originals, Retrain and methods).</summary>
    internal const int ReferenceSeed = 1_000_003;

    /// <summary>
    /// The original trained with <paramref name="recipe"/> (seed <paramref name="seed"/>) on <paramref name="data"/>'s
    /// train/valid split, with the mean training gradient stored for cached IAU. The forget set does not enter
    /// training, so it does not enter the key. In every method here, <c>tag</c> is "" for the catalog's
    /// normalisation, else the one in effect (it changes what is trained), and <c>announce</c> is called before a
    /// training starts.
    /// </summary>
    internal StoredArtifact<LoadedCheckpoint> Original(SplitData data, string dataset, string model, TrainingOptions recipe, int seed, string tag, Action announce)
    {
        var hash = ShortHash.Of($"original/{dataset}/{model}/{data.Split.TrainingFingerprint}/{JsonSerializer.Serialize(recipe)}/{Checkpoint.KitVersion}{tag}");
        return Checkpointed(File("original", model, hash, ".ckpt"), announce,
            path => TrainedModel.Train(data, new TrainSpec(model, recipe, seed, StoreGradient: true), path, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Retrain on D_r from the original, with the original's recipe (<paramref name="recipe"/> enters the key), its
    /// seconds kept in the checkpoint's metrics (<see cref="Metric.UnlearnSeconds"/>). <c>original</c> is asked for
    /// only when the file is missing; <c>keySuffix</c> is what else the model depends on (the official protocol's
    /// cell seed), "" for nothing.
    /// </summary>
    internal StoredArtifact<LoadedCheckpoint> Retrained(
        SplitData data, Func<LoadedCheckpoint> original, string model, TrainingOptions recipe, int seed, string tag, string keySuffix, Action announce)
    {
        var hash = ShortHash.Of($"retrain/{model}/{data.Split.TrainingFingerprint}/{string.Join(",", data.Split.Forget)}/{JsonSerializer.Serialize(recipe)}/{Checkpoint.KitVersion}{tag}" + keySuffix);
        return Checkpointed(File("retrain", model, hash, ".ckpt"), announce,
            path => RetrainInto(path, data, original(), new Retrain(), seed, r => $"retrained on D_r ({data.Retain.Count} samples): {string.Join("; ", r.Notes.Select(kv => $"{kv.Key}: {kv.Value}"))}"));
    }

    /// <summary>
    /// Reference model <paramref name="k"/> of the per-example attack: retrained on D_r with the setting's recipe from
    /// its own initial weights and batch order (seed <see cref="ReferenceSeed"/> + k). It depends on D_r and the
    /// recipe, not on a cell's seed.
    /// </summary>
    internal StoredArtifact<LoadedCheckpoint> Reference(SplitData data, LoadedCheckpoint original, string model, TrainingOptions recipe, int k, string tag, Action announce)
    {
        var seed = ReferenceSeed + k;
        var hash = ShortHash.Of($"reference/{model}/{data.Split.TrainingFingerprint}/{string.Join(",", data.Split.Forget)}/{JsonSerializer.Serialize(recipe)}/{seed}/{Checkpoint.KitVersion}{tag}");
        return Checkpointed(File("reference", model, hash, ".ckpt"), announce,
            path => RetrainInto(path, data, original, new Retrain(new RetrainOptions(InitSeed: seed)), seed, _ => $"RMIA reference model {k + 1}: retrained on D_r ({data.Retain.Count} samples) from init seed {seed}"));
    }

    /// <summary>The shadow-model attack fitted on <paramref name="data"/>'s validation split (disjoint from train) with <paramref name="shadowOptions"/>.</summary>
    internal StoredArtifact<ShadowModelAttack> Attack(SplitData data, string dataset, string model, ShadowAttackOptions shadowOptions, int seed, string tag, Action announce)
    {
        var hash = ShortHash.Of($"shadow/{dataset}/{model}/{data.Split.TrainingFingerprint}/{JsonSerializer.Serialize(shadowOptions)}/{Checkpoint.KitVersion}{tag}");
        var path = File("shadow", model, hash, ".bin");
        return new(path, () =>
        {
            if (System.IO.File.Exists(path))
            {
                return ShadowModelAttack.Load(path);
            }

            announce();
            var info = data.Dataset.Info;
            var shape = info.InputShape.Select(x => (long)x).ToArray();
            var attack = ShadowModelAttack.Fit(s => ModelFactory.Create(model, shape, info.Classes, s), data.Valid, shadowOptions, seed, cancellationToken: cancellationToken);
            attack.Save(path);
            return attack;
        });
    }

    private string File(string kind, string model, string hash, string extension) => Path.Combine(Directory, $"{kind}-{model}-{hash}{extension}");

    private void RetrainInto(string path, SplitData data, LoadedCheckpoint original, Retrain retrain, int seed, Func<UnlearningResult, string> notes)
    {
        var context = new UnlearningContext(seed, original.Metadata.Training);
        using var r = Unlearner.Run(retrain, original.Model, new UnlearningData(data.Forget, data.Retain, data.Valid, data.Test), context, cancellationToken: cancellationToken);
        Checkpoint.Save(path, r.Model, original.Metadata with
        {
            Metrics = new Dictionary<string, double> { [Metric.UnlearnSeconds] = r.Seconds },
            History = [],
            Notes = notes(r),
            ExtraTensors = [],
        });
    }

    /// <summary>A checkpoint at <paramref name="path"/>: made by <paramref name="make"/> (after <paramref name="announce"/>) when the file is missing, then loaded onto the store's device.</summary>
    private StoredArtifact<LoadedCheckpoint> Checkpointed(string path, Action announce, Action<string> make) => new(path, () =>
    {
        if (!System.IO.File.Exists(path))
        {
            announce();
            make(path);
        }

        var loaded = Checkpoint.Load(path);
        loaded.Model.to(device ?? torch.CPU);
        return loaded;
    });
}
