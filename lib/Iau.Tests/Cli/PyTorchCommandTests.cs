using Iau.Interop;
using Iau.Models;
using Iau.Tests.Data;
using Iau.Tests.Interop;
using Iau.Training;

namespace Iau.Tests.Cli;

/// <summary>
/// `iau import --pytorch` and `iau export --pytorch`: the way in and out works, and every bad input is one error line
/// (exit 1, or 2 for usage) naming the file, found before any data is loaded or anything is written.
/// </summary>
public sealed class PyTorchCommandTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string data;

    public PyTorchCommandTests()
    {
        TestRuntime.Ensure();
        data = Path.Combine(tmp.Path, "data");
        CliProbe.WriteLearnable(data);
    }

    private string[] DataArgs => ["--data-path", data, "--no-verify", "--no-download", "--threads", "1"];

    private static string Lenet => PyTorchFixture.StateFile("lenet5");

    private string Out(string name) => Path.Combine(tmp.Path, name);

    private (int Code, string Out, string Err) Import(string file, string model, string output, params string[] more) =>
        CliRunner.Run(["import", "--pytorch", file, "--model", model, "--dataset", "fashion-mnist", "--out", output, .. DataArgs, .. more]);

    [Fact]
    public void Import_writes_a_checkpoint_and_split_and_export_gives_the_file_back()
    {
        var ckpt = Out("m.ckpt");
        var r = Import(Lenet, "lenet5", ckpt);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("lenet5 input=[1,28,28] classes=10 parameters=44,426", r.Out);
        Assert.Contains("test accuracy", r.Out);
        Assert.Contains("note: the split is the kit's own", r.Err);
        Assert.True(File.Exists(ckpt + ".split.json"));
        var meta = Checkpoint.ReadMetadata(ckpt);
        Assert.Equal("fashion-mnist", meta.Dataset);
        Assert.Contains("imported from the PyTorch state_dict lenet5_gr_fmnist.pt", meta.Notes);
        Assert.Null(meta.Training);

        var pt = Out("back.pt");
        var e = CliRunner.Run(["export", ckpt, "--pytorch", "--out", pt]);
        Assert.True(e.Code == 0, e.Err);
        Assert.Contains("torch.load(path, weights_only=True)", e.Out);
        var original = PyTorchStateDict.Read(Lenet);
        var back = PyTorchStateDict.Read(pt);
        Assert.Equal(original.Keys, back.Keys);
        Assert.All(original, kv => Assert.True(ModuleExtensions.BitwiseEqual(kv.Value, back[kv.Key]), kv.Key));
        Assert.Equal(["back.pt", "m.ckpt", "m.ckpt.split.json"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_mlp_activation_is_an_option_of_the_mlp_only()
    {
        using (var mlp = ModelFactory.Create("mlp", [1, 28, 28], 10, 0, new ModelOptions(MlpHidden: [12], Activation: MlpActivation.Relu)))
        {
            PyTorchModels.Export(mlp, Out("mlp.pt"));
        }

        var r = Import(Out("mlp.pt"), "mlp", Out("mlp.ckpt"), "--activation", "relu", "--split-seed", "3");
        Assert.True(r.Code == 0, r.Err);
        var meta = Checkpoint.ReadMetadata(Out("mlp.ckpt"));
        Assert.Equal([12], meta.ModelOptions.EffectiveMlpHidden);
        Assert.Equal(MlpActivation.Relu, meta.ModelOptions.Activation);
        CliProbe.Fails(Import(Lenet, "lenet5", Out("x.ckpt"), "--activation", "relu"), 2, "--activation applies to --model mlp only");
    }

    [Theory]
    [InlineData("whole_module.pt", "torch.nn.modules.linear.Linear")]
    [InlineData("runs_a_command_global.pt", "posix.system")]
    [InlineData("training_checkpoint.pt", "not a state_dict")]
    [InlineData("legacy_format.pt", "legacy format")]
    public void A_file_that_is_not_a_state_dict_is_one_line_naming_it(string file, string what)
    {
        var path = PyTorchFixture.File(Path.Combine("bad", file));
        CliProbe.Fails(Import(path, "lenet5", Out("x.ckpt")), 1, path, what);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void Weights_that_do_not_fit_are_refused_before_any_data_is_loaded()
    {
        // CIFAR-10 is not installed here: the shapes are checked against its catalog entry, before its files are looked for.
        var r = CliRunner.Run(["import", "--pytorch", Lenet, "--model", "lenet5", "--dataset", "cifar10", "--out", Out("x.ckpt"), "--no-download"]);
        CliProbe.Fails(r, 1, Lenet, "'conv1.weight' has shape [6,1,5,5], expected [6,3,5,5]", "'fc1.weight' has shape [120,256], expected [120,400]");
        CliProbe.Fails(Import(Lenet, "vgg19", Out("x.ckpt")), 1, Lenet, "does not fit vgg19", "Its names look like the lenet5 layout");
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void Usage_and_output_errors()
    {
        CliProbe.Fails(Import(Lenet, "lenet6", Out("x.ckpt")), 2, "lenet6");
        CliProbe.Fails(CliRunner.Run(["import", "--model", "lenet5", "--dataset", "fashion-mnist", "--out", Out("x.ckpt")]), 2, "--pytorch");
        var copy = Out("copy.pt");
        File.Copy(Lenet, copy);
        CliProbe.Fails(Import(copy, "lenet5", copy), 2, "would overwrite the PyTorch file");
        Directory.CreateDirectory(Out("folder.ckpt"));
        CliProbe.Fails(Import(Lenet, "lenet5", Out("folder.ckpt")), 1, "is a folder");
        Assert.Contains("absent.pt", CliProbe.Fails(Import(Out("absent.pt"), "lenet5", Out("x.ckpt")), 1, "file not found"));
        Assert.Equal(File.ReadAllBytes(Lenet), File.ReadAllBytes(copy)); // the input is untouched
    }

    [Fact]
    public void Export_errors()
    {
        var ckpt = Out("m.ckpt");
        Assert.Equal(0, Import(Lenet, "lenet5", ckpt).Code);
        CliProbe.Fails(CliRunner.Run(["export", ckpt, "--out", Out("m.pt")]), 2, "--pytorch");
        CliProbe.Fails(CliRunner.Run(["export", ckpt, "--pytorch", "--out", ckpt]), 2, "would overwrite the checkpoint");
        CliProbe.Fails(CliRunner.Run(["export", ckpt, "--pytorch", "--out", ckpt + ".split.json"]), 2, "would overwrite the checkpoint's split");
        var damaged = Out("damaged.ckpt");
        var bytes = File.ReadAllBytes(ckpt);
        File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
        CliProbe.Fails(CliRunner.Run(["export", damaged, "--pytorch", "--out", Out("d.pt")]), 1, damaged, "truncated");
        CliProbe.Fails(CliRunner.Run(["export", Out("absent.ckpt"), "--pytorch", "--out", Out("a.pt")]), 1, "absent.ckpt", "not found");
        Assert.False(File.Exists(Out("d.pt")));
        Assert.False(File.Exists(Out("a.pt")));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    public void Dispose() => tmp.Dispose();
}
