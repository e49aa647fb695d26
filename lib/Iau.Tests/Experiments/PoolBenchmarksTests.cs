using Iau.Experiments;

namespace Iau.Tests.Experiments;

/// <summary>The pool benchmark's rows: medians, and the speed-up split into efficiency and ceiling.</summary>
public sealed class PoolBenchmarksTests
{
    [Fact]
    public void The_speed_up_is_the_efficiency_times_the_ceiling_from_the_medians()
    {
        // two threads one at a time: 9,000 samples/s (median); one thread: 6,000; side by side: 11,400
        var rows = PoolBenchmarks.Rows(2, "lenet5", 2, [9_500, 9_000, 8_000], [6_000, 6_100, 5_900], [11_400, 13_000, 10_000]);
        double Value(string start) => rows.Single(r => r.Name.TrimStart().StartsWith(start, StringComparison.Ordinal)).Value;

        Assert.Equal(9_000, Value("pool: 2 lenet5 one at a time, 2 threads"));
        Assert.Equal(6_000, Value("pool: 2 lenet5 one at a time, 1 thread"));
        Assert.Equal(11_400, Value("pool: 2 lenet5 side by side"));
        Assert.Equal(11_400 / 9_000.0, Value("pool speed-up"), 12);
        Assert.Equal(11_400 / 12_000.0, Value("pool efficiency"), 12);
        Assert.Equal(12_000 / 9_000.0, Value("ceiling"), 12);
        Assert.Equal(Value("pool speed-up"), Value("pool efficiency") * Value("ceiling"), 12);
        Assert.Contains("min 8,000, max 9,500", rows[0].Notes, StringComparison.Ordinal);
    }
}
