namespace Iau.Data;

/// <summary>
/// Samples exactly as a dataset file stores them: one byte per feature value (pixels 0–255, or 0/1 for
/// binary features), laid out sample after sample in channel-major (C, H, W) order, and one class label
/// (0-based) per sample. Readers produce this; <see cref="TensorData"/> turns it into normalised tensors.
/// </summary>
/// <param name="SampleShape">Shape of one sample, e.g. [1, 28, 28] for Fashion-MNIST or [600] for Purchase100.</param>
/// <param name="Features">Count × prod(SampleShape) bytes.</param>
/// <param name="Labels">Count labels, each in [0, classes).</param>
public sealed record RawSamples(int[] SampleShape, byte[] Features, int[] Labels)
{
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per sample (the product of <see cref="SampleShape"/>).</summary>
    public int SampleSize => SampleShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Concatenates parts read from several files (e.g. the five CIFAR-10 training batches).</summary>
    public static RawSamples Concat(IReadOnlyList<RawSamples> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one part is needed.", nameof(parts));
        }

        var shape = parts[0].SampleShape;
        foreach (var p in parts)
        {
            if (!p.SampleShape.SequenceEqual(shape))
            {
                throw new ArgumentException(
                    $"Sample shapes differ: [{string.Join(",", shape)}] vs [{string.Join(",", p.SampleShape)}].",
                    nameof(parts));
            }
        }

        var features = new byte[parts.Sum(p => (long)p.Features.Length)];
        var labels = new int[parts.Sum(p => p.Count)];
        long fo = 0;
        var lo = 0;
        foreach (var p in parts)
        {
            Buffer.BlockCopy(p.Features, 0, features, (int)fo, p.Features.Length);
            fo += p.Features.Length;
            Array.Copy(p.Labels, 0, labels, lo, p.Count);
            lo += p.Count;
        }

        return new RawSamples(shape, features, labels);
    }
}
