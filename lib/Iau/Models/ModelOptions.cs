using System.Text.Json.Serialization;

namespace Iau.Models;

/// <summary>Activation of the hidden layers of the <c>mlp</c> architecture.</summary>
public enum MlpActivation
{
    /// <summary>Hyperbolic tangent, as in the membership-inference literature on Purchase100.</summary>
    Tanh,

    /// <summary>Rectified linear unit.</summary>
    Relu,
}

/// <summary>
/// Architecture options that are not implied by the input shape and class count: the <c>mlp</c>'s hidden
/// layers and the width of <c>resnet18</c>/<c>vgg19</c>; other architectures ignore them. Equality compares
/// the effective values (hidden widths element-wise).
/// </summary>
/// <param name="MlpHidden">
/// Hidden widths of the <c>mlp</c>; null = <see cref="DefaultMlpHidden"/> (1024, 512, 256, 128), the
/// Purchase100 classifier of Nasr et al. 2018 / Shokri et al. 2017.
/// </param>
/// <param name="Activation">Hidden activation of the <c>mlp</c> (tanh by default, as in those papers).</param>
/// <param name="BaseWidth">
/// Channels of the first stage of <c>resnet18</c> and <c>vgg19</c>; null = 64, the standard networks. Later
/// stages scale with it (×2, ×4, ×8), so e.g. 16 gives a network about 16 times smaller for quick CPU runs.
/// </param>
public sealed record ModelOptions(IReadOnlyList<int>? MlpHidden = null, MlpActivation Activation = MlpActivation.Tanh, int? BaseWidth = null)
{
    /// <summary>The defaults.</summary>
    public static ModelOptions Default { get; } = new();

    /// <summary>Hidden widths used when <see cref="MlpHidden"/> is null.</summary>
    public static IReadOnlyList<int> DefaultMlpHidden { get; } = [1024, 512, 256, 128];

    /// <summary>First-stage width used when <see cref="BaseWidth"/> is null.</summary>
    public const int DefaultBaseWidth = 64;

    /// <summary>The first-stage width in effect.</summary>
    [JsonIgnore]
    public int EffectiveBaseWidth => BaseWidth ?? DefaultBaseWidth;

    /// <summary>The hidden widths in effect.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> EffectiveMlpHidden => MlpHidden ?? DefaultMlpHidden;

    /// <inheritdoc />
    public bool Equals(ModelOptions? other)
    {
        return other is not null
            && Activation == other.Activation
            && EffectiveBaseWidth == other.EffectiveBaseWidth
            && EffectiveMlpHidden.SequenceEqual(other.EffectiveMlpHidden);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Activation);
        h.Add(EffectiveBaseWidth);
        foreach (var w in EffectiveMlpHidden)
        {
            h.Add(w);
        }

        return h.ToHashCode();
    }

    /// <summary>A short description, e.g. "hidden=[1024,512,256,128] activation=tanh baseWidth=64".</summary>
    public override string ToString()
    {
        return $"hidden=[{string.Join(",", EffectiveMlpHidden)}] activation={Activation.ToString().ToLowerInvariant()} baseWidth={EffectiveBaseWidth}";
    }
}
