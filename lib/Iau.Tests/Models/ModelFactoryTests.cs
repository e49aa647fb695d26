using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Models;

public class ModelFactoryTests
{
    public ModelFactoryTests()
    {
        TestRuntime.Ensure();
    }

    [Theory]
    [InlineData("lenet5", new long[] { 1, 28, 28 }, 10)]
    [InlineData("lenet5", new long[] { 3, 32, 32 }, 100)]
    [InlineData("mlp", new long[] { 600 }, 100)]
    [InlineData("mlp", new long[] { 1, 28, 28 }, 10)]
    [InlineData("logreg", new long[] { 20 }, 3)]
    [InlineData("logreg", new long[] { 3, 8, 8 }, 10)]
    [InlineData("resnet18", new long[] { 3, 32, 32 }, 10)]
    [InlineData("resnet18", new long[] { 1, 28, 28 }, 10)]
    [InlineData("vgg19", new long[] { 3, 32, 32 }, 10)]
    [InlineData("vgg19", new long[] { 1, 28, 28 }, 10)]
    public void Output_is_batch_by_classes(string name, long[] shape, int classes)
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(name, shape, classes, seed: 1);
        model.eval();
        var x = randn([2, .. shape]);
        using var noGrad = no_grad();
        var y = model.call(x);
        Assert.Equal(new long[] { 2, classes }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(name, model.Architecture);
        Assert.Equal(classes, model.Classes);
        Assert.Equal(shape, model.InputShape);
    }

    [Fact]
    public void LeNet5_on_28x28x1_with_10_classes_has_44426_parameters()
    {
        // conv1 1·6·25+6 = 156, conv2 6·16·25+16 = 2,416, fc1 (16·4·4)·120+120 = 30,840,
        // fc2 120·84+84 = 10,164, fc3 84·10+10 = 850: total 44,426.
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 0);
        Assert.Equal(44_426, model.ParameterCount);
    }

    [Fact]
    public void LeNet5_on_32x32x3_uses_16x5x5_features()
    {
        // conv1 3·6·25+6 = 456, conv2 2,416, fc1 400·120+120 = 48,120, fc2 10,164, fc3 850.
        using var model = ModelFactory.Create("lenet5", [3, 32, 32], 10, seed: 0);
        Assert.Equal(62_006, model.ParameterCount);
    }

    [Theory]
    [InlineData("resnet18", 11_173_962L)]
    [InlineData("vgg19", 20_040_522L)]
    public void Cifar_networks_have_the_reference_parameter_counts(string name, long expected)
    {
        using var model = ModelFactory.Create(name, [3, 32, 32], 10, seed: 0);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void Base_width_scales_the_cifar_networks()
    {
        using var resnet = ModelFactory.Create("resnet18", [3, 32, 32], 10, seed: 0, new ModelOptions(BaseWidth: 16));
        using var vgg = ModelFactory.Create("vgg19", [3, 32, 32], 10, seed: 0, new ModelOptions(BaseWidth: 16));
        Assert.InRange(resnet.ParameterCount, 11_173_962 / 17, 11_173_962 / 15);
        Assert.InRange(vgg.ParameterCount, 20_040_522 / 17, 20_040_522 / 15);
        Assert.Equal(new ModelOptions(BaseWidth: 64), ModelOptions.Default);
        Assert.NotEqual(new ModelOptions(BaseWidth: 16), ModelOptions.Default);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            resnet.eval();
            vgg.eval();
            Assert.Equal(new long[] { 2, 10 }, resnet.call(randn(2, 3, 32, 32)).shape);
            Assert.Equal(new long[] { 2, 10 }, vgg.call(randn(2, 3, 32, 32)).shape);
        }
    }

    [Fact]
    public void Mlp_and_logreg_parameter_counts_follow_their_widths()
    {
        using var mlp = ModelFactory.Create("mlp", [600], 100, seed: 0);
        Assert.Equal((600 * 1024) + 1024 + (1024 * 512) + 512 + (512 * 256) + 256 + (256 * 128) + 128 + (128 * 100) + 100, mlp.ParameterCount);
        using var small = ModelFactory.Create("mlp", [10], 3, seed: 0, new ModelOptions([4], MlpActivation.Relu));
        Assert.Equal((10 * 4) + 4 + (4 * 3) + 3, small.ParameterCount);
        using var logreg = ModelFactory.Create("logreg", [1, 4, 5], 7, seed: 0);
        Assert.Equal((20 * 7) + 7, logreg.ParameterCount);
    }

    [Fact]
    public void LeNet5_rejects_feature_vectors_and_tiny_images()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("lenet5", [600], 100, seed: 0));
        Assert.Contains("[C,H,W]", e.Message);
        Assert.Contains("[600]", e.Message);
        var tiny = Assert.Throws<ArgumentException>(() => ModelFactory.Create("lenet5", [1, 8, 8], 10, seed: 0));
        Assert.Contains("16×16", tiny.Message);
        Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet18", [600], 10, seed: 0));
        Assert.Throws<ArgumentException>(() => ModelFactory.Create("vgg19", [600], 10, seed: 0));
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("alexnet", [3, 32, 32], 10, seed: 0));
        foreach (var n in ModelFactory.Names)
        {
            Assert.Contains(n, e.Message);
        }

        Assert.True(ModelFactory.IsKnown("LeNet5"));
        Assert.Equal(["lenet5", "mlp", "resnet18", "vgg19", "logreg"], ModelFactory.Names);
    }

    [Theory]
    [InlineData("lenet5")]
    [InlineData("resnet18")]
    public void Same_seed_gives_identical_weights_and_different_seeds_differ(string name)
    {
        using var a = ModelFactory.Create(name, [1, 28, 28], 10, seed: 7);
        using var b = ModelFactory.Create(name, [1, 28, 28], 10, seed: 7);
        using var c = ModelFactory.Create(name, [1, 28, 28], 10, seed: 8);
        Assert.True(a.StateEquals(b));
        Assert.False(a.StateEquals(c));
    }

    [Fact]
    public void Initial_weights_do_not_depend_on_the_global_generator()
    {
        random.manual_seed(1);
        using var a = ModelFactory.Create("vgg19", [1, 16, 16], 10, seed: 7, new ModelOptions(BaseWidth: 8));
        random.manual_seed(2);
        using var b = ModelFactory.Create("vgg19", [1, 16, 16], 10, seed: 7, new ModelOptions(BaseWidth: 8));
        Assert.True(a.StateEquals(b));
    }

    [Fact]
    public void Initial_weights_follow_the_pytorch_default_bounds()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 0);
        foreach (var (name, p) in model.named_parameters())
        {
            var fanIn = name.StartsWith("conv1", StringComparison.Ordinal) ? 25.0
                : name.StartsWith("conv2", StringComparison.Ordinal) ? 150.0
                : name.StartsWith("fc1", StringComparison.Ordinal) ? 256.0
                : name.StartsWith("fc2", StringComparison.Ordinal) ? 120.0 : 84.0;
            var bound = 1 / Math.Sqrt(fanIn);
            Assert.True(p.abs().max().item<float>() <= bound, name);
            Assert.True(p.abs().max().item<float>() > bound * 0.5, name);
        }
    }

    [Fact]
    public void Clone_is_an_independent_exact_copy_including_batch_norm_statistics()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("resnet18", [1, 16, 16], 4, seed: 3, new ModelOptions(BaseWidth: 8));
        model.train();
        using (no_grad())
        {
            model.call(randn(3, 1, 16, 16)); // moves the running statistics away from their initial values
        }

        model.eval();
        using var copy = model.Clone();
        Assert.IsType<ResNet18>(copy);
        Assert.True(copy.StateEquals(model));
        Assert.False(copy.training);
        var x = randn(2, 1, 16, 16);
        using (no_grad())
        {
            Assert.True(ModuleExtensions.BitwiseEqual(model.call(x), copy.call(x)));
            copy.parameters().First().add_(1.0);
        }

        Assert.False(copy.StateEquals(model));
    }

    [Fact]
    public void Clone_keeps_float64()
    {
        using var model = ModelFactory.Create("mlp", [5], 3, seed: 0, new ModelOptions([4]));
        model.to(ScalarType.Float64);
        using var copy = model.Clone();
        Assert.Equal(ScalarType.Float64, copy.DType);
        Assert.True(copy.StateEquals(model));
    }

    [Fact]
    public void Model_options_compare_by_value()
    {
        Assert.Equal(new ModelOptions([1024, 512, 256, 128]), ModelOptions.Default);
        Assert.Equal(new ModelOptions([3, 4]), new ModelOptions(new List<int> { 3, 4 }));
        Assert.NotEqual(new ModelOptions([3, 4]), new ModelOptions([3, 4], MlpActivation.Relu));
        Assert.Equal(new ModelOptions([3, 4]).GetHashCode(), new ModelOptions(new List<int> { 3, 4 }).GetHashCode());
    }
}
