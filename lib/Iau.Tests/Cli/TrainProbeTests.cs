using Iau.Experiments;
using Iau.Runtime;
using Iau.Tests.Data;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Tests.Cli;

/// <summary>
/// Training and unlearning results that would be silently wrong (issue 25): a diverged model saved as if it were
/// fine, a bad recipe inside a checkpoint, cached IAU on a checkpoint that cannot feed it, a negative peak memory.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class TrainProbeTests(TrainedCheckpointFixture fx) : IClassFixture<TrainedCheckpointFixture>, IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Theory]
    [InlineData("1", "64", "the training loss of epoch 1 is NaN")] // one epoch: the checkpoint was saved with NaN weights
    [InlineData("2", "64", "the training loss of epoch 1 is NaN")] // stops at once, before epoch 2's step overflows
    [InlineData("1", "8", "step overflowed the 32-bit weights")] // 30 steps in epoch 1: libtorch refuses step 8
    public void Train_with_lr_1e308_says_it_diverged_and_saves_nothing(string epochs, string batch, string what)
    {
        var model = tmp.File("nan.ckpt");
        var r = CliRunner.Run(["train", "--model", "logreg", "--max-epochs", epochs, "--batch", batch, "--lr", "1e308", "--out", model, .. fx.DataArgs]);
        var line = CliProbe.Fails(r, 1, model, "training diverged", what, "learning rate 1E+308", "--lr");
        Assert.Contains("no checkpoint was written", line);
        Assert.False(File.Exists(model), "a checkpoint with NaN weights was written");
        Assert.False(File.Exists(model + ".state"), "the diverged run's resume state was left behind");
    }

    [Fact]
    public void A_checkpoint_whose_stored_learning_rate_is_negative_is_named_as_the_source()
    {
        var bad = tmp.File("bad-lr.ckpt");
        using (var original = Checkpoint.Load(fx.Model))
        {
            Checkpoint.Save(bad, original.Model, original.Metadata with { Training = original.Metadata.Training! with { LearningRate = -1 } });
        }

        File.Copy(TrainedModel.SplitPathFor(fx.Model), TrainedModel.SplitPathFor(bad));
        var line = CliProbe.Fails(CliRunner.Run(["unlearn", "--model", bad, "--method", "retrain", .. fx.DataArgs]), 1, bad, "training recipe stored in the checkpoint", "training.learningRate", "-1");
        Assert.Contains("Learning rate must be positive", line);
    }

    [Fact]
    public void Cached_iau_is_left_out_of_all_and_refused_by_name_on_a_checkpoint_without_the_gradient()
    {
        Assert.DoesNotContain("gradcache.count", Checkpoint.ReadMetadata(fx.Model).ExtraTensors);
        var error = new StringWriter();
        var all = Iau.Cli.Commands.UnlearnCommand.MethodNames("all", fx.Model, error);
        Assert.DoesNotContain("iau-cached", all);
        Assert.Contains("iau", all);
        Assert.Contains("stores no training gradient", error.ToString());
        Assert.Contains("--store-gradient", error.ToString());

        // By name it is refused before any method runs (ga would have run first).
        var r = CliRunner.Run(["unlearn", "--model", fx.Model, "--method", "ga,iau-cached", .. fx.DataArgs]);
        CliProbe.Fails(r, 1, fx.Model, "iau-cached", "--store-gradient");
        Assert.DoesNotContain("running ga", r.Out);
    }

    [Fact]
    public void Bench_peak_memory_above_baseline_is_never_negative()
    {
        TestRuntime.Ensure();

        // What made the old row negative: memory held at the baseline reading and freed by the GC that starts the
        // phase. The phase's baseline is taken after that GC, so its peak cannot fall below it.
        var garbage = new byte[64 << 20];
        Array.Fill(garbage, (byte)1);
        GC.KeepAlive(garbage);
        garbage = null;
        using (var phase = MemoryPhase.Start())
        {
            Assert.NotNull(phase);
            var m = phase!.Stop();
            Assert.True(m.PeakBytes >= m.BaselineBytes, m.ToString());
            Assert.True(m.AboveBaselineMiB >= 0, m.ToString());
        }

        // A native allocation inside the phase shows in its peak.
        using (var phase = MemoryPhase.Start()!)
        {
            using (var t = TorchSharp.torch.ones(32L << 20, dtype: TorchSharp.torch.float32))
            {
                Thread.Sleep(50);
            }

            Assert.True(phase.Stop().AboveBaselineMiB >= 100, phase.Stop().ToString()); // 128 MiB of floats
        }

        using var session = UnlearnSession.Open(fx.Model, null, new Iau.Data.LoadOptions(Path: fx.DataDir, AllowDownload: false, VerifyChecksums: false));
        var rows = Benchmarks.Unlearn(session, [UnlearningMethods.Create("iau")]);
        var memory = rows.Where(r => r.Name.StartsWith("IAU peak memory above baseline", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, memory.Count);
        Assert.All(memory, r => Assert.True(r.Value >= 0 && r.PeakMemoryMiB >= r.Value, $"{r.Name}: {r.Value} MiB ({r.Notes})"));
        Assert.All(memory, r => Assert.Contains("after a GC", r.Notes));
    }
}

/// <summary>
/// Tests that read the process's resident memory (VmRSS/VmHWM) run alone: a test beside them freeing memory would lower
/// the process-wide reading inside their phase (seen: a 128 MiB tensor measured as 94 MiB above the baseline).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process memory";
}
