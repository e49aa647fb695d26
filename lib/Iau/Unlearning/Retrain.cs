namespace Iau.Unlearning;

/// <summary>Retrain from scratch on D_r (the gold standard).</summary>
internal static class Retrain
{
    internal static IReadOnlyList<MethodEntry> Entries { get; } = [];
}
