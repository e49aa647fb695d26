using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Influence;

/// <summary>
/// A small convex test problem: 200 samples, 8 features, 3 classes (Gaussian blobs with 10% label noise), float64,
/// multinomial logistic regression trained by <see cref="ConvexSolver"/> to the exact optimum of
/// mean CE + (λ/2)‖θ‖², and a seeded forget set of <c>forget</c> samples.
/// </summary>
internal sealed class LogRegProblem : IDisposable
{
    public const double Lambda = 0.01;

    public LogRegProblem(int forget = 6, int seed = 3, double lambda = Lambda)
    {
        TestRuntime.Ensure();
        L2 = lambda;
        using var blobs = SyntheticData.Blobs(200, [8], 3, seed, separation: 1.0, labelNoise: 0.1);
        Train = new TensorData(blobs.Features.to(ScalarType.Float64), blobs.Labels.clone());
        var order = TensorData.Permutation(Train.Count, seed + 100);
        Forget = Train.Subset(order.Take(forget).ToArray());
        Retain = Train.Subset(order.Skip(forget).ToArray());
        Data = new UnlearningData(Forget, Retain);
        Original = NewModel();
        Fit = ConvexSolver.Fit(Original, Train, new ConvexSolverOptions(L2: lambda));
        Retrained = NewModel();
        RetrainFit = ConvexSolver.Fit(Retrained, Retain, new ConvexSolverOptions(L2: lambda));
    }

    public double L2 { get; }

    public TensorData Train { get; }

    public TensorData Forget { get; }

    public TensorData Retain { get; }

    public UnlearningData Data { get; }

    /// <summary>θ*: the exact optimum on D.</summary>
    public IauModel Original { get; }

    public ConvexSolverResult Fit { get; }

    /// <summary>The exact optimum on D_r (the ground truth of unlearning).</summary>
    public IauModel Retrained { get; }

    public ConvexSolverResult RetrainFit { get; }

    public static IauModel NewModel()
    {
        var model = ModelFactory.Create("logreg", [8], 3, seed: 7);
        model.to(ScalarType.Float64);
        return model;
    }

    public static double[] Flat(IauModel model)
    {
        using var scope = NewDisposeScope();
        return ConvexSolver.Parameters(model).data<double>().ToArray();
    }

    public static double[] Flat(ParameterVector v)
    {
        using var scope = NewDisposeScope();
        return v.Flatten().to(ScalarType.Float64).data<double>().ToArray();
    }

    public static double[] Diff(double[] a, double[] b) => a.Zip(b, (x, y) => x - y).ToArray();

    public static double Norm(double[] a) => Math.Sqrt(a.Sum(x => x * x));

    public static double Cosine(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum() / (Norm(a) * Norm(b));

    public static double RelativeError(double[] actual, double[] expected) => Norm(Diff(actual, expected)) / Norm(expected);

    public void Dispose()
    {
        Original.Dispose();
        Retrained.Dispose();
        Forget.Dispose();
        Retain.Dispose();
        Train.Dispose();
    }
}
