using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>The outcome of <see cref="EntropyAttack.Evaluate"/>.</summary>
/// <param name="Efficacy">MIA-efficacy: share of forget samples called non-member (NaN for an empty forget set).</param>
/// <param name="Threshold">The fitted entropy threshold τ.</param>
/// <param name="MemberBelow">True when entropy ≤ τ means member (the usual direction), false when entropy &gt; τ does.</param>
/// <param name="TrainAccuracy">Accuracy of the threshold on its own balanced training data (0.5 = no signal).</param>
/// <param name="PerClass">Samples drawn from retain and from test each to fit the threshold.</param>
public sealed record EntropyAttackResult(double Efficacy, double Threshold, bool MemberBelow, double TrainAccuracy, int PerClass);

/// <summary>A fitted one-dimensional threshold classifier ("decision stump") on an attack feature.</summary>
/// <param name="Threshold">τ; member iff feature ≤ τ (MemberBelow) or feature &gt; τ (otherwise). ±∞ at the ends.</param>
/// <param name="MemberBelow">Direction of the rule.</param>
/// <param name="TrainAccuracy">Share of the training samples it classifies correctly.</param>
public sealed record ThresholdRule(double Threshold, bool MemberBelow, double TrainAccuracy)
{
    /// <summary>Whether the rule calls a sample with feature <paramref name="value"/> a member.</summary>
    public bool IsMember(double value) => MemberBelow ? value <= Threshold : value > Threshold;
}

/// <summary>
/// The entropy membership-inference attack behind "MIA-efficacy" in Unlearn-Sparse (Jia et al. 2023) and
/// SalUn (Fan et al. 2024). Feature: the entropy of the unlearned model's softmax output,
/// H(x) = −Σ_c p_c(x) ln p_c(x). The attack is fitted on the model under evaluation itself, with
/// members = retain samples (label 1) and non-members = test samples (label 0), m = min(|D_r|, |D_test|,
/// maxPerClass) seeded random samples of each (the reference takes the first |D_test| retain samples); it
/// then classifies the forget set, and
/// <code>
/// MIA-efficacy = |{x ∈ D_f : attack(H(x)) = non-member}| / |D_f|
/// </code>
/// (higher = the forget set looks less like training data; Retrain's value is the target).
/// <para>
/// Substitute classifier, stated plainly: the reference fits scikit-learn's SVC(C=3, kernel="rbf",
/// gamma="auto") on the 1-D feature. This kit has no SVM; it fits the decision stump with the highest
/// training accuracy instead: a threshold τ between two consecutive distinct feature values (or ±∞) and a
/// direction, chosen over all such cuts; ties in accuracy prefer the "low entropy = member" direction and,
/// within it, the middle of the best cuts. On a 1-D feature whose members concentrate at low entropy the
/// RBF SVM's decision region is (almost always) such a half-line, so the two agree up to where the cut
/// falls; the stump cannot represent a region made of several intervals, which the SVM can.
/// </para>
/// </summary>
public static class EntropyAttack
{
    /// <summary>Default cap on samples per class used to fit the attack (the reference's test sets have 10 000).</summary>
    public const int DefaultMaxPerClass = 5000;

    /// <summary>MIA-efficacy of <paramref name="model"/> (see the type remarks).</summary>
    public static double Efficacy(
        nn.Module<Tensor, Tensor> model,
        TensorData retain,
        TensorData test,
        TensorData forget,
        int seed,
        int maxPerClass = DefaultMaxPerClass) => Evaluate(model, retain, test, forget, seed, maxPerClass).Efficacy;

    /// <summary>Fits the attack on retain vs test entropies and applies it to the forget set.</summary>
    /// <exception cref="ArgumentException">Retain or test is empty, or maxPerClass &lt; 1.</exception>
    public static EntropyAttackResult Evaluate(
        nn.Module<Tensor, Tensor> model,
        TensorData retain,
        TensorData test,
        TensorData forget,
        int seed,
        int maxPerClass = DefaultMaxPerClass)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(retain);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(forget);
        if (maxPerClass < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerClass), maxPerClass, "At least one sample per class is needed.");
        }

        if (retain.Count == 0 || test.Count == 0)
        {
            throw new ArgumentException("The entropy attack needs non-empty retain and test sets.");
        }

        var m = Math.Min(maxPerClass, Math.Min(retain.Count, test.Count));
        var members = SampleEntropies(model, retain, m, Trainer.EpochSeed(seed, 1));
        var nonMembers = SampleEntropies(model, test, m, Trainer.EpochSeed(seed, 2));
        var rule = FitThreshold(members, nonMembers);
        var forgetEntropies = Outputs.EntropiesOf(model, forget);
        var efficacy = forgetEntropies.Length == 0
            ? double.NaN
            : (double)forgetEntropies.Count(h => !rule.IsMember(h)) / forgetEntropies.Length;
        return new EntropyAttackResult(efficacy, rule.Threshold, rule.MemberBelow, rule.TrainAccuracy, m);
    }

    /// <summary>
    /// The decision stump with the highest training accuracy on member vs non-member feature values (see
    /// the type remarks for cut placement and tie-breaking). Accuracy counts every sample equally, so pass
    /// balanced lists for a balanced criterion. Pure.
    /// </summary>
    /// <exception cref="ArgumentException">A list is empty or holds NaN.</exception>
    public static ThresholdRule FitThreshold(IReadOnlyList<double> members, IReadOnlyList<double> nonMembers)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(nonMembers);
        if (members.Count == 0 || nonMembers.Count == 0)
        {
            throw new ArgumentException("Both classes need at least one sample.");
        }

        var all = members.Select(v => (Value: v, Member: true)).Concat(nonMembers.Select(v => (Value: v, Member: false))).ToArray();
        if (all.Any(a => double.IsNaN(a.Value)))
        {
            throw new ArgumentException("Feature values must not be NaN.");
        }

        Array.Sort(all, (a, b) => a.Value.CompareTo(b.Value));
        var n = all.Length;

        // Cut k puts the k smallest values below τ. Only cuts between distinct values (and the two ends) count.
        // correctBelow(k) = members among the first k + non-members among the rest.
        var cuts = new List<(int K, int Correct)>();
        var membersBelow = 0;
        var nonMembersBelow = 0;
        cuts.Add((0, nonMembers.Count));
        for (var k = 1; k <= n; k++)
        {
            if (all[k - 1].Member)
            {
                membersBelow++;
            }
            else
            {
                nonMembersBelow++;
            }

            if (k == n || all[k].Value != all[k - 1].Value)
            {
                cuts.Add((k, membersBelow + (nonMembers.Count - nonMembersBelow)));
            }
        }

        var bestBelow = cuts.Max(c => c.Correct);
        var bestAbove = cuts.Max(c => n - c.Correct);
        var memberBelow = bestBelow >= bestAbove;
        var best = memberBelow
            ? cuts.Where(c => c.Correct == bestBelow).ToList()
            : cuts.Where(c => n - c.Correct == bestAbove).ToList();
        var chosen = best[best.Count / 2].K;
        double threshold;
        if (chosen == 0)
        {
            threshold = double.NegativeInfinity;
        }
        else if (chosen == n)
        {
            threshold = double.PositiveInfinity;
        }
        else
        {
            var lo = all[chosen - 1].Value;
            var hi = all[chosen].Value;
            threshold = lo + ((hi - lo) / 2);
            if (!(threshold < hi))
            {
                threshold = lo;
            }
        }

        return new ThresholdRule(threshold, memberBelow, (double)(memberBelow ? bestBelow : bestAbove) / n);
    }

    private static double[] SampleEntropies(nn.Module<Tensor, Tensor> model, TensorData data, int m, int seed)
    {
        if (m == data.Count)
        {
            return Outputs.EntropiesOf(model, data);
        }

        var rows = TensorData.Permutation(data.Count, seed).Take(m).ToArray();
        using var subset = data.Subset(rows);
        return Outputs.EntropiesOf(model, subset);
    }
}
