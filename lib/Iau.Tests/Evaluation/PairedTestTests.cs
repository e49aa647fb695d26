using Iau.Evaluation;

namespace Iau.Tests.Evaluation;

/// <summary>The paired sign-flip test and Holm's correction, checked against values worked by hand.</summary>
public sealed class PairedTestTests
{
    [Fact]
    public void Sign_flip_p_values_are_the_share_of_sign_patterns_at_least_as_extreme()
    {
        // d = (1, 2, 3): |sum| = 6 is reached only by all + and all −: 2 of 8 patterns.
        Assert.Equal(0.25, PairedTest.SignFlipP([1, 2, 3], [0, 0, 0]));

        // Ten pairs, all differences of one sign: 2 / 1024.
        Assert.Equal(2.0 / 1024, PairedTest.SignFlipP(Enumerable.Repeat(1.0, 10).ToArray(), new double[10]));

        // d = (1, −1, 2): sums of the 8 patterns are ±2, ±0, ±4, ±2 → |s| ≥ 2 in 6 of 8.
        Assert.Equal(0.75, PairedTest.SignFlipP([1, -1, 2], [0, 0, 0]));

        // Equal pairs carry no evidence.
        Assert.Equal(1, PairedTest.SignFlipP([0.3, 0.3], [0.3, 0.3]));
        Assert.Throws<ArgumentException>(() => PairedTest.SignFlipP([1, 2], [1]));
    }

    [Fact]
    public void Sign_flip_beyond_the_exact_limit_estimates_the_same_p()
    {
        var a = Enumerable.Range(0, 24).Select(i => i % 3 == 0 ? -0.5 : 1.0).ToArray();
        var p = PairedTest.SignFlipP(a, new double[24], seed: 1);
        Assert.InRange(p, 0.001, 0.05);
        Assert.Equal(p, PairedTest.SignFlipP(a, new double[24], seed: 1));
    }

    [Fact]
    public void Holm_multiplies_the_ordered_p_values_by_the_remaining_count_and_keeps_them_monotone()
    {
        // Sorted: 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06.
        var adjusted = PairedTest.Holm([0.01, 0.04, 0.03]);
        Assert.Equal(0.03, adjusted[0], 12);
        Assert.Equal(0.06, adjusted[1], 12);
        Assert.Equal(0.06, adjusted[2], 12);
        Assert.Equal([0.9, double.NaN], PairedTest.Holm([0.9, double.NaN]).Select(v => Math.Round(v, 12)));
    }
}
