using System.Security.Cryptography;
using Iau.Models;
using Iau.Training;
using static TorchSharp.torch;

namespace Iau.Tests.Cli;

/// <summary>Every kind of bad checkpoint given to `iau unlearn`: exit 1, one line naming the file, no stack trace.</summary>
public sealed class CheckpointProbeTests(TrainedCheckpointFixture fx) : IClassFixture<TrainedCheckpointFixture>
{
    private string Bad(string name, byte[] bytes)
    {
        var path = Path.Combine(fx.Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private (int Code, string Out, string Err) Unlearn(string model) => CliRunner.Run(["unlearn", "--model", model, .. fx.DataArgs]);

    [Theory]
    [InlineData("truncated", "truncated")]
    [InlineData("flipped", "checksum")]
    [InlineData("zero-length", "empty file")]
    [InlineData("random", "not an IAU checkpoint")]
    [InlineData("text", "not an IAU checkpoint")]
    public void Damaged_checkpoint_is_one_line_naming_the_file(string kind, string problem)
    {
        var good = File.ReadAllBytes(fx.Model);
        var bytes = kind switch
        {
            "truncated" => good[..(good.Length / 2)],
            "flipped" => FlipOne(good, good.Length / 2),
            "zero-length" => [],
            "random" => RandomBytes(4096),
            _ => "epoch,loss\n1,0.5\n"u8.ToArray(),
        };
        var path = Bad($"{kind}.ckpt", bytes);
        CliProbe.Fails(Unlearn(path), 1, path, problem);
    }

    [Fact]
    public void Missing_file_and_folder_are_named()
    {
        var missing = Path.Combine(fx.Folder, "absent.ckpt");
        CliProbe.Fails(Unlearn(missing), 1, missing, "not found");
        var folder = Path.Combine(fx.Folder, "folder.ckpt");
        Directory.CreateDirectory(folder);
        CliProbe.Fails(Unlearn(folder), 1, folder, "is a folder");
    }

    [Fact]
    public void Training_state_given_as_model_is_explained()
    {
        TestRuntime.Ensure();
        var path = Path.Combine(fx.Folder, "x.ckpt.state");
        CheckpointFile.Write(path, "training-state", "{}", []);
        CliProbe.Fails(Unlearn(path), 1, path, "training state");
    }

    [Fact]
    public void Weights_of_another_architecture_under_a_valid_checksum_are_refused()
    {
        TestRuntime.Ensure();
        // The header says LeNet5 but the weights (checksummed correctly) are the logistic regression's.
        var meta = Checkpoint.ReadMetadata(fx.Model);
        using var logreg = ModelFactory.Create("logreg", [1, 28, 28], 10, 0);
        var lenet = meta with { Model = "lenet5" };
        var path = Path.Combine(fx.Folder, "other-arch.ckpt");
        CheckpointFile.Write(path, Checkpoint.ModelKind, CheckpointJson.Serialize(lenet),
            [new("weights", logreg.state_dict(), null), new("extras", new Dictionary<string, Tensor>(), null)]);
        CliProbe.Fails(Unlearn(path), 1, path, "do not fit");
    }

    [Fact]
    public void Class_count_other_than_the_datasets_is_refused()
    {
        TestRuntime.Ensure();
        var meta = Checkpoint.ReadMetadata(fx.Model);
        using var wide = ModelFactory.Create("logreg", [1, 28, 28], 100, 0);
        var path = Path.Combine(fx.Folder, "classes.ckpt");
        Checkpoint.Save(path, wide, CheckpointMetadata.For(wide, meta.Dataset, meta.SplitFingerprint) with { Training = meta.Training });
        File.Copy(fx.Model + ".split.json", path + ".split.json", overwrite: true);
        CliProbe.Fails(Unlearn(path), 1, path, "classes: expected 10, found 100");
    }

    [Fact]
    public void Unlearn_refuses_to_write_over_its_input_and_leaves_it_untouched()
    {
        var before = SHA256.HashData(File.ReadAllBytes(fx.Model));
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--out", fx.Model, .. fx.DataArgs]), 2, "would overwrite the model");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, fx.Model + ".split.json");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--out", relative, .. fx.DataArgs]), 2, "would overwrite the model's split");
        var folder = Path.GetDirectoryName(fx.Model)!;
        var copy = Path.Combine(folder, "iau.ckpt");
        File.Copy(fx.Model, copy, overwrite: true);
        File.Copy(fx.Model + ".split.json", copy + ".split.json", overwrite: true);
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", copy, "--method", "iau,ga", "--out", folder, .. fx.DataArgs]), 2, "would overwrite the model");
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(fx.Model)));
    }

    [Fact]
    public void Method_and_option_mistakes_are_usage_errors()
    {
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "", .. fx.DataArgs]), 2, "--method");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "iau,,ga", .. fx.DataArgs]), 2, "empty method name");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "iua", .. fx.DataArgs]), 2, "'iua'");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--opt", "lr=0.1", "--opt", "lr=0.2", .. fx.DataArgs]), 2, "--opt lr");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--opt", "lr", .. fx.DataArgs]), 2, "key=value");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--split-seed", "7", .. fx.DataArgs]), 2, "--split-seed");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", fx.Model, "--no-such-option", .. fx.DataArgs]), 2, "--no-such-option");
    }

    [Fact]
    public void A_model_destroyed_by_the_update_is_reported_at_chance()
    {
        var ok = CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "iau", .. fx.DataArgs]);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.DoesNotContain("warning:", ok.Err);
        var collapsed = CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "ga", "--opt", "lr=1e9", .. fx.DataArgs]);
        Assert.True(collapsed.Code == 0, collapsed.Err);
        Assert.Contains("warning: ga left the model at chance", collapsed.Err);
    }

    [Fact]
    public void Chance_rule_needs_a_model_that_was_better_than_chance()
    {
        Assert.True(Iau.Cli.Commands.UnlearnCommand.AtChance(0.1, 0.9, 10));
        Assert.False(Iau.Cli.Commands.UnlearnCommand.AtChance(0.5, 0.9, 10));
        Assert.False(Iau.Cli.Commands.UnlearnCommand.AtChance(0.1, 0.12, 10)); // never learnt: nothing fell
    }

    private static byte[] FlipOne(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x5A;
        return copy;
    }

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(7).NextBytes(b);
        return b;
    }
}
