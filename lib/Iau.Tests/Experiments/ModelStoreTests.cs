using Iau.Data;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Tests.Cli;
using Iau.Tests.Data;
using Iau.Training;

namespace Iau.Tests.Experiments;

/// <summary>The one store of trained models: what enters a key, and that a stored model is trained once.</summary>
public sealed class ModelStoreTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly LoadedDataset data;

    public ModelStoreTests()
    {
        TestRuntime.Ensure();
        var dir = tmp.File("data");
        CliProbe.WriteLearnable(dir, train: 200, test: 40);
        data = DatasetLoader.Load("fashion-mnist", new LoadOptions(Path: dir, AllowDownload: false, VerifyChecksums: false));
    }

    public void Dispose() => tmp.Dispose();

    private SplitData Split(int forgetSeed) =>
        SplitData.Create(data, DataSplit.Standard(data, 0, ForgetRequest.ByRatio(0.05, forgetSeed), null), TorchSharp.torch.CPU);

    private static TrainingOptions Recipe(int epochs = 1) => TrainingOptions.Paper with { GrAlpha = 0, MaxEpochs = epochs, Patience = null, Seed = 0 };

    [Fact]
    public void Keys_name_what_determines_a_model_and_a_stored_model_is_trained_once()
    {
        using var a = Split(forgetSeed: 1);
        using var b = Split(forgetSeed: 2);
        var store = new ModelStore(tmp.File("cache"), TorchSharp.torch.CPU, CancellationToken.None);
        var trainings = 0;
        void Count() => trainings++;

        // The forget set does not enter an original's key; the recipe, the model, the dataset and the tag do.
        var original = store.Original(a, "fashion-mnist", "logreg", Recipe(), 0, "", Count);
        Assert.Equal(original.Path, store.Original(b, "fashion-mnist", "logreg", Recipe(), 0, "", Count).Path);
        Assert.NotEqual(original.Path, store.Original(a, "fashion-mnist", "logreg", Recipe(epochs: 2), 0, "", Count).Path);
        Assert.NotEqual(original.Path, store.Original(a, "fashion-mnist", "mlp", Recipe(), 0, "", Count).Path);
        Assert.NotEqual(original.Path, store.Original(a, "fashion-mnist", "logreg", Recipe(), 0, "/std=0.5", Count).Path);
        Assert.StartsWith("original-logreg-", Path.GetFileName(original.Path), StringComparison.Ordinal);

        using (var first = original.Get())
        {
            Assert.Equal(1, trainings);
            var written = File.GetLastWriteTimeUtc(original.Path);
            // A second store over the same folder finds the file: no training.
            using var again = new ModelStore(tmp.File("cache"), TorchSharp.torch.CPU, CancellationToken.None)
                .Original(b, "fashion-mnist", "logreg", Recipe(), 0, "", Count).Get();
            Assert.Equal(1, trainings);
            Assert.Equal(written, File.GetLastWriteTimeUtc(original.Path));

            // Retrain's key holds the forget set, and the suffix (the official protocol's cell seed).
            var ra = store.Retrained(a, () => first, "logreg", Recipe(), 0, "", "", Count);
            Assert.NotEqual(ra.Path, store.Retrained(b, () => first, "logreg", Recipe(), 0, "", "", Count).Path);
            Assert.NotEqual(ra.Path, store.Retrained(a, () => first, "logreg", Recipe(), 0, "", "/Official/seed=1", Count).Path);
            using (var retrained = ra.Get())
            {
                Assert.Equal(2, trainings);
                Assert.True(retrained.Metadata.Metrics[Metric.UnlearnSeconds] >= 0);
                Assert.StartsWith("retrained on D_r (", retrained.Metadata.Notes, StringComparison.Ordinal);
            }

            // Once stored, the original is not even asked for.
            using (store.Retrained(a, () => throw new InvalidOperationException("the original was asked for"), "logreg", Recipe(), 0, "", "", Count).Get())
            {
                Assert.Equal(2, trainings);
            }

            // Reference models: one file per k, none shared with Retrain's.
            var r0 = store.Reference(a, first, "logreg", Recipe(), 0, "", Count);
            var r1 = store.Reference(a, first, "logreg", Recipe(), 1, "", Count);
            Assert.NotEqual(r0.Path, r1.Path);
            Assert.NotEqual(ra.Path, r0.Path);
            using (var reference = r0.Get())
            {
                Assert.Contains($"init seed {ModelStore.ReferenceSeed}", reference.Metadata.Notes, StringComparison.Ordinal);
            }
        }

        Assert.Equal(["original-logreg-", "reference-logreg-", "retrain-logreg-"],
            Directory.GetFiles(tmp.File("cache"), "*.ckpt").Select(f => Path.GetFileName(f)[..(Path.GetFileName(f).LastIndexOf('-') + 1)]).Order(StringComparer.Ordinal));
    }
}
