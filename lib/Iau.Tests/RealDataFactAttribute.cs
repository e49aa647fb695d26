namespace Iau.Tests;

/// <summary>
/// A test on the real Fashion-MNIST files from the Debian package dataset-fashion-mnist; skipped (and
/// reported as skipped) where the package is not installed. CI installs it, so these run there.
/// </summary>
public sealed class RealFashionMnistFactAttribute : FactAttribute
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public RealFashionMnistFactAttribute()
    {
        if (!Directory.Exists(Folder))
        {
            Skip = $"{Folder} not present (apt-get install dataset-fashion-mnist)";
        }
    }
}
