using Iau.Data;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>What the per-example attack says about one model: its ROC on D_f against same-class non-members.</summary>
/// <param name="Auc">Area under the ROC (0.5 = chance).</param>
/// <param name="TprAt1">True-positive rate at 1% false positives.</param>
/// <param name="TprAt01">True-positive rate at 0.1% false positives.</param>
/// <param name="Roc">The curve.</param>
public sealed record RmiaResult(double Auc, double TprAt1, double TprAt01, RocCurve Roc);

/// <summary>
/// RMIA, the relative membership-inference attack of Zarifzadeh, Liu and Shokri (ICML 2024), in its offline form
/// (reference models that did not train on the candidates). For a candidate x with label y and a target model θ,
/// with p(x|θ) = softmax(f_θ(x))[y]:
/// <code>
///     Pr(x)        = ½ · ((1 + a) · mean_k p(x|θ_k) + (1 − a))        (θ_k: reference models, OUT for x)
///     LR(x)        = p(x|θ) / Pr(x)
///     score(x)     = |{ z ∈ Z : LR(x) / LR(z) &gt; γ }| / |Z|           (Z: population samples no model trained on)
/// </code>
/// The offline correction a (default 0.3, the reference implementation's) stands in for the IN models an online
/// attack would train. The kit uses RMIA rather than offline LiRA because RMIA is strong with 1–4 reference
/// models (LiRA's per-example Gaussians need many), and each reference model costs a full training.
/// <para>
/// In the kit the reference models are retrained on D_r with the setting's recipe and other seeds, so they are
/// OUT for D_f and for the test set; Retrain is then exchangeable with them (its AUC is 0.5 in expectation)
/// while a model that still holds D_f scores its samples higher.
/// </para>
/// </summary>
public static class Rmia
{
    /// <summary>The offline correction a of the reference implementation (privacy-meter's offline_a).</summary>
    public const double DefaultOfflineA = 0.3;

    /// <summary>The likelihood-ratio threshold γ of the paper's experiments.</summary>
    public const double DefaultGamma = 1.0;

    /// <summary>
    /// The scores of candidates (see the type remarks) from probabilities of the true label: the target's and each
    /// reference model's on the candidates, and the same on the population Z. Pure.
    /// </summary>
    /// <exception cref="ArgumentException">No reference models, sizes that do not match, or an empty population.</exception>
    public static double[] Scores(
        IReadOnlyList<double> target, IReadOnlyList<IReadOnlyList<double>> references,
        IReadOnlyList<double> populationTarget, IReadOnlyList<IReadOnlyList<double>> populationReferences,
        double a = DefaultOfflineA, double gamma = DefaultGamma)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(populationTarget);
        ArgumentNullException.ThrowIfNull(populationReferences);
        if (references.Count == 0 || references.Count != populationReferences.Count)
        {
            throw new ArgumentException($"RMIA needs the same reference models (at least one) on the candidates and the population; got {references.Count} and {populationReferences.Count}.");
        }

        if (populationTarget.Count == 0)
        {
            throw new ArgumentException("RMIA needs population samples.");
        }

        var x = Ratios(target, references, a);
        var z = Ratios(populationTarget, populationReferences, a);
        Array.Sort(z);
        var scores = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            // LR(x)/LR(z) > γ  ⇔  LR(z) < LR(x)/γ: count the population ratios strictly below the bound.
            scores[i] = (double)LowerBound(z, x[i] / gamma) / z.Length;
        }

        return scores;
    }

    /// <summary>
    /// The attack on <paramref name="model"/>: scores of D_f (<paramref name="members"/>) and of the non-members,
    /// with the reference models' probabilities given (they do not change between the methods of a seed).
    /// </summary>
    public static RmiaResult Attack(
        nn.Module<Tensor, Tensor> model, TensorData members, TensorData nonMembers, TensorData population,
        RmiaReferences references, double a = DefaultOfflineA, double gamma = DefaultGamma)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(references);
        var pop = TrueLabelProbabilities(model, population);
        var m = Scores(TrueLabelProbabilities(model, members), references.Members, pop, references.Population, a, gamma);
        var n = Scores(TrueLabelProbabilities(model, nonMembers), references.NonMembers, pop, references.Population, a, gamma);
        var roc = RocCurve.FromScores(m, n);
        return new RmiaResult(roc.Auc, roc.TprAtFpr(0.01), roc.TprAtFpr(0.001), roc);
    }

    /// <summary>softmax(f(x))[y] of every sample, in order: exp(−ℓ) of <see cref="Outputs"/>' losses.</summary>
    public static double[] TrueLabelProbabilities(nn.Module<Tensor, Tensor> model, TensorData data) =>
        [.. Outputs.LossesOf(model, data).Select(l => Math.Exp(-l))];

    private static double[] Ratios(IReadOnlyList<double> target, IReadOnlyList<IReadOnlyList<double>> references, double a)
    {
        var r = new double[target.Count];
        for (var i = 0; i < r.Length; i++)
        {
            var mean = 0.0;
            foreach (var reference in references)
            {
                if (reference.Count != target.Count)
                {
                    throw new ArgumentException($"A reference model scored {reference.Count} samples, the target {target.Count}.");
                }

                mean += reference[i];
            }

            mean /= references.Count;
            var prior = 0.5 * (((1 + a) * mean) + (1 - a));
            r[i] = target[i] / prior;
        }

        return r;
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>The reference models' true-label probabilities on the candidates and the population (one list per model).</summary>
/// <param name="Members">On D_f.</param>
/// <param name="NonMembers">On the same-class test non-members.</param>
/// <param name="Population">On the population Z.</param>
public sealed record RmiaReferences(
    IReadOnlyList<IReadOnlyList<double>> Members,
    IReadOnlyList<IReadOnlyList<double>> NonMembers,
    IReadOnlyList<IReadOnlyList<double>> Population)
{
    /// <summary>Scores every reference model on the three sets.</summary>
    public static RmiaReferences Of(IEnumerable<nn.Module<Tensor, Tensor>> models, TensorData members, TensorData nonMembers, TensorData population)
    {
        ArgumentNullException.ThrowIfNull(models);
        var list = models.ToList();
        return new(
            [.. list.Select(m => (IReadOnlyList<double>)Rmia.TrueLabelProbabilities(m, members))],
            [.. list.Select(m => (IReadOnlyList<double>)Rmia.TrueLabelProbabilities(m, nonMembers))],
            [.. list.Select(m => (IReadOnlyList<double>)Rmia.TrueLabelProbabilities(m, population))]);
    }
}
