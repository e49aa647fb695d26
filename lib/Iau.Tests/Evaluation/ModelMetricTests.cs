using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Evaluation;

/// <summary>Metrics that run models, on logistic-regression models whose outputs are known by hand.</summary>
public class ModelMetricTests
{
    public ModelMetricTests()
    {
        TestRuntime.Ensure();
    }

    /// <summary>A logistic regression on [features] inputs with weight W and bias b (logits = W x + b).</summary>
    private static IauModel LogReg(float[,] weight, float[] bias)
    {
        var model = ModelFactory.Create("logreg", [weight.GetLength(1)], bias.Length, seed: 0);
        using var noGrad = no_grad();
        using var w = tensor(weight);
        using var b = tensor(bias);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters["linear.weight"].copy_(w);
        parameters["linear.bias"].copy_(b);
        return model;
    }

    private static TensorData Data(float[,] x, long[] y) => new(tensor(x), tensor(y));

    [Fact]
    public void Outputs_hold_softmax_loss_entropy_and_predictions()
    {
        // Zero weights: every sample gets softmax(b) with b = (ln 1, ln 2, ln 5) → p = (0.125, 0.25, 0.625).
        using var model = LogReg(new float[3, 2], [0, MathF.Log(2), MathF.Log(5)]);
        using var data = Data(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }, [0, 2, 1]);
        var outputs = Outputs.Of(model, data, chunkSize: 2);
        var p = new[] { 0.125, 0.25, 0.625 };
        var entropy = -p.Sum(v => v * Math.Log(v));
        Assert.Equal((3, 3), (outputs.Count, outputs.Classes));
        for (var i = 0; i < 3; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(p[c], outputs.Row(i)[c], 6);
            }

            Assert.Equal(entropy, outputs.Entropies[i], 6);
        }

        Assert.Equal(new[] { -Math.Log(0.125), -Math.Log(0.625), -Math.Log(0.25) }, outputs.Losses, new Tolerance(1e-6));
        Assert.Equal(new[] { 2, 2, 2 }, outputs.Predictions);
        Assert.Equal(new[] { 0, 2, 1 }, outputs.Labels);
        Assert.Equal(1 / 3.0, outputs.Accuracy, 12);
        Assert.True(model.training); // the mode it had before is restored

        using var empty = new TensorData(zeros(0, 2), zeros(0, dtype: ScalarType.Int64));
        Assert.Equal(0, Outputs.Of(model, empty).Count);
    }

    [Fact]
    public void Accuracies_are_per_set_and_ua_is_one_minus_fa()
    {
        // logits = (x₀, x₁): predicts the larger feature.
        using var model = LogReg(new float[,] { { 1, 0 }, { 0, 1 } }, [0, 0]);
        using var test = Data(new float[,] { { 1, 0 }, { 0, 1 }, { 2, 1 }, { 1, 2 } }, [0, 1, 1, 1]); // 3/4
        using var retain = Data(new float[,] { { 1, 0 }, { 0, 1 } }, [0, 1]); // 1
        using var forget = Data(new float[,] { { 1, 0 }, { 0, 1 } }, [1, 1]); // 1/2
        var acc = Accuracies.Compute(model, test, retain, forget);
        Assert.Equal(new Accuracies(0.75, 1, 0.5), acc);
        Assert.Equal(0.5, acc.Unlearn);
        Assert.Equal(0.75, acc.ToMetrics()["TA"]);
        Assert.Equal(0.5, acc.ToMetrics()["UA"]);
    }

    [Fact]
    public void Parameter_l2_by_hand()
    {
        using var a = LogReg(new float[3, 4], [0, 0, 0]);
        var ones = new float[3, 4];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                ones[i, j] = 1;
            }
        }

        using var b = LogReg(ones, [2, 0, 0]);

        // sqrt(12 · 1² + 2²) = 4.
        Assert.Equal(4, Distances.ParameterL2(a, b), 12);
        using var copy = b.Clone();
        Assert.Equal(0, Distances.ParameterL2(b, copy));
        using var other = ModelFactory.Create("logreg", [5], 3, seed: 0);
        Assert.Throws<ArgumentException>(() => Distances.ParameterL2(a, other));
    }

    [Fact]
    public void Js_divergence_of_models_by_hand()
    {
        using var data = SyntheticData.Blobs(37, [4], 3, seed: 1);

        // Zero weights: constant outputs softmax(b).
        using var a = LogReg(new float[3, 4], [0, MathF.Log(3), 0]); // (0.2, 0.6, 0.2)
        using var b = LogReg(new float[3, 4], [MathF.Log(2), MathF.Log(2), 0]); // (0.4, 0.4, 0.2)
        var expected = Distances.JsDivergence([0.2, 0.6, 0.2], [0.4, 0.4, 0.2]);

        // By hand: M = (0.3, 0.5, 0.2); JS = ½[0.2 ln(2/3) + 0.6 ln(6/5)] + ½[0.4 ln(4/3) + 0.4 ln(4/5)].
        var hand = (0.5 * ((0.2 * Math.Log(2 / 3.0)) + (0.6 * Math.Log(6 / 5.0)))) + (0.5 * ((0.4 * Math.Log(4 / 3.0)) + (0.4 * Math.Log(4 / 5.0))));
        Assert.Equal(hand, expected, 12);
        Assert.Equal(expected, Distances.JsDivergence(a, b, data, chunkSize: 10), 6);
        Assert.Equal(0, Distances.JsDivergence(a, a, data), 12);

        using var trained = ModelFactory.Create("mlp", [4], 3, seed: 3, new ModelOptions([8]));
        var js = Distances.JsDivergences(trained, a, data, chunkSize: 8);
        Assert.Equal(37, js.Length);
        Assert.All(js, v => Assert.InRange(v, 0, Math.Log(2)));
        Assert.Equal(js.Average(), Distances.JsDivergence(trained, a, data), 12);
    }

    [Fact]
    public void Entropy_attack_calls_confident_forget_samples_members()
    {
        // Logits (k x₀, 0, 0) with large k: confident (low entropy) where x₀ is large, uniform where x₀ = 0.
        using var model = LogReg(new float[,] { { 20 }, { 0 }, { 0 } }, [0, 0, 0]);
        static float[,] Column(params float[] v)
        {
            var x = new float[v.Length, 1];
            for (var i = 0; i < v.Length; i++)
            {
                x[i, 0] = v[i];
            }

            return x;
        }

        using var retain = Data(Column(1, 1, 1, 0.9f, 0.8f, 1), [0, 0, 0, 0, 0, 0]);
        using var test = Data(Column(0, 0.01f, 0, 0.02f, 0.05f), [0, 1, 2, 0, 1]);
        using var forgetSeen = Data(Column(1, 0.95f), [0, 0]);
        using var forgetUnseen = Data(Column(0, 0.03f, 0.01f), [1, 2, 0]);
        var seen = EntropyAttack.Evaluate(model, retain, test, forgetSeen, seed: 0);
        Assert.Equal(5, seen.PerClass);
        Assert.True(seen.MemberBelow);
        Assert.Equal(1.0, seen.TrainAccuracy);
        Assert.Equal(0.0, seen.Efficacy);
        Assert.Equal(1.0, EntropyAttack.Efficacy(model, retain, test, forgetUnseen, seed: 0));
        Assert.Equal(2, EntropyAttack.Evaluate(model, retain, test, forgetUnseen, seed: 0, maxPerClass: 2).PerClass);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
