namespace Iau.Tests.Data;

/// <summary>Writes a small Fashion-MNIST-shaped dataset (gzip IDX files with the real names) into a folder.</summary>
internal static class FakeFashionMnist
{
    public static void Write(string dir, int train = 100, int test = 20)
    {
        Directory.CreateDirectory(dir);
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "train-images-idx3-ubyte.gz"), FormatWriters.Gzip(FormatWriters.IdxImages(train, 28, 28)));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "train-labels-idx1-ubyte.gz"), FormatWriters.Gzip(FormatWriters.IdxLabels(Labels(train))));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), FormatWriters.Gzip(FormatWriters.IdxImages(test, 28, 28)));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), FormatWriters.Gzip(FormatWriters.IdxLabels(Labels(test))));
    }

    public static byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
}
