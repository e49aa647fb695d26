using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Data;

/// <summary>
/// A labelled set held as tensors: features (float32, [N, …sample shape], normalised) and labels
/// (int64, [N]). Owns its tensors; dispose it when done. Mini-batches and evaluation chunks are views or
/// index-selected copies that the caller disposes (use a dispose scope per step).
/// </summary>
public sealed class TensorData : IDisposable
{
    private bool disposed;

    /// <summary>Wraps tensors (takes ownership).</summary>
    public TensorData(Tensor features, Tensor labels)
    {
        if (features.shape[0] != labels.shape[0])
        {
            throw new ArgumentException(
                $"Features have {features.shape[0]} rows but labels have {labels.shape[0]}.", nameof(labels));
        }

        Features = features;
        Labels = labels;
    }

    /// <summary>Features, float32 [N, …].</summary>
    public Tensor Features { get; }

    /// <summary>Labels, int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => (int)Labels.shape[0];

    /// <summary>Shape of one sample.</summary>
    public long[] SampleShape => Features.shape[1..];

    /// <summary>
    /// Builds tensors from raw bytes: x ↦ (x·scale − mean_c) / std_c per channel c (the first sample
    /// dimension); scale is 1/255 for images and 1 for binary features.
    /// </summary>
    public static TensorData FromRaw(
        RawSamples raw,
        IReadOnlyList<int>? indices,
        float scale,
        IReadOnlyList<float> mean,
        IReadOnlyList<float> std,
        Device? device = null)
    {
        var size = raw.SampleSize;
        var idx = indices ?? Enumerable.Range(0, raw.Count).ToArray();
        var data = new float[(long)idx.Count * size];
        var labels = new long[idx.Count];
        var channels = raw.SampleShape.Length >= 2 ? raw.SampleShape[0] : 1;
        var perChannel = size / channels;
        if (mean.Count != channels || std.Count != channels)
        {
            throw new ArgumentException($"Normalisation needs {channels} mean/std values, got {mean.Count}/{std.Count}.");
        }

        for (var i = 0; i < idx.Count; i++)
        {
            var s = idx[i];
            if ((uint)s >= (uint)raw.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), s, $"Index outside [0, {raw.Count}).");
            }

            var src = (long)s * size;
            var dst = (long)i * size;
            for (var c = 0; c < channels; c++)
            {
                var m = mean[c];
                var inv = 1f / std[c];
                var o = c * perChannel;
                for (var k = 0; k < perChannel; k++)
                {
                    data[dst + o + k] = ((raw.Features[src + o + k] * scale) - m) * inv;
                }
            }

            labels[i] = raw.Labels[s];
        }

        var shape = new long[raw.SampleShape.Length + 1];
        shape[0] = idx.Count;
        for (var d = 0; d < raw.SampleShape.Length; d++)
        {
            shape[d + 1] = raw.SampleShape[d];
        }

        // Copy into libtorch-allocated memory: tensors over managed arrays have run-dependent alignment, which
        // changes the last bits of vectorised kernels from one process to the next.
        using var xm = tensor(data, shape);
        using var ym = tensor(labels);
        var x = xm.clone();
        var y = ym.clone();
        if (device is not null && device.type != DeviceType.CPU)
        {
            var (xd, yd) = (x.to(device), y.to(device));
            x.Dispose();
            y.Dispose();
            (x, y) = (xd, yd);
        }

        return new TensorData(x, y);
    }

    /// <summary>A new set holding copies of the given rows, in the given order.</summary>
    public TensorData Subset(IReadOnlyList<int> indices)
    {
        using var idx = tensor(indices.Select(i => (long)i).ToArray(), device: Features.device);
        return new TensorData(Features.index_select(0, idx), Labels.index_select(0, idx));
    }

    /// <summary>
    /// Mini-batches in a seeded random order (or in order when <paramref name="shuffle"/> is false). The
    /// order depends only on <paramref name="seed"/>. Each batch is a fresh pair of tensors the caller
    /// disposes; the last batch may be smaller.
    /// </summary>
    public IEnumerable<(Tensor X, Tensor Y)> Batches(int batchSize, bool shuffle, int seed)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        }

        var order = shuffle ? Permutation(Count, seed) : Enumerable.Range(0, Count).ToArray();
        for (var start = 0; start < Count; start += batchSize)
        {
            var len = Math.Min(batchSize, Count - start);
            var rows = new long[len];
            for (var i = 0; i < len; i++)
            {
                rows[i] = order[start + i];
            }

            using var idx = tensor(rows, device: Features.device);
            yield return (Features.index_select(0, idx), Labels.index_select(0, idx));
        }
    }

    /// <summary>
    /// Consecutive chunks for evaluation, as views (no copy); memory stays bounded by the chunk size.
    /// The caller disposes each pair.
    /// </summary>
    public IEnumerable<(Tensor X, Tensor Y)> Chunks(int chunkSize)
    {
        if (chunkSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "Chunk size must be at least 1.");
        }

        for (long start = 0; start < Count; start += chunkSize)
        {
            var len = Math.Min(chunkSize, Count - start);
            yield return (Features.narrow(0, start, len), Labels.narrow(0, start, len));
        }
    }

    /// <summary>A seeded Fisher–Yates permutation of 0..n-1 (System.Random with a seed is stable across runs).</summary>
    public static int[] Permutation(int n, int seed)
    {
        var p = Enumerable.Range(0, n).ToArray();
        var rng = new Random(seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        Features.Dispose();
        Labels.Dispose();
        disposed = true;
    }
}
