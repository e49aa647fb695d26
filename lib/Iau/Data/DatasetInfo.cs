namespace Iau.Data;

/// <summary>The on-disk format of a dataset (one reader per format in Data/Formats).</summary>
public enum DatasetFormat
{
    /// <summary>IDX ubyte files (MNIST, Fashion-MNIST), raw or gzip-compressed.</summary>
    Idx,

    /// <summary>CIFAR-10 binary version (1 label byte per record).</summary>
    Cifar10Binary,

    /// <summary>CIFAR-100 binary version (coarse and fine label bytes; the fine label is used).</summary>
    Cifar100Binary,

    /// <summary>SVHN cropped digits, MATLAB v5 .mat.</summary>
    SvhnMat,

    /// <summary>Purchase100 text: label then 600 binary features per line.</summary>
    Purchase100Text,
}

/// <summary>A dataset the kit knows: shape, classes, normalisation, where its files come from.</summary>
/// <param name="Name">Catalog name (fashion-mnist, cifar10, …).</param>
/// <param name="Title">Human-readable name.</param>
/// <param name="Format">File format.</param>
/// <param name="InputShape">Shape of one sample: [C, H, W] or [F].</param>
/// <param name="ClassNames">One name per class, in label order.</param>
/// <param name="Mean">Per-channel mean after scaling (normalisation: (x·Scale − mean) / std).</param>
/// <param name="Std">Per-channel standard deviation after scaling.</param>
/// <param name="Scale">1/255 for 8-bit images, 1 for binary features.</param>
/// <param name="SystemPaths">Folders where a system package installs the files (searched after data/&lt;name&gt;/).</param>
/// <param name="DebianPackage">Debian package that provides the files, if any.</param>
/// <param name="Homepage">Where the dataset is described.</param>
/// <param name="Licence">Its licence, as stated by its authors.</param>
/// <param name="Manifest">Files, archives, URLs and checksums (data/manifest.json).</param>
public sealed record DatasetInfo(
    string Name,
    string Title,
    DatasetFormat Format,
    int[] InputShape,
    string[] ClassNames,
    float[] Mean,
    float[] Std,
    float Scale,
    string[] SystemPaths,
    string? DebianPackage,
    string Homepage,
    string Licence,
    ManifestEntry Manifest)
{
    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Length;
}
