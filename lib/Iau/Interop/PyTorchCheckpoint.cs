using System.Globalization;
using System.Security.Cryptography;
using Iau.Data;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Interop;

/// <summary>What an import wrote.</summary>
/// <param name="CheckpointPath">The kit checkpoint.</param>
/// <param name="SplitPath">The split written beside it (what `iau unlearn` reads).</param>
/// <param name="Model">Architecture, input shape, classes and parameter count of the model.</param>
/// <param name="Tensors">Tensors read from the file (every one a parameter or buffer of the model).</param>
/// <param name="TestAccuracy">The imported model's accuracy on the dataset's test set, in the kit's normalisation.</param>
/// <param name="Sha256">SHA-256 of the PyTorch file (hex), recorded in the checkpoint's notes.</param>
public sealed record ImportOutcome(string CheckpointPath, string SplitPath, string Model, int Tensors, double TestAccuracy, string Sha256);

/// <summary>What an export wrote.</summary>
/// <param name="Path">The PyTorch state_dict file.</param>
/// <param name="Architecture">The model's architecture.</param>
/// <param name="Tensors">Tensors written.</param>
/// <param name="Layout">The PyTorch definition that loads it (<see cref="PyTorchLayout.Describe"/>).</param>
public sealed record ExportOutcome(string Path, string Architecture, int Tensors, string Layout);

/// <summary>
/// PyTorch state_dict files to and from the kit's checkpoints: what `iau import --pytorch` and `iau export --pytorch`
/// do. An imported model gets a checkpoint and a split beside it like a model `iau train` wrote, so `iau unlearn`,
/// `iau audit` and the notebooks take it as they take any other; its metadata names the file it came from (and its
/// SHA-256) and holds no training recipe.
/// </summary>
public static class PyTorchCheckpoint
{
    /// <summary>
    /// Reads <paramref name="pytorchFile"/> into a <paramref name="architecture"/> model for
    /// <paramref name="data"/>'s input shape and classes, measures its test accuracy, and writes it as a kit
    /// checkpoint at <paramref name="outPath"/> with <paramref name="split"/> beside it
    /// (<c>&lt;out&gt;.split.json</c>). The split is the one the kit will unlearn on: give the train/valid rows the
    /// PyTorch model was trained on when they are known (a split file), since the kit cannot tell.
    /// The file is read and checked before anything is written.
    /// </summary>
    /// <exception cref="PyTorchFormatException">The file is not a state_dict or does not fit the model.</exception>
    public static ImportOutcome Import(
        string pytorchFile, string architecture, LoadedDataset data, DataSplit split, string outPath,
        MlpActivation activation = MlpActivation.Tanh, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(pytorchFile);
        ArgumentNullException.ThrowIfNull(data);
        using var model = PyTorchModels.Import(pytorchFile, architecture, data.Info.InputShape.Select(d => (long)d).ToArray(), data.Info.Classes, activation);
        return Save(model, pytorchFile, data, split, outPath, device);
    }

    /// <summary>
    /// The second half of <see cref="Import"/>, for a model already read with <see cref="PyTorchModels.Import"/>
    /// from <paramref name="pytorchFile"/>: measures its test accuracy and writes the checkpoint and the split.
    /// </summary>
    public static ImportOutcome Save(IauModel model, string pytorchFile, LoadedDataset data, DataSplit split, string outPath, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pytorchFile);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(outPath);
        if (split.Dataset != data.Info.Name || split.Fingerprint != data.Fingerprint)
        {
            throw new ArgumentException($"The split was made for {split.Dataset} ({split.Fingerprint}), not for the data loaded ({data.Info.Name}, {data.Fingerprint}).", nameof(split));
        }

        var fits = new CheckpointExpectation(InputShape: data.Info.InputShape.Select(d => (long)d).ToArray(), Classes: data.Info.Classes)
            .Compare(CheckpointMetadata.For(model, data.Info.Name, string.Empty));
        if (fits.Count > 0)
        {
            throw new ArgumentException($"The model does not fit {data.Info.Name}: {string.Join("; ", fits)}.", nameof(model));
        }

        var sha = Sha256(pytorchFile);
        if (device is not null)
        {
            model.to(device);
        }

        double accuracy;
        using (var test = data.TestTensors(null, device))
        {
            accuracy = Evaluator.Accuracy(model, test);
        }

        var metadata = CheckpointMetadata.For(model, data.Info.Name, split.TrainingFingerprint) with
        {
            Metrics = new Dictionary<string, double> { ["test_accuracy"] = accuracy },
            Notes = string.Create(CultureInfo.InvariantCulture,
                $"imported from the PyTorch state_dict {Path.GetFileName(pytorchFile)} (SHA-256 {sha}; layout: {PyTorchLayout.Describe(model.Architecture)}); " +
                $"split seed {split.Seed}, train {split.Train.Length}, valid {split.Valid.Length}"),
        };
        var splitPath = outPath + ".split.json"; // where `iau train` puts it (Experiments.TrainedModel.SplitPathFor), and `iau unlearn` looks
        split.Save(splitPath);
        Checkpoint.Save(outPath, model, metadata);
        return new ImportOutcome(outPath, splitPath, model.ToString(), model.state_dict().Count, accuracy, sha);
    }

    /// <summary>
    /// Writes the model of the kit checkpoint <paramref name="checkpointPath"/> as a PyTorch state_dict file at
    /// <paramref name="pytorchFile"/> (atomically).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The checkpoint is missing or damaged.</exception>
    public static ExportOutcome Export(string checkpointPath, string pytorchFile)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        ArgumentNullException.ThrowIfNull(pytorchFile);
        using var checkpoint = Checkpoint.Load(checkpointPath);
        PyTorchModels.Export(checkpoint.Model, pytorchFile);
        return new ExportOutcome(pytorchFile, checkpoint.Model.Architecture, checkpoint.Model.state_dict().Count, PyTorchLayout.Describe(checkpoint.Model.Architecture));
    }

    private static string Sha256(string path)
    {
        try
        {
            using var s = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(s));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PyTorchFormatException(path, "file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new PyTorchFormatException(path, Directory.Exists(path) ? "is a folder, not a PyTorch file" : "cannot be read: " + e.Message, e);
        }
    }
}
