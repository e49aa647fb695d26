using Iau.Data;
using static TorchSharp.torch;

namespace Iau.Tests.Training;

/// <summary>Seeded Gaussian blobs for fast training tests.</summary>
internal static class SyntheticData
{
    /// <summary>
    /// <paramref name="n"/> samples of shape <paramref name="sampleShape"/> from <paramref name="classes"/>
    /// Gaussian blobs (unit-variance noise around class means whose entries are N(0, separation²)),
    /// labels uniform; a fraction <paramref name="labelNoise"/> of labels is replaced by random ones.
    /// </summary>
    public static TensorData Blobs(int n, long[] sampleShape, int classes, int seed, double separation = 1.0, double labelNoise = 0.0, int meanSeed = 12345)
    {
        var dims = (int)sampleShape.Aggregate(1L, (a, b) => a * b);
        var meanRng = new Random(meanSeed);
        var means = new float[classes, dims];
        for (var c = 0; c < classes; c++)
        {
            for (var d = 0; d < dims; d++)
            {
                means[c, d] = (float)(separation * Gaussian(meanRng));
            }
        }

        var rng = new Random(seed);
        var x = new float[n * dims];
        var y = new long[n];
        for (var i = 0; i < n; i++)
        {
            var c = rng.Next(classes);
            for (var d = 0; d < dims; d++)
            {
                x[(i * dims) + d] = means[c, d] + (float)Gaussian(rng);
            }

            y[i] = rng.NextDouble() < labelNoise ? rng.Next(classes) : c;
        }

        return new TensorData(tensor(x, [n, .. sampleShape]), tensor(y));
    }

    private static double Gaussian(Random rng)
    {
        var u = 1.0 - rng.NextDouble();
        var v = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}

/// <summary>Reports synchronously on the calling thread (unlike Progress&lt;T&gt;).</summary>
internal sealed class SyncProgress<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value)
    {
        onReport(value);
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "iau-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name)
    {
        return System.IO.Path.Combine(Path, name);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
