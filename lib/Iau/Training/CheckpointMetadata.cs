using Iau.Models;

namespace Iau.Training;

/// <summary>
/// What a model checkpoint says about itself (stored as the file's JSON header). Build it with
/// <see cref="For"/> and add the rest with a <c>with</c> expression.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>Architecture name (<see cref="ModelFactory.Names"/>).</summary>
    public required string Model { get; init; }

    /// <summary>Shape of one input sample.</summary>
    public required long[] InputShape { get; init; }

    /// <summary>Number of classes.</summary>
    public required int Classes { get; init; }

    /// <summary>Architecture options.</summary>
    public ModelOptions ModelOptions { get; init; } = ModelOptions.Default;

    /// <summary>Seed of the initial weights.</summary>
    public int ModelSeed { get; init; }

    /// <summary>Dataset name, e.g. "fashion-mnist".</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Fingerprint of the train/valid/test (and forget) split the model was trained on.</summary>
    public string SplitFingerprint { get; init; } = "";

    /// <summary>How the model was trained (null when unknown or untrained).</summary>
    public TrainingOptions? Training { get; init; }

    /// <summary>Named results, e.g. "testAccuracy" → 0.91.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The training history.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = [];

    /// <summary>Free-form note.</summary>
    public string? Notes { get; init; }

    /// <summary>Version of the kit that wrote the file (set by <see cref="Checkpoint.Save"/>).</summary>
    public string KitVersion { get; init; } = Checkpoint.KitVersion;

    /// <summary>When the file was written (set by <see cref="Checkpoint.Save"/>).</summary>
    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Names of the extra tensors stored beside the weights (set by <see cref="Checkpoint.Save"/>).</summary>
    public IReadOnlyList<string> ExtraTensors { get; init; } = [];

    /// <summary>Metadata describing <paramref name="model"/> trained on the given dataset split.</summary>
    public static CheckpointMetadata For(IauModel model, string dataset, string splitFingerprint)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new CheckpointMetadata
        {
            Model = model.Architecture,
            InputShape = model.InputShape,
            Classes = model.Classes,
            ModelOptions = model.Options,
            ModelSeed = model.Seed,
            Dataset = dataset ?? "",
            SplitFingerprint = splitFingerprint ?? "",
        };
    }
}

/// <summary>
/// What a caller expects of a checkpoint; null fields are not checked. <see cref="Checkpoint.Load"/>
/// throws <see cref="CheckpointMismatchException"/> listing every field that differs.
/// </summary>
/// <param name="Model">Architecture name.</param>
/// <param name="InputShape">Input sample shape.</param>
/// <param name="Classes">Class count.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="SplitFingerprint">Split fingerprint.</param>
/// <param name="ModelOptions">Architecture options.</param>
public sealed record CheckpointExpectation(
    string? Model = null,
    long[]? InputShape = null,
    int? Classes = null,
    string? Dataset = null,
    string? SplitFingerprint = null,
    ModelOptions? ModelOptions = null)
{
    /// <summary>Expect the architecture of <paramref name="model"/> and, where given, a dataset and split.</summary>
    public static CheckpointExpectation For(IauModel model, string? dataset = null, string? splitFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new CheckpointExpectation(model.Architecture, model.InputShape, model.Classes, dataset, splitFingerprint, model.Options);
    }

    /// <summary>Every checked field in which <paramref name="found"/> differs.</summary>
    public IReadOnlyList<CheckpointDifference> Compare(CheckpointMetadata found)
    {
        ArgumentNullException.ThrowIfNull(found);
        var d = new List<CheckpointDifference>();
        if (Model is not null && !string.Equals(Model, found.Model, StringComparison.OrdinalIgnoreCase))
        {
            d.Add(new("model", $"'{Model}'", $"'{found.Model}'"));
        }

        if (InputShape is not null && !InputShape.SequenceEqual(found.InputShape))
        {
            d.Add(new("inputShape", Shape(InputShape), Shape(found.InputShape)));
        }

        if (Classes is not null && Classes != found.Classes)
        {
            d.Add(new("classes", Classes.Value.ToString(), found.Classes.ToString()));
        }

        if (ModelOptions is not null && !ModelOptions.Equals(found.ModelOptions))
        {
            d.Add(new("modelOptions", $"'{ModelOptions}'", $"'{found.ModelOptions}'"));
        }

        if (Dataset is not null && Dataset != found.Dataset)
        {
            d.Add(new("dataset", $"'{Dataset}'", $"'{found.Dataset}'"));
        }

        if (SplitFingerprint is not null && SplitFingerprint != found.SplitFingerprint)
        {
            d.Add(new("splitFingerprint", $"'{SplitFingerprint}'", $"'{found.SplitFingerprint}'"));
        }

        return d;
    }

    internal static string Shape(long[] shape)
    {
        return $"[{string.Join(",", shape)}]";
    }
}
