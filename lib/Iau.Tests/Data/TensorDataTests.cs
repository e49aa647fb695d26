using Iau.Data;
using static TorchSharp.torch;

namespace Iau.Tests.Data;

public class TensorDataTests
{
    [Fact]
    public void Normalises_per_channel_and_batches_cover_every_sample_once_in_seeded_order()
    {
        TestRuntime.Ensure();
        var raw = new RawSamples([2, 1, 2], [0, 255, 51, 102, 255, 0, 102, 51, 10, 20, 30, 40], [1, 0, 1]);
        using var data = TensorData.FromRaw(raw, null, 1f / 255, [0.5f, 0f], [0.5f, 0.2f]);
        Assert.Equal([3L, 2, 1, 2], data.Features.shape);
        var x = data.Features.data<float>().ToArray();
        Assert.Equal(-1f, x[0], 5);
        Assert.Equal(1f, x[1], 5);
        Assert.Equal(0.2f / 0.2f, x[2], 5);
        Assert.Equal(0.4f / 0.2f, x[3], 5);

        var seen = new List<long>();
        foreach (var (bx, by) in data.Batches(2, shuffle: true, seed: 4))
        {
            using (bx)
            using (by)
            {
                seen.AddRange(by.data<long>().ToArray());
            }
        }

        Assert.Equal(3, seen.Count);
        Assert.Equal([0L, 1, 1], seen.Order());

        var order1 = TensorData.Permutation(50, 1);
        Assert.Equal(order1, TensorData.Permutation(50, 1));
        Assert.NotEqual(order1, TensorData.Permutation(50, 2));
    }

    [Fact]
    public void Chunks_are_views_that_cover_the_set()
    {
        TestRuntime.Ensure();
        using var data = new TensorData(arange(10, dtype: ScalarType.Float32).reshape(10, 1), arange(10, dtype: ScalarType.Int64));
        var total = 0L;
        foreach (var (x, y) in data.Chunks(4))
        {
            using (x)
            using (y)
            {
                total += y.sum().item<long>();
                Assert.True(x.shape[0] <= 4);
            }
        }

        Assert.Equal(45, total);
    }
}
