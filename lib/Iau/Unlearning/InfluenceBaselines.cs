using System.Globalization;
using Iau.Influence;

namespace Iau.Unlearning;

/// <summary>Declared options of the influence-function baselines (IU with each solver, the WoodFisher preset) and certified removal's parsing.</summary>
internal static class InfluenceBaselines
{
    /// <summary>IU's options (defaults: damping of the PyTorch port of Koh &amp; Liang's influence functions, CG).</summary>
    internal static MethodOptions<InfluenceOptions> IuOptions { get; } = new(
        new InfluenceOptions(),
        "Koh & Liang 2017; damping 0.01 as the widely used PyTorch port of influence functions; CG/LiSSA/WoodFisher defaults of their references",
        [
            MethodOption.Enum<InfluenceOptions, InverseHvpSolver>("solver", o => o.Solver, (o, v) => o with { Solver = v }, "how (H_r + λI)⁻¹v is computed"),
            MethodOption.Double<InfluenceOptions>("damping", o => o.Damping, (o, v) => o with { Damping = v }, Bounds.NonNegative, "λ added to the Hessian's diagonal", SearchSpace.LogUniform(1e-3, 10)),
            MethodOption.Text<InfluenceOptions>("l2", o => o.L2 is { } l2 ? l2.ToString(CultureInfo.InvariantCulture) : "<recipe weight decay>", (o, v) => o with { L2 = Number("l2", v) }, "[0, ∞) or absent", "μ of the training objective's (μ/2)‖θ‖² (absent: the recipe's weight decay)"),
            MethodOption.Double<InfluenceOptions>("scale", o => o.Scale, (o, v) => o with { Scale = v }, Bounds.Any, "multiplies the step (≠ 0)", SearchSpace.Uniform(0.05, 1)),
            MethodOption.Int<InfluenceOptions>("max-parameters", o => o.MaxParameters, (o, v) => o with { MaxParameters = v }, Bounds.AtLeast(1), "limit of the exact solver"),
            MethodOption.Int<InfluenceOptions>("iterations", o => o.CgIterations, (o, v) => o with { CgIterations = v }, Bounds.AtLeast(1), "CG: maximum iterations"),
            MethodOption.Double<InfluenceOptions>("tolerance", o => o.CgTolerance, (o, v) => o with { CgTolerance = v }, Bounds.Positive, "CG: relative residual tolerance"),
            MethodOption.Text<InfluenceOptions>("hessian-samples", o => o.HessianSamples is { } n ? n.ToString(CultureInfo.InvariantCulture) : "auto", (o, v) => o with { HessianSamples = HessianSamples(v) }, "auto|N (0 = all)", "samples of D_r the Hessian is taken over"),
            MethodOption.Int<InfluenceOptions>("depth", o => o.LissaDepth, (o, v) => o with { LissaDepth = v }, Bounds.AtLeast(1), "LiSSA: recursion depth"),
            MethodOption.Double<InfluenceOptions>("lissa-scale", o => o.LissaScale, (o, v) => o with { LissaScale = v }, Bounds.Positive, "LiSSA: scale"),
            MethodOption.Int<InfluenceOptions>("batch", o => o.LissaBatch, (o, v) => o with { LissaBatch = v }, Bounds.AtLeast(1), "LiSSA: mini-batch size"),
            MethodOption.Int<InfluenceOptions>("repeats", o => o.LissaRepeats, (o, v) => o with { LissaRepeats = v }, Bounds.AtLeast(1), "LiSSA: repeats averaged"),
            MethodOption.Int<InfluenceOptions>("samples", o => o.WoodFisherSamples, (o, v) => o with { WoodFisherSamples = v }, Bounds.AtLeast(1), "WoodFisher: N"),
            MethodOption.Bool<InfluenceOptions>("residual", o => o.CheckResidual, (o, v) => o with { CheckResidual = v }, "also compute the relative residual"),
        ],
        o => o.Validate());

    /// <summary>The Unlearn-Sparse WoodFisher preset's options.</summary>
    internal static MethodOptions<InfluenceOptions> WoodFisherOptions { get; } = new(
        InfluenceOptions.UnlearnSparseWoodFisher,
        "OPTML-Group/Unlearn-Sparse unlearn/Wfisher.py, arg_parser.py (--alpha 0.2), N = 1000",
        [
            MethodOption.Double<InfluenceOptions>("alpha", o => o.Scale, (o, v) => o with { Scale = v }, Bounds.Any, "α, scale of the WoodFisher step (≠ 0)", SearchSpace.LogUniform(0.01, 1)),
            MethodOption.Int<InfluenceOptions>("samples", o => o.WoodFisherSamples, (o, v) => o with { WoodFisherSamples = v }, Bounds.AtLeast(1), "N"),
            MethodOption.Bool<InfluenceOptions>("residual", o => o.CheckResidual, (o, v) => o with { CheckResidual = v }, "also compute the relative residual"),
        ],
        o => o.Validate());

    private static double Number(string key, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"Method option {key}={text} is not a finite number.");

    internal static double? OptionalDouble(MethodSettings s, string key) =>
        s.Values.ContainsKey(key) ? s.Double(key, 0) : null;

    private static int? HessianSamples(string value)
    {
        if (string.Equals(value, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) && k >= 0
            ? k
            : throw new ArgumentException($"Method option hessian-samples={value} is not 'auto' or a non-negative integer (0 = all of D_r).");
    }
}
