using System.Globalization;
using Iau.Influence;

namespace Iau.Unlearning;

/// <summary>Registry entries of the influence-function baselines (IU with each solver, certified removal).</summary>
internal static class InfluenceBaselines
{
    internal static IReadOnlyList<MethodEntry> Entries { get; } =
    [
        new("iu", "Influence unlearning: one Newton step θ − (H_r + λI)⁻¹∇L̄_r on the retain loss (exact, CG, LiSSA or WoodFisher)",
            "solver=cg|exact|lissa|woodfisher damping=0.01 l2=<recipe weight decay> scale=1 hessian-samples=auto|N " +
            "max-parameters=5000 iterations=100 tolerance=1e-6 depth=1000 lissa-scale=10 batch=64 repeats=1 samples=1000 residual=false",
            s => new InfluenceUnlearning(Iu(s, new InfluenceOptions()), "iu")),
        new("iu-woodfisher", "IU as Unlearn-Sparse runs it: θ + α·WoodFisher((m/n)(∇L̄_f − ∇L̄_r)), α = 0.2, N = 1000",
            "alpha=0.2 samples=1000 residual=false",
            s => new InfluenceUnlearning(
                InfluenceOptions.UnlearnSparseWoodFisher with
                {
                    Scale = s.Double("alpha", InfluenceOptions.UnlearnSparseWoodFisher.Scale),
                    WoodFisherSamples = s.Int("samples", InfluenceOptions.UnlearnSparseWoodFisher.WoodFisherSamples),
                    CheckResidual = s.Bool("residual", false),
                },
                "iu-woodfisher")),
        new("certified", "Certified removal (Guo et al. 2020), logreg only: Newton step θ* + H⁻¹Δ on the L2-regularised loss, residual bound and ε",
            "lambda=<recipe weight decay, else 0.001> sigma=0 delta=1e-4 max-parameters=5000",
            s => new CertifiedRemoval(new CertifiedRemovalOptions(
                Lambda: OptionalDouble(s, "lambda"),
                Sigma: s.Double("sigma", 0),
                Delta: s.Double("delta", 1e-4),
                MaxParameters: s.Int("max-parameters", ExactHessian.DefaultMaxParameters))),
            AppliesTo: arch => string.Equals(arch, Models.LogisticRegression.Name, StringComparison.OrdinalIgnoreCase)),
    ];

    private static InfluenceOptions Iu(MethodSettings s, InfluenceOptions d) => d with
    {
        Solver = s.Enum("solver", d.Solver),
        Damping = s.Double("damping", d.Damping),
        L2 = OptionalDouble(s, "l2"),
        Scale = s.Double("scale", d.Scale),
        HessianSamples = HessianSamples(s.String("hessian-samples", "auto")),
        MaxParameters = s.Int("max-parameters", d.MaxParameters),
        CgIterations = s.Int("iterations", d.CgIterations),
        CgTolerance = s.Double("tolerance", d.CgTolerance),
        LissaDepth = s.Int("depth", d.LissaDepth),
        LissaScale = s.Double("lissa-scale", d.LissaScale),
        LissaBatch = s.Int("batch", d.LissaBatch),
        LissaRepeats = s.Int("repeats", d.LissaRepeats),
        WoodFisherSamples = s.Int("samples", d.WoodFisherSamples),
        CheckResidual = s.Bool("residual", d.CheckResidual),
    };

    private static double? OptionalDouble(MethodSettings s, string key) =>
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
