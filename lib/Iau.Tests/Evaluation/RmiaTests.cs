using Iau.Evaluation;

namespace Iau.Tests.Evaluation;

/// <summary>RMIA's offline score, worked by hand.</summary>
public sealed class RmiaTests
{
    [Fact]
    public void Score_is_the_share_of_population_samples_the_candidate_dominates()
    {
        // a = 0.3: Pr(x) = ½(1.3 · 0.5 + 0.7) = 0.675 for every sample. LR(x) = 0.9/0.675 and 0.1/0.675;
        // LR(z) = 0.5/0.675, 0.5/0.675, 0.2/0.675. The first candidate beats all three, the second none.
        var scores = Rmia.Scores([0.9, 0.1], [[0.5, 0.5]], [0.5, 0.5, 0.2], [[0.5, 0.5, 0.5]]);
        Assert.Equal([1.0, 0.0], scores);

        // A candidate the reference models find easy (p_ref high) is discounted: same target probability 0.6,
        // reference 0.9 against 0.3 → Pr(x) 0.935 against 0.545; LR 0.64 against 1.10; Z ratios 0.5/0.675 = 0.74 and 1.0/0.675 = 1.48.
        var discounted = Rmia.Scores([0.6, 0.6], [[0.9, 0.3]], [0.5, 1.0], [[0.5, 0.5]]);
        Assert.Equal([0.0, 0.5], discounted);

        // With a = 1 the prior is the reference mean itself; γ = 2 asks for twice the ratio.
        Assert.Equal([0.5], Rmia.Scores([0.8], [[0.5]], [0.25, 0.5], [[0.5, 0.5]], a: 1, gamma: 2));
        Assert.Throws<ArgumentException>(() => Rmia.Scores([0.8], [], [0.5], []));
    }
}
