namespace Iau.Data;

/// <summary>How a file's checksum compared with the manifest.</summary>
public enum ChecksumStatus
{
    /// <summary>Matches a published checksum.</summary>
    Verified,

    /// <summary>Extracted from an archive whose checksum matched.</summary>
    VerifiedViaArchive,

    /// <summary>No checksum is published for this file (or its archive is not kept).</summary>
    NoChecksumKnown,

    /// <summary>Verification was switched off by the caller (e.g. for custom files).</summary>
    NotChecked,
}

/// <summary>Where a dataset was found.</summary>
public enum DatasetOrigin
{
    /// <summary>A path the caller gave.</summary>
    ExplicitPath,

    /// <summary>The project's data/&lt;name&gt;/ folder.</summary>
    DataFolder,

    /// <summary>A system folder filled by a package (e.g. /usr/share/datasets/fashion-mnist).</summary>
    SystemPackage,

    /// <summary>Downloaded just now into data/&lt;name&gt;/.</summary>
    Downloaded,
}

/// <summary>A file the dataset was read from.</summary>
/// <param name="Role">Its role in the manifest.</param>
/// <param name="Path">Absolute path.</param>
/// <param name="Bytes">Size on disk.</param>
/// <param name="Status">Checksum status.</param>
/// <param name="Detail">Which checksum matched (and who published it), or why none was checked.</param>
public sealed record SourceFile(string Role, string Path, long Bytes, ChecksumStatus Status, string Detail);

/// <summary>Progress of locating, downloading, verifying and reading a dataset.</summary>
/// <param name="Stage">"download", "verify", "extract" or "read".</param>
/// <param name="File">The file concerned.</param>
/// <param name="Done">Bytes done (download) or 0.</param>
/// <param name="Total">Total bytes when known.</param>
public sealed record DataProgress(string Stage, string File, long Done, long? Total);

/// <summary>A dataset read into memory: the official training and test sets as raw bytes, and where they came from.</summary>
/// <param name="Info">The catalog entry.</param>
/// <param name="Train">The official training set.</param>
/// <param name="Test">The official test set.</param>
/// <param name="Directory">The folder the files were read from.</param>
/// <param name="Origin">How that folder was found.</param>
/// <param name="Files">Each file read, with its checksum status.</param>
/// <param name="Fingerprint">SHA-256 (hex, 16 chars) of the decoded content; splits and checkpoints record it.</param>
public sealed record LoadedDataset(
    DatasetInfo Info,
    RawSamples Train,
    RawSamples Test,
    string Directory,
    DatasetOrigin Origin,
    IReadOnlyList<SourceFile> Files,
    string Fingerprint)
{
    /// <summary>Tensors of the given rows of the official training set (all rows when null), normalised as the catalog says.</summary>
    public TensorData TrainTensors(IReadOnlyList<int>? indices = null, TorchSharp.torch.Device? device = null) =>
        TensorData.FromRaw(Train, indices, Info.Scale, Info.Mean, Info.Std, device);

    /// <summary>Tensors of the official test set (or the given rows of it).</summary>
    public TensorData TestTensors(IReadOnlyList<int>? indices = null, TorchSharp.torch.Device? device = null) =>
        TensorData.FromRaw(Test, indices, Info.Scale, Info.Mean, Info.Std, device);
}
