using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Iau.Tests.Influence;

public class InfluenceUnlearningTests(ITestOutputHelper output)
{
    [Fact]
    public void Exact_influence_predicts_the_retrained_optimum()
    {
        using var p = new LogRegProblem();
        var star = LogRegProblem.Flat(p.Original);
        var retrained = LogRegProblem.Flat(p.Retrained);
        var method = new InfluenceUnlearning(new InfluenceOptions(Solver: InverseHvpSolver.Exact, Damping: 0, L2: p.L2));
        using var result = Unlearner.Run(method, p.Original, p.Data);
        var unlearned = LogRegProblem.Flat(result.Model);
        var shift = LogRegProblem.Norm(LogRegProblem.Diff(retrained, star));
        var error = LogRegProblem.Norm(LogRegProblem.Diff(unlearned, retrained));
        output.WriteLine($"fit: {p.Fit}; retrain: {p.RetrainFit}");
        output.WriteLine($"|θ_r − θ*| = {shift:G4}, |θ_u − θ_r| = {error:G4}, ratio {error / shift:G3}; notes: {string.Join("; ", result.Notes.Select(kv => kv.Key + "=" + kv.Value))}");
        Assert.True(p.Fit.Converged && p.RetrainFit.Converged);
        Assert.True(shift > 1e-3, $"the removal should move the optimum (|Δ| = {shift})");
        // The Newton step's error is second order in the shift: measured ratios 0.001–0.09 over forget sets of 1–16
        // samples (0.046 here, m = 6); 0.1 fails a first-order method (the IAU direction alone, ratio ≈ 1).
        Assert.True(error < 0.1 * shift, $"influence error {error} vs shift {shift}");
    }

    [Fact]
    public void Cg_solver_gives_the_same_unlearned_model_as_the_exact_solver()
    {
        using var p = new LogRegProblem();
        using var exact = Unlearner.Run(new InfluenceUnlearning(new InfluenceOptions(Solver: InverseHvpSolver.Exact, Damping: 0, L2: p.L2)), p.Original, p.Data);
        using var cg = Unlearner.Run(new InfluenceUnlearning(new InfluenceOptions(Solver: InverseHvpSolver.Cg, Damping: 0, L2: p.L2, CgTolerance: 1e-12)), p.Original, p.Data);
        var star = LogRegProblem.Flat(p.Original);
        var dExact = LogRegProblem.Diff(LogRegProblem.Flat(exact.Model), star);
        var dCg = LogRegProblem.Diff(LogRegProblem.Flat(cg.Model), star);
        var error = LogRegProblem.RelativeError(dCg, dExact);
        output.WriteLine($"relative difference of the steps {error:G3}; cg notes: {string.Join("; ", cg.Notes.Select(kv => kv.Key + "=" + kv.Value))}");
        Assert.True(error < 1e-6, $"CG step differs from the exact step by {error}");
        Assert.Equal("converged", cg.Notes["solver status"]);
    }

    [Fact]
    public void Iau_direction_is_aligned_with_the_exact_influence_direction()
    {
        using var p = new LogRegProblem();
        var star = LogRegProblem.Flat(p.Original);
        var truth = LogRegProblem.Diff(LogRegProblem.Flat(p.Retrained), star);
        using var g = IauMethod.Direction(IauOptions.PaperPreset, p.Original, p.Data, new UnlearningContext(), useCache: false);
        var descent = LogRegProblem.Flat(g).Select(x => -x).ToArray();
        var cosine = LogRegProblem.Cosine(descent, truth);
        output.WriteLine($"cos(−g, θ_r − θ*) = {cosine:G4}");
        Assert.True(cosine > 0, $"cosine {cosine}");
    }

    [Fact]
    public void Iu_from_the_registry_leaves_the_input_untouched_and_changes_the_copy()
    {
        using var p = new LogRegProblem();
        var before = LogRegProblem.Flat(p.Original);
        foreach (var solver in new[] { "exact", "cg", "lissa", "woodfisher" })
        {
            var method = UnlearningMethods.Create("iu", MethodSettings.Parse([$"solver={solver}", "depth=200", "lissa-scale=3", "residual=true"]));
            using var result = Unlearner.Run(method, p.Original, p.Data);
            var after = LogRegProblem.Flat(result.Model);
            var change = LogRegProblem.Norm(LogRegProblem.Diff(after, before));
            output.WriteLine($"{solver}: |θ_u − θ*| = {change:G4}, residual {result.Notes["relative residual"]}, {result.Seconds * 1000:F0} ms; {method.Describe()}");
            Assert.Equal(before, LogRegProblem.Flat(p.Original));
            Assert.False(ReferenceEquals(result.Model, p.Original));
            Assert.True(change > 1e-4, $"{solver}: the unlearned model equals the input");
            Assert.All(after, x => Assert.True(double.IsFinite(x)));
        }

        using var sparse = Unlearner.Run(UnlearningMethods.Create("iu-woodfisher"), p.Original, p.Data);
        Assert.True(LogRegProblem.Norm(LogRegProblem.Diff(LogRegProblem.Flat(sparse.Model), before)) > 1e-5);
        Assert.Equal(before, LogRegProblem.Flat(p.Original));
    }

    [Fact]
    public void Iu_works_on_float32_models_and_on_a_non_convex_mlp()
    {
        using var p = new LogRegProblem();
        using var forget = new TensorData(p.Forget.Features.to(ScalarType.Float32), p.Forget.Labels.clone());
        using var retain = new TensorData(p.Retain.Features.to(ScalarType.Float32), p.Retain.Labels.clone());
        var data = new UnlearningData(forget, retain);
        using var model32 = p.Original.Clone();
        model32.to(ScalarType.Float32);
        var star = LogRegProblem.Flat(p.Original);
        using var reference = Unlearner.Run(new InfluenceUnlearning(new InfluenceOptions(Solver: InverseHvpSolver.Exact, L2: p.L2)), p.Original, p.Data);
        var expected = LogRegProblem.Diff(LogRegProblem.Flat(reference.Model), star);
        foreach (var solver in new[] { InverseHvpSolver.Exact, InverseHvpSolver.Cg })
        {
            using var result = Unlearner.Run(new InfluenceUnlearning(new InfluenceOptions(Solver: solver, L2: p.L2)), model32, data);
            Assert.Equal(ScalarType.Float32, result.Model.DType);
            var error = LogRegProblem.RelativeError(LogRegProblem.Diff(LogRegProblem.Flat(result.Model), star), expected);
            output.WriteLine($"float32 {solver}: relative difference of the step from float64 exact {error:G3}");
            Assert.True(error < 1e-3, $"{solver}: {error}");
        }

        using var mlp = ModelFactory.Create("mlp", [8], 3, seed: 2, new ModelOptions([6]));
        new Trainer(new TrainingOptions(MaxEpochs: 5, Patience: null)).Train(mlp, retain);
        foreach (var solver in new[] { "cg", "lissa", "woodfisher" })
        {
            using var result = Unlearner.Run(
                UnlearningMethods.Create("iu", MethodSettings.Parse([$"solver={solver}", "damping=0.1", "depth=100"])), mlp, data);
            var change = (result.Model.parameters().Zip(mlp.parameters(), (a, b) => (a - b).norm().item<float>())).Sum();
            output.WriteLine($"mlp {solver}: |Δθ| ≈ {change:G3}, status {result.Notes["solver status"]}");
            Assert.True(change > 0 && float.IsFinite(change), $"{solver}: change {change}");
        }
    }

    [Fact]
    public void Unknown_iu_options_and_solvers_are_errors()
    {
        Assert.Throws<ArgumentException>(() => UnlearningMethods.Create("iu", MethodSettings.Parse(["solver=newton"])));
        Assert.Throws<ArgumentException>(() => UnlearningMethods.Create("iu", MethodSettings.Parse(["dampin=0.1"])));
        Assert.Throws<ArgumentException>(() => UnlearningMethods.Create("iu", MethodSettings.Parse(["hessian-samples=many"])));
    }

    [Fact]
    public void Certified_removal_matches_retraining_and_reports_its_residual()
    {
        using var p = new LogRegProblem();
        var before = LogRegProblem.Flat(p.Original);
        var retrained = LogRegProblem.Flat(p.Retrained);
        var method = UnlearningMethods.Create("certified", MethodSettings.Parse([$"lambda={p.L2}", "sigma=1"]));
        using var result = Unlearner.Run(method, p.Original, p.Data);
        var after = LogRegProblem.Flat(result.Model);
        var shift = LogRegProblem.Norm(LogRegProblem.Diff(retrained, before));
        var error = LogRegProblem.Norm(LogRegProblem.Diff(after, retrained));
        output.WriteLine($"|θ⁻ − θ_r| / |θ_r − θ*| = {error / shift:G3}");
        output.WriteLine(string.Join(Environment.NewLine, result.Notes.Select(kv => kv.Key + ": " + kv.Value)));
        Assert.Equal(before, LogRegProblem.Flat(p.Original));
        Assert.True(LogRegProblem.Norm(LogRegProblem.Diff(after, before)) > 1e-3);
        Assert.True(error < 0.1 * shift, $"Newton step error {error} vs shift {shift}");
        var residual = double.Parse(result.Notes["gradient residual"].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var bound = double.Parse(result.Notes["residual bound"].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(residual <= bound, $"residual {residual} above its bound {bound}");
        Assert.Contains("ε = c·ε′/σ", result.Notes["epsilon"]);

        // Beyond the dense limit the Newton system is solved by CG: the same step.
        var viaCg = UnlearningMethods.Create("certified", MethodSettings.Parse([$"lambda={p.L2}", "max-parameters=0"]));
        using var cgResult = Unlearner.Run(viaCg, p.Original, p.Data);
        var cgError = LogRegProblem.RelativeError(LogRegProblem.Diff(LogRegProblem.Flat(cgResult.Model), before), LogRegProblem.Diff(after, before));
        output.WriteLine($"CG path: {cgResult.Notes["hessian"]}; relative difference of the step {cgError:G3}");
        Assert.True(cgError < 1e-8, $"CG step differs by {cgError}");
    }

    [Fact]
    public void Certified_removal_refuses_models_other_than_logreg()
    {
        using var p = new LogRegProblem();
        using var mlp = ModelFactory.Create("mlp", [8], 3, seed: 1, new ModelOptions([4]));
        mlp.to(ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => Unlearner.Run(UnlearningMethods.Create("certified"), mlp, p.Data).Dispose());
        Assert.Contains("logreg", e.Message);
        Assert.Contains("'mlp'", e.Message);
    }

    [Fact]
    public void Convex_solver_reaches_the_optimum_of_the_perturbed_objective()
    {
        using var p = new LogRegProblem();
        using var scope = NewDisposeScope();
        var b = ConvexSolver.DrawPerturbation(27, sigma: 1, seed: 5);
        using var model = LogRegProblem.NewModel();
        var fit = ConvexSolver.Fit(model, p.Train, new ConvexSolverOptions(L2: p.L2), b);
        var gradPerturbed = ConvexSolver.Gradient(model, p.Train, p.L2, b).norm().item<double>();
        var gradPlain = ConvexSolver.Gradient(model, p.Train, p.L2).norm().item<double>();
        output.WriteLine($"{fit}; |∇J_b| = {gradPerturbed:G3}, |∇J_0| = {gradPlain:G3}");
        Assert.True(fit.Converged);
        Assert.True(gradPerturbed < 1e-9);
        Assert.True(gradPlain > 1e-4);

        // Newton-CG (the path for models beyond the dense limit) reaches the same optimum.
        using var viaCg = LogRegProblem.NewModel();
        var cgFit = ConvexSolver.Fit(viaCg, p.Train, new ConvexSolverOptions(L2: p.L2, DenseLimit: 0));
        var cgError = LogRegProblem.RelativeError(LogRegProblem.Flat(viaCg), LogRegProblem.Flat(p.Original));
        output.WriteLine($"Newton-CG: {cgFit}; relative difference from dense Newton {cgError:G3}");
        Assert.True(cgFit.Converged);
        Assert.True(cgError < 1e-8, $"Newton-CG differs by {cgError}");

        // The closed-form gradient agrees with autograd: ∇L̄ + λθ = 0 at the unperturbed optimum.
        using var g = Gradients.MeanGradient(p.Original, p.Train);
        var theta = ConvexSolver.Parameters(p.Original);
        var autograd = (g.Flatten() + (p.L2 * theta)).norm().item<double>();
        Assert.True(autograd < 1e-9, $"autograd gradient norm at the optimum {autograd}");
    }
}
