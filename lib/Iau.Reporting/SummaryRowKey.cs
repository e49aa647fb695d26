namespace Iau.Reporting;

/// <summary>A row of a <see cref="SummaryTable"/>: a method, and the variant when the table splits by variant.</summary>
/// <param name="Method">Method name as found in the rows.</param>
/// <param name="Variant">Variant ("" for none or when the table does not split by variant).</param>
public sealed record SummaryRowKey(string Method, string Variant)
{
    /// <summary>
    /// The row label: "method", or "method [variant]" (just "method" when the variant repeats its name, as in the
    /// ablation's "IA+GC"). A tuned IAU row is "iau-tuned": its recipe changes the step count and weights, so it is an
    /// IAU-style update of its own and not the paper's IAU, and no label or sentence calls it "iau".
    /// </summary>
    public string Label => Variant.Length == 0 || string.Equals(Variant, Method, StringComparison.Ordinal) ? Method
        : Method == "iau" && Variant == Experiments.MainExperiment.TunedVariant ? TunedIauLabel
        : $"{Method} [{Variant}]";

    /// <summary>The label of IAU's tuned rows.</summary>
    public const string TunedIauLabel = "iau-tuned";

    /// <inheritdoc />
    public override string ToString() => Label;
}
