namespace Iau.Reporting;

/// <summary>
/// The stable order of methods (and variants) shared by tables and charts: a given order first (methods it
/// does not name follow alphabetically), else alphabetical with the reference method (Retrain) first.
/// Method names compare case-insensitively.
/// </summary>
public static class MethodOrder
{
    /// <summary>The default reference method: retraining from scratch on the retain set.</summary>
    public const string DefaultReference = "retrain";

    /// <summary>Orders the distinct <paramref name="methods"/> (first spelling kept).</summary>
    /// <param name="methods">Method names, possibly repeated.</param>
    /// <param name="order">Preferred order; null or empty for alphabetical with the reference first.</param>
    /// <param name="reference">Method put first when no order is given.</param>
    public static IReadOnlyList<string> Arrange(
        IEnumerable<string> methods, IReadOnlyList<string>? order = null, string reference = DefaultReference)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var distinct = methods.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (order is { Count: > 0 })
        {
            var rank = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < order.Count; i++)
            {
                rank.TryAdd(order[i], i);
            }

            return [.. distinct
                .OrderBy(m => rank.TryGetValue(m, out var r) ? r : int.MaxValue)
                .ThenBy(m => m, StringComparer.OrdinalIgnoreCase)
                .ThenBy(m => m, StringComparer.Ordinal)];
        }

        return [.. distinct
            .OrderBy(m => string.Equals(m, reference, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(m => m, StringComparer.OrdinalIgnoreCase)
            .ThenBy(m => m, StringComparer.Ordinal)];
    }

    /// <summary>Compares variants: by their numeric parameter when both have one, else ordinally ("" first).</summary>
    public static int CompareVariants(string? a, string? b)
    {
        a ??= "";
        b ??= "";
        if (VariantParameter.TryParse(a, out var na, out var va) && VariantParameter.TryParse(b, out var nb, out var vb))
        {
            var byName = string.CompareOrdinal(na, nb);
            return byName != 0 ? byName : va.CompareTo(vb);
        }

        return string.CompareOrdinal(a, b);
    }

    /// <summary><see cref="CompareVariants"/> as a comparer.</summary>
    public static IComparer<string> VariantComparer { get; } = Comparer<string>.Create(CompareVariants);
}
