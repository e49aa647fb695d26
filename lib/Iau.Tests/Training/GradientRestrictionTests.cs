using Iau.Models;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Tests.Training;

public class GradientRestrictionTests
{
    public GradientRestrictionTests()
    {
        TestRuntime.Ensure();
    }

    [Fact]
    public void Alpha_zero_is_plain_mean_cross_entropy_without_penalty()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("logreg", [4], 3, seed: 1);
        var x = randn(6, 4);
        var y = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var logits = model.call(x);
        var loss = GradientRestriction.Compute(logits, y, model.parameters().Cast<Tensor>().ToList(), 0);
        Assert.Null(loss.Penalty);
        Assert.Equal(F.cross_entropy(logits, y).item<float>(), loss.Total.item<float>());
    }

    [Fact]
    public void Penalty_is_the_sum_of_per_tensor_gradient_norms()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("mlp", [4], 3, seed: 1, new ModelOptions([5]));
        var parameters = model.parameters().Cast<Tensor>().ToList();
        var x = randn(6, 4);
        var y = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var loss = GradientRestriction.Compute(model.call(x), y, parameters, 0.5);

        model.zero_grad();
        F.cross_entropy(model.call(x), y).backward();
        var expected = parameters.Sum(p => p.grad!.pow(2).sum().sqrt().item<float>());
        Assert.Equal(4, parameters.Count);
        // float32 sums in a different order differ in the last bits (seen on CI: 1.5012151 vs 1.50121498),
        // so compare to 1e-5 (about 80 float32 ulps at this magnitude), far below a missing or doubled term.
        Assert.Equal(expected, loss.Penalty!.item<float>(), 1e-5f);
        Assert.Equal(loss.CrossEntropy.item<float>() + (0.5f * expected), loss.Total.item<float>(), 1e-5f);
    }

    [Fact]
    public void Penalty_and_its_gradient_equal_linalg_vector_norms_bit_for_bit()
    {
        // The penalty takes Tensor.norm(2) instead of linalg.vector_norm (whose ord Scalar TorchSharp drops early):
        // every committed result was trained with vector_norm, so both must agree exactly, forward and backward.
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 3);
        var parameters = model.parameters().Cast<Tensor>().ToList();
        using var gen = new Generator(5);
        var x = randn([32, 1, 28, 28], generator: gen);
        var y = randint(0, 10, [32], generator: gen);

        var kit = GradientRestriction.Compute(model.call(x), y, parameters, 0.005);
        var kitGrads = autograd.grad([kit.Total], parameters);

        var ce = F.cross_entropy(model.call(x), y);
        var grads = autograd.grad([ce], parameters, retain_graph: true, create_graph: true);
        var penalty = grads.Select(g => linalg.vector_norm(g)).Aggregate((a, b) => a.add(b));
        var total = ce.add(penalty.mul(0.005));
        var referenceGrads = autograd.grad([total], parameters);

        Assert.True(kit.Penalty!.eq(penalty).item<bool>(), $"penalty {kit.Penalty.item<float>():R} vs {penalty.item<float>():R}");
        Assert.True(kit.Total.eq(total).item<bool>());
        Assert.Equal(parameters.Count, kitGrads.Count);
        foreach (var (a, b) in kitGrads.Zip(referenceGrads))
        {
            Assert.True(a.eq(b).all().item<bool>(), "a gradient of the GR loss differs from vector_norm's");
        }
    }

    [Fact]
    public void Gradient_of_the_GR_loss_matches_central_finite_differences_in_double_precision()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("mlp", [3], 3, seed: 4, new ModelOptions([4]));
        model.to(ScalarType.Float64);
        var parameters = model.parameters().ToList();
        var tensors = parameters.Cast<Tensor>().ToList();
        random.manual_seed(9);
        var x = randn(5, 3, dtype: ScalarType.Float64);
        var y = tensor(new long[] { 0, 1, 2, 1, 0 });
        const double alpha = 0.3;

        model.zero_grad();
        GradientRestriction.Compute(model.call(x), y, tensors, alpha).Total.backward();
        var analytic = parameters.Select(p => p.grad!.clone()).ToList();

        double Value()
        {
            using var inner = NewDisposeScope();
            var loss = F.cross_entropy(model.call(x), y);
            return (loss + (alpha * GradientRestriction.Penalty(loss, tensors, createGraph: false))).item<double>();
        }

        const double h = 1e-6;
        var checkedCount = 0;
        using (no_grad())
        {
            for (var k = 0; k < parameters.Count; k++)
            {
                var flat = parameters[k].view(-1);
                var g = analytic[k].view(-1);
                for (long i = 0; i < flat.numel(); i++)
                {
                    var original = flat[i].item<double>();
                    flat[i] = original + h;
                    double plus;
                    double minus;
                    using (enable_grad())
                    {
                        plus = Value();
                    }

                    flat[i] = original - h;
                    using (enable_grad())
                    {
                        minus = Value();
                    }

                    flat[i] = original;
                    var numeric = (plus - minus) / (2 * h);
                    var exact = g[i].item<double>();
                    Assert.True(
                        Math.Abs(numeric - exact) <= 1e-6 + (1e-5 * Math.Abs(exact)),
                        $"parameter {k} entry {i}: analytic {exact}, finite difference {numeric}");
                    checkedCount++;
                }
            }
        }

        Assert.Equal(model.ParameterCount, checkedCount);
    }

    [Fact]
    public void GR_training_lowers_the_mean_per_sample_gradient_norm()
    {
        // Noisy 4-class blobs; same data, initial weights, shuffles and epochs, only α differs. Training is
        // bitwise deterministic, so the margin below does not flicker.
        using var data = SyntheticData.Blobs(256, [10], 4, seed: 1, separation: 0.6, labelNoise: 0.1);
        double MeanNorm(double alpha)
        {
            using var model = ModelFactory.Create("mlp", [10], 4, seed: 2, new ModelOptions([16]));
            var options = new TrainingOptions(MaxEpochs: 10, Patience: null, GrAlpha: alpha, BatchSize: 32, LearningRate: 5e-3, Seed: 3);
            new Trainer(options).Train(model, data);
            return GradientRestriction.PerSampleGradientNorms(model, data).Average();
        }

        var plain = MeanNorm(0);
        var restricted = MeanNorm(0.2);
        Assert.True(restricted < plain * 0.98, $"mean per-sample gradient norm: plain {plain}, GR {restricted}");
    }
}
