using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Unlearning;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Tests.Influence;

/// <summary>Batched per-sample gradients against one backward pass per sample.</summary>
public class PerSampleGradientsTests(ITestOutputHelper output)
{
    private readonly Iau.Runtime.RuntimeInfo runtime = TestRuntime.Ensure();

    public static TheoryData<string, long[]> Models => new()
    {
        { "lenet5", [1, 28, 28] },
        { "lenet5", [3, 32, 32] },
        { "mlp", [20] },
        { "logreg", [20] },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_sample_gradient_equals_its_own_backward_pass(string name, long[] shape)
    {
        using var model = ModelFactory.Create(name, shape, 10, seed: 3);
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn([7, .. shape], generator: new Generator(5));
        var y = tensor(new long[] { 0, 3, 9, 1, 1, 7, 2 });
        var parameters = Gradients.Trainable(model);

        using var perSample = PerSampleGradients.TryCreate(model, out var reason);
        Assert.True(perSample is not null, reason);
        var loss = F.cross_entropy(perSample.Forward(model, x), y, reduction: nn.Reduction.Sum);
        var batched = perSample.Of(loss, retainGraph: false);

        Assert.Equal(parameters.Count, batched.Length);
        double worst = 0;
        for (var i = 0; i < 7; i++)
        {
            var single = Gradients.SampleGradient(model, parameters, x.narrow(0, i, 1), y.narrow(0, i, 1));
            var fromBatch = cat(batched.Select(g => g[i].reshape(-1)).ToArray());
            var error = (fromBatch - single).abs().max().item<float>() / single.abs().max().item<float>();
            worst = Math.Max(worst, error);
        }

        output.WriteLine($"{name}: max |batched − single| / max |single| = {worst:G3}");
        Assert.True(worst < 1e-5, $"relative difference {worst}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Weighted_squares_equal_the_weighted_sum_of_squared_per_sample_gradients(string name, long[] shape)
    {
        using var model = ModelFactory.Create(name, shape, 10, seed: 4);
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn([6, .. shape], generator: new Generator(6));
        var y = tensor(new long[] { 5, 0, 2, 2, 8, 1 });
        var w = rand(6, generator: new Generator(7));
        using var perSample = PerSampleGradients.TryCreate(model, out _);
        var loss = F.cross_entropy(perSample!.Forward(model, x), y, reduction: nn.Reduction.Sum);
        var squares = perSample.WeightedSquares(loss, w, retainGraph: true);
        var grads = perSample.Of(loss, retainGraph: false);

        double worst = 0;
        for (var i = 0; i < grads.Length; i++)
        {
            var g = grads[i].to(ScalarType.Float64);
            var expected = zeros_like(squares[i]);
            for (var n = 0; n < 6; n++)
            {
                expected += g[n].square() * w[n].item<float>();
            }

            Assert.Equal(ScalarType.Float64, squares[i].dtype);
            worst = Math.Max(worst, (squares[i] - expected).abs().max().item<double>() / expected.abs().max().item<double>());
        }

        output.WriteLine($"{name}: max relative difference {worst:G3}");
        Assert.True(worst < 1e-6, $"relative difference {worst}");
    }

    [Fact]
    public void A_model_with_other_layers_is_refused_with_the_parameter_named()
    {
        using var model = nn.Sequential(("fc", nn.Linear(4, 3)), ("norm", nn.BatchNorm1d(3)));
        using var perSample = PerSampleGradients.TryCreate(model, out var reason);
        Assert.Null(perSample);
        Assert.Contains("'norm.weight'", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Hooks_are_removed_on_dispose_and_a_layer_run_twice_is_refused()
    {
        using var twice = new Twice(nn.Linear(3, 3));
        using var scope = NewDisposeScope();
        using (var perSample = PerSampleGradients.TryCreate(twice, out _))
        {
            Assert.NotNull(perSample);
            var e = Assert.Throws<InvalidOperationException>(() => perSample.Forward(twice, ones(2, 3)));
            Assert.Contains("'inner'", e.Message, StringComparison.Ordinal);
        }

        // After dispose no hook holds on: a plain forward works and the next session counts from zero.
        twice.call(ones(2, 3));
        using var again = PerSampleGradients.TryCreate(twice, out _);
        Assert.Throws<InvalidOperationException>(() => again!.Forward(twice, ones(2, 3)));
    }

    [Fact]
    public void Batched_fisher_equals_the_per_sample_loop_on_lenet5()
    {
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 1);
        using var x = randn([40, 1, 28, 28], generator: new Generator(2));
        using var data = new TensorData(x.clone(), zeros(40, ScalarType.Int64));
        using var loop = FisherForgettingMethod.DiagonalFisher(model, data, batched: false);
        using var batched = FisherForgettingMethod.DiagonalFisher(model, data, batched: true, chunk: 16);
        using var scope = NewDisposeScope();
        double worst = 0;
        for (var i = 0; i < loop.Parts.Count; i++)
        {
            var error = (batched.Parts[i] - loop.Parts[i]).abs().max().item<double>() / loop.Parts[i].abs().max().item<double>();
            worst = Math.Max(worst, error);
        }

        output.WriteLine($"max relative difference of the Fisher, batched against the loop: {worst:G3}");
        Assert.True(worst < 1e-5, $"relative difference {worst}");
    }

    private sealed class Twice : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner;

        public Twice(nn.Module<Tensor, Tensor> inner)
            : base(nameof(Twice))
        {
            this.inner = inner;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => inner.call(inner.call(input));
    }
}
