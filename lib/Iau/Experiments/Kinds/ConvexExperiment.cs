using System.Diagnostics;
using System.Globalization;
using Iau.Data;
using Iau.Evaluation;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// Convex ground truth: logistic regression fitted to convergence, then m samples removed; IAU, exact-Hessian
/// influence unlearning and certified removal are compared with exactly retraining to convergence, by
/// ‖θ_method − θ_retrain‖ / ‖θ* − θ_retrain‖ and the cosine of θ_method − θ* with θ_retrain − θ*.
/// </summary>
internal sealed class ConvexExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Convex;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        foreach (var m in spec.RemovedCounts ?? [10])
        {
            var v = ExperimentContext.Invariant($"removed={m}");
            yield return new(v, "all", [v]);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var removedCount = (int)double.Parse(cell.Variant[(cell.Variant.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var data = context.Split(spec, cell.Seed);
        var l2 = 1e-3;
        var info = data.Dataset.Info;
        using var star = ModelFactory.Create("logreg", info.InputShape.Select(x => (long)x).ToArray(), info.Classes, cell.Seed);
        ConvexSolver.Fit(star, data.Train, new ConvexSolverOptions(L2: l2), cancellationToken: context.CancellationToken);

        var rows = TensorData.Permutation(data.Train.Count, cell.Seed + 104729).Take(removedCount).ToHashSet();
        using var forget = data.Train.Subset(rows.Order().ToArray());
        using var retain = data.Train.Subset(Enumerable.Range(0, data.Train.Count).Where(i => !rows.Contains(i)).ToArray());
        using var retrained = star.Clone();
        var watch = Stopwatch.StartNew();
        ConvexSolver.Fit(retrained, retain, new ConvexSolverOptions(L2: l2, WarmStart: true), cancellationToken: context.CancellationToken);
        var retrainSeconds = watch.Elapsed.TotalSeconds;

        var recipe = TrainingOptions.Paper with { WeightDecay = l2 };
        var unlearning = new UnlearningContext(cell.Seed, recipe);
        var udata = new UnlearningData(forget, retain);
        var metrics = new Dictionary<string, double> { [Metric.RetrainSeconds] = retrainSeconds };
        using var thetaStar = new ParameterVector(Gradients.Trainable(star).Select(p => p.detach().clone()).ToArray());
        using var thetaRetrain = new ParameterVector(Gradients.Trainable(retrained).Select(p => p.detach().clone()).ToArray());
        using var shift = thetaRetrain.Clone();
        shift.Combine(1, thetaStar, -1);
        var shiftNorm = shift.Norm();
        metrics[Metric.ShiftNorm] = shiftNorm;
        // IU undamped with the objective's own μ: exact above, CG run far (200 iterations, tolerance 1e-8) for models too
        // large for the exact Hessian.
        var iu = star.ParameterCount > ExactHessian.DefaultMaxParameters
            ? InfluenceBaselines.IuOptions.Pairs(o => o with { Solver = InverseHvpSolver.Cg, Damping = 0, CgIterations = 200, CgTolerance = 1e-8, L2 = l2 })
            : InfluenceBaselines.IuOptions.Pairs(o => o with { Solver = InverseHvpSolver.Exact, Damping = 0, L2 = l2 });
        foreach (var (name, methodSettings) in new (string, IReadOnlyList<string>)[] { ("iau", []), ("iu", iu), ("certified", [ExperimentContext.Invariant($"lambda={l2}")]) })
        {
            using var r = Unlearner.Run(UnlearningMethods.Create(name, MethodSettings.Parse(methodSettings)), star, udata, unlearning, cancellationToken: context.CancellationToken);
            using var theta = new ParameterVector(Gradients.Trainable(r.Model).Select(p => p.detach().clone()).ToArray());
            using var err = theta.Clone();
            err.Combine(1, thetaRetrain, -1);
            using var step = theta.Clone();
            step.Combine(1, thetaStar, -1);
            metrics[Metric.OfMethod(name, Metric.ErrorSuffix)] = err.Norm() / shiftNorm;
            metrics[Metric.OfMethod(name, Metric.CosineSuffix)] = step.Cosine(shift);
            metrics[Metric.OfMethod(name, Metric.SecondsSuffix)] = r.Seconds;
        }

        return [context.Row(cell, cell.Variant, metrics, new Dictionary<string, string> { ["l2"] = l2.ToString(CultureInfo.InvariantCulture) })];
    }
}
