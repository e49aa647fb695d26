namespace Iau.Unlearning;

/// <summary>Registry entries of the gradient-based baselines (FT, GA, NegGrad+, ℓ1-sparse, SalUn, SCRUB, Fisher).</summary>
internal static class GradientBaselines
{
    internal static IReadOnlyList<MethodEntry> Entries { get; } = [];
}
