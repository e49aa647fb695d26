using Iau.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>
/// The loss-threshold membership-inference attack (Yeom et al. 2018): a sample is called a member when its
/// cross-entropy ℓ(x, y) = −ln softmax(f(x))[y] is at most a threshold τ. Sweeping τ gives a ROC curve; with
/// score s = −ℓ (higher = more member-like) its area is the Mann–Whitney AUC of <see cref="RocCurve"/>:
/// the probability that a random member has a lower loss than a random non-member, ties counting ½.
/// No training is involved, so the attack needs no shadow models.
/// </summary>
public static class LossAttack
{
    /// <summary>The ROC (and AUC) of the loss attack on <paramref name="model"/>: members vs non-members.</summary>
    public static RocCurve Roc(
        nn.Module<Tensor, Tensor> model,
        TensorData members,
        TensorData nonMembers,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(nonMembers);
        return RocFromLosses(Outputs.LossesOf(model, members, chunkSize), Outputs.LossesOf(model, nonMembers, chunkSize));
    }

    /// <summary>The AUC of the loss attack (see <see cref="Roc"/>).</summary>
    public static double Auc(
        nn.Module<Tensor, Tensor> model,
        TensorData members,
        TensorData nonMembers,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize) => Roc(model, members, nonMembers, chunkSize).Auc;

    /// <summary>
    /// The ROC of the loss attack from per-sample losses (member = low loss): the curve of scores −ℓ.
    /// Pure; losses may be +∞ but not NaN.
    /// </summary>
    public static RocCurve RocFromLosses(IReadOnlyList<double> memberLosses, IReadOnlyList<double> nonMemberLosses)
    {
        ArgumentNullException.ThrowIfNull(memberLosses);
        ArgumentNullException.ThrowIfNull(nonMemberLosses);
        return RocCurve.FromScores(memberLosses.Select(l => -l).ToArray(), nonMemberLosses.Select(l => -l).ToArray());
    }
}
