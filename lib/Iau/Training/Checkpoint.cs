using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Training;

/// <summary>A model read back from a checkpoint, with its metadata and extra tensors. Disposing it disposes both.</summary>
public sealed class LoadedCheckpoint : IDisposable
{
    internal LoadedCheckpoint(string path, CheckpointMetadata metadata, IauModel model, IReadOnlyDictionary<string, Tensor> extras)
    {
        Path = path;
        Metadata = metadata;
        Model = model;
        Extras = extras;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The metadata.</summary>
    public CheckpointMetadata Metadata { get; }

    /// <summary>The model, rebuilt from the metadata with the stored weights, in eval mode.</summary>
    public IauModel Model { get; }

    /// <summary>Extra named tensors saved beside the weights (e.g. cached gradients), on the CPU.</summary>
    public IReadOnlyDictionary<string, Tensor> Extras { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in Extras.Values)
        {
            t.Dispose();
        }
    }
}

/// <summary>
/// Saves and loads trained models: weights (parameters and batch-norm buffers, bitwise), metadata
/// (<see cref="CheckpointMetadata"/>) and optional extra named tensors, in one file of the format described
/// on <c>CheckpointFile</c> (magic, JSON header, tensor sections, SHA-256 trailer), written atomically.
/// The conventional extension is ".ckpt".
/// </summary>
public static class Checkpoint
{
    internal const string ModelKind = "model";
    private const string WeightsSection = "weights";
    private const string ExtrasSection = "extras";

    /// <summary>The kit version recorded in checkpoints.</summary>
    public static string KitVersion { get; } = typeof(Checkpoint).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Writes <paramref name="model"/>'s weights with <paramref name="metadata"/> (whose architecture fields
    /// must describe the model; see <see cref="CheckpointMetadata.For"/>) and optional extra tensors.
    /// KitVersion, CreatedUtc and ExtraTensors are filled in here. Returns the metadata as written.
    /// </summary>
    public static CheckpointMetadata Save(
        string path, IauModel model, CheckpointMetadata metadata, IReadOnlyDictionary<string, Tensor>? extras = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var differences = CheckpointExpectation.For(model).Compare(metadata);
        if (differences.Count > 0)
        {
            throw new ArgumentException(
                $"The metadata does not describe the model being saved: {string.Join("; ", differences)}.", nameof(metadata));
        }

        var written = metadata with
        {
            KitVersion = KitVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
            ExtraTensors = extras?.Keys.ToList() ?? [],
        };
        var sections = new List<CheckpointFile.Section>
        {
            new(WeightsSection, model.state_dict(), null),
            new(ExtrasSection, extras ?? new Dictionary<string, Tensor>(), null),
        };
        CheckpointFile.Write(path, ModelKind, CheckpointJson.Serialize(written), sections);
        return written;
    }

    /// <summary>Reads only the metadata (cheap: the weights are neither read nor verified).</summary>
    /// <exception cref="CheckpointFormatException">Missing, truncated or not a model checkpoint.</exception>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return CheckpointJson.Deserialize<CheckpointMetadata>(path, CheckpointFile.ReadHeader(path, ModelKind));
    }

    /// <summary>
    /// Reads a checkpoint, verifies it, checks it against <paramref name="expected"/> and rebuilds the model
    /// (through <see cref="ModelFactory"/>, on <see cref="Runtime.IauRuntime.Device"/>, in eval mode).
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing, truncated, corrupt or not a model checkpoint.</exception>
    /// <exception cref="CheckpointMismatchException">The checkpoint is not what <paramref name="expected"/> describes.</exception>
    public static LoadedCheckpoint Load(string path, CheckpointExpectation? expected = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var contents = CheckpointFile.Read(path, ModelKind);
        var metadata = CheckpointJson.Deserialize<CheckpointMetadata>(path, contents.Header);
        ThrowOnMismatch(path, expected, metadata);
        IauModel model;
        try
        {
            model = ModelFactory.Create(metadata.Model, metadata.InputShape, metadata.Classes, metadata.ModelSeed, metadata.ModelOptions);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, "checkpoint describes a model this kit cannot build: " + e.Message, e);
        }

        try
        {
            var weights = Section(path, contents, WeightsSection);
            var dtype = weights.Values.FirstOrDefault(t => t.is_floating_point())?.dtype;
            if (dtype is { } d && d != model.DType)
            {
                model.to(d);
            }

            LoadWeights(path, model, weights);
            model.eval();
            var extras = Section(path, contents, ExtrasSection);
            contents.Tensors.Remove(ExtrasSection);
            return new LoadedCheckpoint(path, metadata, model, extras);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a checkpoint's weights into an existing model of the same architecture (checked, together with
    /// whatever <paramref name="expected"/> adds, e.g. dataset and split) and returns its metadata.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing, truncated, corrupt or not a model checkpoint.</exception>
    /// <exception cref="CheckpointMismatchException">Architecture, dataset or split differ.</exception>
    public static CheckpointMetadata LoadInto(string path, IauModel model, CheckpointExpectation? expected = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        using var contents = CheckpointFile.Read(path, ModelKind);
        var metadata = CheckpointJson.Deserialize<CheckpointMetadata>(path, contents.Header);
        var architecture = CheckpointExpectation.For(model);
        var merged = architecture with
        {
            Dataset = expected?.Dataset,
            SplitFingerprint = expected?.SplitFingerprint,
        };
        ThrowOnMismatch(path, merged, metadata);
        ThrowOnMismatch(path, expected, metadata);
        LoadWeights(path, model, Section(path, contents, WeightsSection));
        return metadata;
    }

    internal static void LoadWeights(string path, nn.Module model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var differences = model.DescribeStateDifferences(weights);
        if (differences.Count > 0)
        {
            throw new CheckpointFormatException(path, $"stored weights do not fit the model: {string.Join("; ", differences)}");
        }

        model.LoadState(weights);
    }

    internal static Dictionary<string, Tensor> Section(string path, CheckpointFile.Contents contents, string name)
    {
        return contents.Tensors.TryGetValue(name, out var s)
            ? s
            : throw new CheckpointFormatException(path, $"checkpoint has no '{name}' section");
    }

    private static void ThrowOnMismatch(string path, CheckpointExpectation? expected, CheckpointMetadata metadata)
    {
        if (expected is null)
        {
            return;
        }

        var differences = expected.Compare(metadata);
        if (differences.Count > 0)
        {
            throw new CheckpointMismatchException(path, differences);
        }
    }
}
