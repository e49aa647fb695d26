using System.Text.Json;
using System.Text.Json.Serialization;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Training;

public class CheckpointTests
{
    public CheckpointTests()
    {
        TestRuntime.Ensure();
    }

    private static CheckpointMetadata Metadata(IauModel model) => CheckpointMetadata.For(model, "fashion-mnist", "split:abc123") with
    {
        Training = TrainingOptions.PaperWithGr with { Seed = 3 },
        Metrics = new Dictionary<string, double> { ["testAccuracy"] = 0.875, ["mia"] = double.NaN },
        History = [new EpochRecord(1, 0.9, 0.7, 0.71, 0.8, 0.25, 1.5, 1000), new EpochRecord(2, 0.6, 0.8, null, null, 0, 1.4, 1100)],
        Notes = "unit test",
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static string Json(CheckpointMetadata m) => JsonSerializer.Serialize(m, JsonOptions);

    [Fact]
    public void Round_trip_is_bitwise_exact_with_metadata_and_extras()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create("resnet18", [1, 8, 8], 3, seed: 2, new ModelOptions(BaseWidth: 4));
        model.train();
        using (no_grad())
        {
            model.call(randn(4, 1, 8, 8)); // non-trivial batch-norm statistics
        }

        var extras = new Dictionary<string, Tensor>
        {
            ["meanGradient"] = randn(5, 7, dtype: ScalarType.Float64),
            ["indices"] = arange(10),
        };
        var path = folder.File("m.ckpt");
        var written = Checkpoint.Save(path, model, Metadata(model), extras);

        Assert.Equal(["m.ckpt"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.Equal(["meanGradient", "indices"], written.ExtraTensors);
        Assert.Equal(Checkpoint.KitVersion, written.KitVersion);
        using var loaded = Checkpoint.Load(path, CheckpointExpectation.For(model, "fashion-mnist", "split:abc123"));
        Assert.IsType<ResNet18>(loaded.Model);
        Assert.True(loaded.Model.StateEquals(model));
        Assert.False(loaded.Model.training);
        Assert.Equal(Json(written), Json(loaded.Metadata));
        Assert.Equal(Json(written), Json(Checkpoint.ReadMetadata(path)));
        Assert.True(double.IsNaN(loaded.Metadata.Metrics["mia"]));
        Assert.Equal(extras.Keys, loaded.Extras.Keys);
        foreach (var (name, t) in extras)
        {
            Assert.True(ModuleExtensions.BitwiseEqual(t, loaded.Extras[name]), name);
        }

        using var target = ModelFactory.Create("resnet18", [1, 8, 8], 3, seed: 99, new ModelOptions(BaseWidth: 4));
        var meta = Checkpoint.LoadInto(path, target);
        Assert.True(target.StateEquals(model));
        Assert.Equal("split:abc123", meta.SplitFingerprint);
    }

    [Fact]
    public void Mismatch_lists_exactly_the_differing_fields()
    {
        using var folder = new TempFolder();
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 0);
        var path = folder.File("lenet.ckpt");
        Checkpoint.Save(path, model, Metadata(model));

        var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(
            path, new CheckpointExpectation("mlp", [1, 28, 28], 100, "cifar10", "split:abc123")));
        Assert.Equal(["model", "classes", "dataset"], e.Differences.Select(d => d.Field));
        Assert.Contains(path, e.Message);
        Assert.Contains("model: expected 'mlp', found 'lenet5'", e.Message);
        Assert.Contains("classes: expected 100, found 10", e.Message);
        Assert.Contains("dataset: expected 'cifar10', found 'fashion-mnist'", e.Message);

        using var wide = ModelFactory.Create("lenet5", [3, 32, 32], 10, seed: 0);
        var into = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.LoadInto(path, wide, new CheckpointExpectation(SplitFingerprint: "split:other")));
        Assert.Equal(["inputShape", "splitFingerprint"], into.Differences.Select(d => d.Field));
        Assert.Contains("inputShape: expected [3,32,32], found [1,28,28]", into.Message);
    }

    [Fact]
    public void Save_refuses_metadata_of_another_model()
    {
        using var folder = new TempFolder();
        using var model = ModelFactory.Create("logreg", [6], 3, seed: 0);
        using var other = ModelFactory.Create("logreg", [6], 4, seed: 0);
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(folder.File("x.ckpt"), model, Metadata(other)));
        Assert.Contains("classes", e.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Truncated_corrupt_missing_and_wrong_kind_files_name_the_file()
    {
        using var folder = new TempFolder();
        using var model = ModelFactory.Create("logreg", [6], 3, seed: 0);
        var path = folder.File("ok.ckpt");
        Checkpoint.Save(path, model, Metadata(model));
        var bytes = File.ReadAllBytes(path);

        var truncated = folder.File("truncated.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var t = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(truncated));
        Assert.Equal(truncated, t.File);
        Assert.Contains(truncated, t.Message);
        Assert.Contains("truncated", t.Message);

        var tiny = folder.File("tiny.ckpt");
        File.WriteAllBytes(tiny, bytes[..10]);
        Assert.Contains(tiny, Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(tiny)).Message);
        Assert.Contains(tiny, Assert.Throws<CheckpointFormatException>(() => Checkpoint.ReadMetadata(tiny)).Message);

        var corrupt = folder.File("corrupt.ckpt");
        var flipped = (byte[])bytes.Clone();
        flipped[^100] ^= 0x40;
        File.WriteAllBytes(corrupt, flipped);
        var c = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(corrupt));
        Assert.Contains(corrupt, c.Message);
        Assert.Contains("checksum", c.Message);

        var missing = folder.File("missing.ckpt");
        Assert.Contains(missing, Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(missing)).Message);

        var notCheckpoint = folder.File("text.ckpt");
        File.WriteAllText(notCheckpoint, new string('x', 200));
        Assert.Contains("not an IAU checkpoint", Assert.Throws<CheckpointFormatException>(() => Checkpoint.ReadMetadata(notCheckpoint)).Message);

        using var train = SyntheticData.Blobs(16, [6], 3, seed: 0);
        var state = folder.File("run.state");
        new Trainer(new TrainingOptions(MaxEpochs: 1, Patience: null)).Train(model, train, statePath: state);
        var kind = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(state));
        Assert.Contains("is a training state", kind.Message);

        var brokenState = folder.File("broken.state");
        File.WriteAllBytes(brokenState, File.ReadAllBytes(state)[..^5]);
        using var again = ModelFactory.Create("logreg", [6], 3, seed: 0);
        Assert.Contains(brokenState, Assert.Throws<CheckpointFormatException>(() =>
            new Trainer(new TrainingOptions(MaxEpochs: 1, Patience: null)).Train(again, train, statePath: brokenState)).Message);
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_replaces_it_atomically()
    {
        using var folder = new TempFolder();
        using var a = ModelFactory.Create("logreg", [6], 3, seed: 1);
        using var b = ModelFactory.Create("logreg", [6], 3, seed: 2);
        var path = folder.File("m.ckpt");
        Checkpoint.Save(path, a, Metadata(a));
        Checkpoint.Save(path, b, Metadata(b) with { Notes = "second" });
        Assert.Single(Directory.GetFiles(folder.Path));
        using var loaded = Checkpoint.Load(path);
        Assert.True(loaded.Model.StateEquals(b));
        Assert.Equal("second", loaded.Metadata.Notes);
        Assert.Equal(2, loaded.Metadata.ModelSeed);
    }

    [Fact]
    public void Float64_models_round_trip_in_float64()
    {
        using var folder = new TempFolder();
        using var model = ModelFactory.Create("mlp", [4], 3, seed: 1, new ModelOptions([5]));
        model.to(ScalarType.Float64);
        var path = folder.File("d.ckpt");
        Checkpoint.Save(path, model, Metadata(model));
        using var loaded = Checkpoint.Load(path);
        Assert.Equal(ScalarType.Float64, loaded.Model.DType);
        Assert.True(loaded.Model.StateEquals(model));
    }
}
