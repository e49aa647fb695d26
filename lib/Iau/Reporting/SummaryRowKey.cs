namespace Iau.Reporting;

/// <summary>A row of a <see cref="SummaryTable"/>: a method, and the variant when the table splits by variant.</summary>
/// <param name="Method">Method name as found in the rows.</param>
/// <param name="Variant">Variant ("" for none or when the table does not split by variant).</param>
public sealed record SummaryRowKey(string Method, string Variant)
{
    /// <summary>The row label: "method", or "method [variant]" (just "method" when the variant repeats its name, as in the ablation's "IA+GC").</summary>
    public string Label => Variant.Length == 0 || string.Equals(Variant, Method, StringComparison.Ordinal) ? Method : $"{Method} [{Variant}]";

    /// <inheritdoc />
    public override string ToString() => Label;
}
