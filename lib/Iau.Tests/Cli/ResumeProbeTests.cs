using Iau.Data;
using Iau.Experiments;
using Iau.Tests.Data;
using Iau.Training;

namespace Iau.Tests.Cli;

/// <summary>`iau train` resumes only the run its .state belongs to: same options, same data, same split.</summary>
public sealed class ResumeProbeTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string data;
    private readonly string model;

    public ResumeProbeTests()
    {
        TestRuntime.Ensure();
        data = tmp.File("data");
        CliProbe.WriteLearnable(data, train: 200, test: 40);
        model = tmp.File("m.ckpt");
    }

    public void Dispose() => tmp.Dispose();

    private string State => model + ".state";

    private (int Code, string Out, string Err) Train(string dataDir, params string[] more) =>
        CliRunner.Run(["train", "--model", "logreg", "--max-epochs", "3", "--out", model, "--data-path", dataDir, "--no-verify", "--no-download", "--threads", "1", .. more]);

    /// <summary>What `iau train --model logreg --max-epochs 3` (all other options default) does, stopped after epoch 1.</summary>
    private void TrainOneEpochThenStop()
    {
        var loaded = DatasetLoader.Load("fashion-mnist", new LoadOptions(Path: data, AllowDownload: false, VerifyChecksums: false));
        var split = DataSplit.Create(loaded, new SplitOptions(0, 0.2, ForgetRequest.ByRatio(0.05, 0)));
        using var tensors = SplitData.Create(loaded, split, TorchSharp.torch.CPU);
        var recipe = TrainingOptions.Paper with { GrAlpha = 0, MaxEpochs = 3, Patience = 10, LearningRate = 1e-3, BatchSize = 64, Seed = 0 };
        using var cts = new CancellationTokenSource();
        var stop = new Progress(cts.Cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => TrainedModel.Train(tensors, new TrainSpec("logreg", recipe), model, stop, cts.Token));
        Assert.True(File.Exists(State));
    }

    [Fact]
    public void A_state_resumes_only_under_its_own_options_data_and_split()
    {
        TrainOneEpochThenStop();
        var stateBytes = File.ReadAllBytes(State);

        // Temporaries of state writes killed half-way: one of a process that no longer runs, one of an older kit.
        var dead = Path.Combine(tmp.Path, $".m.ckpt.state.99999999-{Guid.NewGuid():N}.tmp");
        var old = Path.Combine(tmp.Path, $".m.ckpt.state.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(dead, "half");
        File.WriteAllText(old, "half");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));

        CliProbe.Fails(Train(data, "--lr", "0.01"), 1, State, "learningRate", "0.01", "0.001");
        Assert.False(File.Exists(dead), "stale temporary of a dead writer left behind");
        Assert.False(File.Exists(old), "stale temporary of an older kit left behind");

        var split = CliProbe.Fails(Train(data, "--split-seed", "7"), 1, State, "split seed 7", "split seed 0");
        Assert.Contains("split fingerprint", split);

        var other = tmp.File("other-data");
        FakeFashionMnist.Write(other, train: 200, test: 40); // same sizes, other pixels
        var dataLine = CliProbe.Fails(Train(other), 1, State, "data:");
        Assert.Contains("fingerprint", dataLine);

        // Nothing was written over the state by the refused runs, and the right run resumes from it.
        Assert.Equal(stateBytes, File.ReadAllBytes(State));
        var resumed = Train(data);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains($"resuming from {State}", resumed.Out);
        Assert.DoesNotContain("epoch   1/3", resumed.Out);
        Assert.Contains("epoch   2/3", resumed.Out);
        Assert.False(File.Exists(State));
        Assert.True(File.Exists(model));
    }

    [Fact]
    public void A_damaged_state_is_one_line_naming_it()
    {
        File.WriteAllBytes(State, "IAUCKPT1 but then nothing"u8.ToArray());
        CliProbe.Fails(Train(data), 1, State, "truncated");
        File.WriteAllBytes(State, []);
        CliProbe.Fails(Train(data), 1, State, "empty file");
    }

    private sealed class Progress(Action stop) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => stop();
    }
}
