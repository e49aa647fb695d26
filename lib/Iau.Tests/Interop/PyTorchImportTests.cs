using Iau.Interop;
using Iau.Models;
using Iau.Tests.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Iau.Tests.Interop;

/// <summary>
/// PyTorch state_dicts in and out: the fixtures made by python3-torch load into the kit's models and reproduce
/// PyTorch's logits; exports read back bitwise and reproduce the same logits.
/// </summary>
public class PyTorchImportTests
{
    private readonly ITestOutputHelper output;

    public PyTorchImportTests(ITestOutputHelper output)
    {
        this.output = output;
        TestRuntime.Ensure();
    }

    public static TheoryData<string> Models() => new() { "lenet5", "mlp", "logreg", "resnet18", "vgg19" };

    private static IauModel ImportFixture(string model) =>
        PyTorchModels.Import(PyTorchFixture.StateFile(model), model, PyTorchFixture.InputShape(model), PyTorchFixture.Classes(model));

    private static Tensor Logits(IauModel model, Tensor x)
    {
        using (no_grad())
        {
            return model.call(x);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Fixture_reproduces_the_logits_pytorch_computed(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ImportFixture(name);
        var logits = Logits(model, PyTorchFixture.Input(name));
        var expected = PyTorchFixture.ExpectedLogits(name);
        var diff = (logits - expected).abs().max().item<float>();
        var scale = expected.abs().max().item<float>();
        output.WriteLine($"{name}: {model}; max |logit − PyTorch's| = {diff:E2} (largest |logit| {scale:F3})");
        Assert.True(diff < 1e-4 * Math.Max(1, scale), $"{name}: max abs logit difference {diff}");
        if (name == "lenet5")
        {
            // The kit's argmax is PyTorch's on every image of the batch.
            Assert.Equal(expected.argmax(1).data<long>().ToArray(), logits.argmax(1).data<long>().ToArray());
        }
    }

    [Fact]
    public void Widths_and_hidden_layers_are_read_from_the_file()
    {
        using var mlp = ImportFixture("mlp");
        Assert.Equal([16, 8], mlp.Options.EffectiveMlpHidden);
        Assert.Equal(MlpActivation.Tanh, mlp.Options.Activation);
        using var resnet = ImportFixture("resnet18");
        Assert.Equal(2, resnet.Options.EffectiveBaseWidth);
        using var vgg = ImportFixture("vgg19");
        Assert.Equal(2, vgg.Options.EffectiveBaseWidth);
        Assert.False(resnet.training);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Export_reads_back_bitwise_and_gives_the_same_logits(string name)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var model = ImportFixture(name);
        var path = folder.File(name + ".pt");
        PyTorchModels.Export(model, path);
        Assert.Equal([name + ".pt"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        PyTorchFixture.Keep(path, name + ".pt");

        // The exported file holds exactly the PyTorch file's tensors: same names, types, shapes, bits.
        var original = PyTorchStateDict.Read(PyTorchFixture.StateFile(name));
        var exported = PyTorchStateDict.Read(path);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), exported.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, t) in original)
        {
            Assert.True(ModuleExtensions.BitwiseEqual(t, exported[key]), $"{name}: '{key}' differs after export");
        }

        using var again = PyTorchModels.Import(path, name, PyTorchFixture.InputShape(name), PyTorchFixture.Classes(name));
        Assert.True(again.StateEquals(model));
        var x = PyTorchFixture.Input(name);
        Assert.True(ModuleExtensions.BitwiseEqual(Logits(model, x), Logits(again, x)));
        output.WriteLine($"{name}: {original.Count} tensors, export {new FileInfo(path).Length:N0} bytes, bitwise equal after the round trip");
    }

    [Theory]
    [InlineData("lenet5", new long[] { 3, 32, 32 }, 10)]
    [InlineData("mlp", new long[] { 600 }, 100)]
    [InlineData("logreg", new long[] { 1, 28, 28 }, 10)]
    [InlineData("resnet18", new long[] { 1, 28, 28 }, 10)]
    [InlineData("vgg19", new long[] { 3, 32, 32 }, 100)]
    public void Models_the_kit_made_survive_export_and_import(string name, long[] shape, int classes)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var options = new ModelOptions(MlpHidden: [32, 16], Activation: MlpActivation.Relu, BaseWidth: 4);
        using var model = ModelFactory.Create(name, shape, classes, seed: 5, options);
        if (name is "resnet18" or "vgg19")
        {
            model.train();
            using (no_grad())
            {
                model.call(randn([6, .. shape]) * 3); // batch-norm statistics that are not the defaults
            }
        }

        model.eval();
        var path = folder.File("m.pt");
        PyTorchModels.Export(model, path);
        using var back = PyTorchModels.Import(path, name, shape, classes, name == "mlp" ? MlpActivation.Relu : MlpActivation.Tanh);
        Assert.True(back.StateEquals(model), $"{name}: state differs after export and import");
        Assert.Equal(model.ToString(), back.ToString());
        if (name == "mlp")
        {
            Assert.Equal(options.EffectiveMlpHidden, back.Options.EffectiveMlpHidden);
        }
        else if (name is "resnet18" or "vgg19")
        {
            Assert.Equal(4, back.Options.EffectiveBaseWidth);
        }

        var x = randn([3, .. shape]);
        Assert.True(ModuleExtensions.BitwiseEqual(Logits(model, x), Logits(back, x)));
    }

    [Fact]
    public void Layout_names_match_the_pytorch_definitions()
    {
        using var lenet = ModelFactory.Create("lenet5", [1, 28, 28], 10, 0);
        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"],
            PyTorchLayout.Names(lenet).Select(n => n.PyTorch));
        using var logreg = ModelFactory.Create("logreg", [20], 5, 0);
        Assert.Equal(["weight", "bias"], PyTorchLayout.Names(logreg).Select(n => n.PyTorch));
        using var mlp = ModelFactory.Create("mlp", [20], 5, 0, new ModelOptions(MlpHidden: [16, 8]));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], PyTorchLayout.Names(mlp).Select(n => n.PyTorch));
        using var resnet = ModelFactory.Create("resnet18", [3, 32, 32], 10, 0, new ModelOptions(BaseWidth: 2));
        var names = PyTorchLayout.Names(resnet).Select(n => n.PyTorch).ToList();
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer2.0.downsample.1.num_batches_tracked", names);
        Assert.Contains("fc.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("shortcut", StringComparison.Ordinal) || n.StartsWith("linear", StringComparison.Ordinal));

        // Every name of the PyTorch files is one the kit's model of that architecture has, and the other way round.
        foreach (var model in new[] { "resnet18", "vgg19", "mlp", "logreg", "lenet5" })
        {
            var file = PyTorchStateDict.Read(PyTorchFixture.StateFile(model));
            using var m = ImportFixture(model);
            Assert.Equal(file.Keys.Order(StringComparer.Ordinal), PyTorchLayout.Names(m).Select(n => n.PyTorch).Order(StringComparer.Ordinal));
            foreach (var t in file.Values)
            {
                t.Dispose();
            }
        }
    }
}
