using System.Text;
using Iau.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Training;

/// <summary>
/// Everything <see cref="Trainer"/> needs to continue a run exactly where it stopped, written after every
/// epoch: the JSON header below plus the sections "weights" (model parameters and buffers), "best" (the
/// best-validation weights so far; absent before there are any) and the blob "optimizer" (TorchSharp's
/// optimizer state dictionary: Adam moments and step counts). Same container as model checkpoints, kind
/// "training-state".
/// </summary>
internal sealed record TrainingStateHeader
{
    public required string Model { get; init; }

    public required TrainingOptions Options { get; init; }

    public required int TrainCount { get; init; }

    public required int? ValidCount { get; init; }

    public required int EpochsDone { get; init; }

    public required int BestEpoch { get; init; }

    public required double? BestValidAccuracy { get; init; }

    public required int EpochsWithoutImprovement { get; init; }

    public required bool Finished { get; init; }

    public required bool StoppedEarly { get; init; }

    public required double WallSeconds { get; init; }

    public required IReadOnlyList<EpochRecord> History { get; init; }

    public string KitVersion { get; init; } = Checkpoint.KitVersion;

    /// <summary>The data trained on (null in states of older kits, or when the caller gave none).</summary>
    public TrainingDataKey? Data { get; init; }
}

internal static class TrainingState
{
    internal const string Kind = "training-state";
    private const string WeightsSection = "weights";
    private const string BestSection = "best";
    private const string OptimizerSection = "optimizer";

    public static string Describe(nn.Module model)
    {
        return model is IauModel m
            ? $"{m.Architecture} input={CheckpointExpectation.Shape(m.InputShape)} classes={m.Classes} options=({m.Options})"
            : model.GetType().FullName ?? model.GetType().Name;
    }

    public static void Save(
        string path, TrainingStateHeader header, nn.Module model, OptimizerHelper optimizer, IReadOnlyDictionary<string, Tensor>? best)
    {
        byte[] optimizerState;
        using (var buffer = new MemoryStream())
        {
            using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                optimizer.save_state_dict(w);
            }

            optimizerState = buffer.ToArray();
        }

        var sections = new List<CheckpointFile.Section>
        {
            new(WeightsSection, model.state_dict(), null),
            new(OptimizerSection, null, optimizerState),
        };
        if (best is not null)
        {
            sections.Add(new(BestSection, best, null));
        }

        CheckpointFile.Write(path, Kind, CheckpointJson.Serialize(header), sections);
    }

    /// <summary>
    /// Restores model weights and optimizer state; returns the header and (detached copies of) the best
    /// weights, which the caller owns.
    /// </summary>
    public static (TrainingStateHeader Header, Dictionary<string, Tensor>? Best) Load(
        string path, nn.Module model, OptimizerHelper optimizer, TrainingStateHeader expected)
    {
        using var contents = CheckpointFile.Read(path, Kind);
        var header = CheckpointJson.Deserialize<TrainingStateHeader>(path, contents.Header);
        var differences = new List<CheckpointDifference>();
        if (header.Model != expected.Model)
        {
            differences.Add(new("model", $"'{expected.Model}'", $"'{header.Model}'"));
        }

        if (header.TrainCount != expected.TrainCount)
        {
            differences.Add(new("trainCount", expected.TrainCount.ToString(), header.TrainCount.ToString()));
        }

        if (header.ValidCount != expected.ValidCount)
        {
            differences.Add(new("validCount", $"{expected.ValidCount?.ToString() ?? "none"}", $"{header.ValidCount?.ToString() ?? "none"}"));
        }

        if (expected.Data is { } want && header.Data != want)
        {
            var have = header.Data;
            if (have is null)
            {
                differences.Add(new("data", Describe(want), "not recorded (a state written by an older kit cannot be checked; delete it to start over)"));
            }
            else
            {
                if (have.Dataset != want.Dataset || have.DataFingerprint != want.DataFingerprint)
                {
                    differences.Add(new("data", $"{want.Dataset} (fingerprint {want.DataFingerprint})", $"{have.Dataset} (fingerprint {have.DataFingerprint})"));
                }

                if (have.SplitFingerprint != want.SplitFingerprint)
                {
                    differences.Add(new("split", Describe(want), Describe(have)));
                }
            }
        }

        differences.AddRange(CheckpointJson.Differences("options.", expected.Options, header.Options));
        if (differences.Count > 0)
        {
            throw new CheckpointMismatchException(path, differences);
        }

        Checkpoint.LoadWeights(path, model, Checkpoint.Section(path, contents, WeightsSection));
        if (!contents.Blobs.TryGetValue(OptimizerSection, out var optimizerState))
        {
            throw new CheckpointFormatException(path, "training state has no optimizer section");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(optimizerState), Encoding.UTF8);
            optimizer.load_state_dict(r);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointFormatException(path, "optimizer state cannot be restored: " + e.Message, e);
        }

        Dictionary<string, Tensor>? best = null;
        if (contents.Tensors.Remove(BestSection, out var stored))
        {
            var device = model.parameters().First().device;
            best = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, t) in stored)
            {
                best[name] = device.type == DeviceType.CPU ? t : MoveAndDispose(t, device);
            }

            var fit = model.DescribeStateDifferences(best);
            if (fit.Count > 0)
            {
                foreach (var t in best.Values)
                {
                    t.Dispose();
                }

                throw new CheckpointFormatException(path, $"stored best weights do not fit the model: {string.Join("; ", fit)}");
            }
        }

        return (header, best);
    }

    private static string Describe(TrainingDataKey k) => $"{k.SplitDescription} (split fingerprint {k.SplitFingerprint})";

    private static Tensor MoveAndDispose(Tensor t, Device device)
    {
        var moved = t.to(device).DetachFromDisposeScope();
        t.Dispose();
        return moved;
    }
}
