namespace Iau.Unlearning;

/// <summary>Registry entries of the influence-function baselines (IU with each solver, certified removal).</summary>
internal static class InfluenceBaselines
{
    internal static IReadOnlyList<MethodEntry> Entries { get; } = [];
}
