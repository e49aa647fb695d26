using Iau.Audit;
using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Tests.Data;
using Iau.Tests.Training;
using Iau.Training;
using TorchSharp;

namespace Iau.Tests.Audit;

public sealed class ForgettingAuditTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string dataDir;

    public ForgettingAuditTests()
    {
        TestRuntime.Ensure();
        dataDir = Path.Combine(tmp.Path, "fashion-mnist");
        WriteNoise(dataDir, train: 300, test: 60);
    }

    /// <summary>
    /// Fashion-MNIST-format files of seeded random pixels and labels: nothing to generalise, everything to memorise,
    /// so a model trained on D_f is clearly more confident on it than one that never saw it.
    /// </summary>
    private static void WriteNoise(string dir, int train, int test)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(11);
        byte[] Images(int n)
        {
            var b = new byte[n * 28 * 28];
            rng.NextBytes(b);
            return FormatWriters.Idx([n, 28, 28], b);
        }

        byte[] Labels(int n) => FormatWriters.IdxLabels(Enumerable.Range(0, n).Select(_ => (byte)rng.Next(10)).ToArray());
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte.gz"), FormatWriters.Gzip(Images(train)));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), FormatWriters.Gzip(Labels(train)));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), FormatWriters.Gzip(Images(test)));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), FormatWriters.Gzip(Labels(test)));
    }

    public void Dispose() => tmp.Dispose();

    private AuditOptions Options(string outDir, IReadOnlyList<string> methods, int shard = 0, int shards = 1, PoolDesign design = PoolDesign.B) => new(
        methods,
        Path.Combine(tmp.Path, outDir),
        Model: "logreg",
        Pool: 8,
        Design: design,
        ShardIndex: shard,
        ShardCount: shards,
        Training: TrainingOptions.Paper with { MaxEpochs = 50, Patience = null, LearningRate = 1e-2 },
        TrainLimit: 240,
        ForgetRatio: 0.1,
        Workers: 2,
        BootstrapSamples: 100,
        Load: new LoadOptions(Path: dataDir, AllowDownload: false, VerifyChecksums: false));

    [Fact]
    public void Retrained_models_as_the_unlearned_pool_score_near_the_floor_and_the_original_lower_and_reruns_are_cached()
    {
        // N = 12: F's intervals resample the models, and at N = 8 they are too wide to part the floors.
        var o = Options("out", ["retrain", "ga"]) with { Pool = 12 };
        var first = ForgettingAudit.Run(o);
        Assert.Equal(12 + 12 + 12 + 12, first.ModelsBuilt); // originals, retrained, the floor's second retrained pool, ga
        var rows = first.Rows!.ToDictionary(r => r.Name);
        var floor = rows[ForgettingAudit.RetrainFloor];
        var retrain = rows["retrain"];
        var original = rows[ForgettingAudit.OriginalFloor];
        // Every pool at the same N, so the floors are on one scale; "retrain" as a method is the floor's pool.
        Assert.All(rows.Values, r => Assert.Equal((12, 12), (r.Models, r.ReferenceModels)));
        Assert.Equal(floor.Forget, retrain.Forget);
        Assert.True(original.Forget.Value < 0.6 * retrain.Forget.Value, $"original F {original.Forget.Value:F3} (FA {original.ForgetAccuracy:F3}), retrain F {retrain.Forget.Value:F3} (FA {retrain.ForgetAccuracy:F3}), floor {floor.Forget.Value:F3}");
        Assert.True(original.ULira.Auc > retrain.ULira.Auc, $"U-LiRA AUC original {original.ULira.Auc:F3}, retrain {retrain.ULira.Auc:F3}");
        Assert.True(File.Exists(Path.Combine(o.OutDir, "audit.md")));
        Assert.Equal(rows.Keys, ForgettingAudit.ReadRows(o.OutDir).Select(r => r.Name));

        // Models that memorise noise: the floors separate, and the reading places the pools between them.
        var reading = AuditReading.Sentences(first.Rows!);
        Assert.True(reading[1].StartsWith("The floors separate", StringComparison.Ordinal), $"original {original.Forget}, floor {floor.Forget}: {reading[1]}");
        Assert.Contains(reading, s => s.StartsWith("retrain: F = ", StringComparison.Ordinal) && s.Contains("1.00 of the way", StringComparison.Ordinal));
        Assert.Contains(reading[1], File.ReadAllText(Path.Combine(o.OutDir, "audit.md")), StringComparison.Ordinal);

        var second = ForgettingAudit.Run(o);
        Assert.Equal(0, second.ModelsBuilt);
        Assert.Equal(first.Rows!.Select(r => r.Forget), second.Rows!.Select(r => r.Forget));
    }

    [Fact]
    public void The_plan_lists_what_is_left_and_estimates_from_the_times_the_audit_recorded()
    {
        var o = Options("plan", ["ga"]) with { Workers = 1 };
        var otherFolder = o with { OutDir = Path.Combine(tmp.Path, "plan-again") };
        using (var data = ForgettingAudit.Prepare(o))
        {
            var fresh = ForgettingAudit.Estimate(o, data);
            Assert.Equal(["original", "retrain", "ga"], fresh.Rows.Select(r => r.Method));
            Assert.Equal([8, 16, 8], fresh.Rows.Select(r => r.Pending));
            Assert.All(fresh.Rows, r => Assert.Equal(0, r.Done));
            ForgettingAudit.Run(o, data);
            var after = ForgettingAudit.Estimate(o, data);
            Assert.Equal(0, after.Pending);
            Assert.Equal(0, after.WallSeconds);
            Assert.Equal([8, 16, 8], after.Rows.Select(r => r.Done));

            // Another folder with the same options: every kind now has recorded times, and the wall time on one worker
            // is the sum of the per-model estimates.
            var again = ForgettingAudit.Estimate(otherFolder, data);
            Assert.Equal(0, again.Unmeasured);
            Assert.All(again.Rows, r => Assert.True(r.SecondsEach > 0));
            Assert.Equal(again.Rows.Sum(r => r.Pending * r.SecondsEach), again.WallSeconds, 6);
        }

        var logged = File.ReadLines(Iau.Runtime.TimingLog.Path).Where(l => l.Contains("\"audit-model\"", StringComparison.Ordinal)).ToList();
        Assert.True(logged.Count >= 32, $"{logged.Count} audit-model records in the timing log");
        Assert.All(logged, l => Assert.Contains("\"Work\":", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Shards_merge_into_the_same_scores_as_one_run()
    {
        var methods = new[] { "ga" };
        // The same workers (one libtorch thread per model) as the shards: F's model bootstrap reads confidences at grid
        // thresholds, so a one-worker run's two-thread rounding could move a bound in the third decimal.
        var whole = ForgettingAudit.Run(Options("whole", methods));
        var s1 = ForgettingAudit.Run(Options("s1", methods, 0, 2));
        var s2 = ForgettingAudit.Run(Options("s2", methods, 1, 2));
        Assert.Null(s1.Rows);
        Assert.True(s1.Missing > 0);
        Assert.Null(s2.Rows);
        var merged = Options("merged", methods);
        Assert.Equal(Directory.GetFiles(Path.Combine(merged.OutDir, "..", "s1", "pool"), "*.json").Length
                     + Directory.GetFiles(Path.Combine(merged.OutDir, "..", "s2", "pool"), "*.json").Length,
            new PoolStore(merged.OutDir).Merge([s1.Options.OutDir, s2.Options.OutDir]));
        var joined = ForgettingAudit.Run(merged);
        Assert.Equal(0, joined.ModelsBuilt);
        Assert.Equal(whole.Rows!.Select(r => (r.Name, r.Forget, r.ULira)), joined.Rows!.Select(r => (r.Name, r.Forget, r.ULira)));
    }

    [Fact]
    public void Design_a_runs_a_deterministic_method_from_one_original_and_says_so()
    {
        var result = ForgettingAudit.Run(Options("a", ["iau"], design: PoolDesign.A));
        var iau = result.Rows!.Single(r => r.Name == "iau");
        Assert.Contains("identical", iau.Note);
        Assert.All(iau.Epsilons, e => Assert.Equal(EpsilonScore.Cap, e));
        Assert.Equal(0, iau.Forget.Value);
    }

    [Fact]
    public void A_method_that_diverges_is_stored_and_scored_as_diverged_instead_of_stopping_the_audit()
    {
        var o = Options("diverged", ["ga"]) with { MethodOptions = new Dictionary<string, IReadOnlyList<string>> { ["ga"] = ["lr=1e38", "epochs=3"] } };
        var ga = ForgettingAudit.Run(o).Rows!.Single(r => r.Name == "ga");
        Assert.Contains("8 of 8 models diverged", ga.Note, StringComparison.Ordinal);
        Assert.True(double.IsNaN(ga.Forget.Value));
        Assert.InRange(ga.TestAccuracy, 0, 1);
        Assert.Equal(8, Directory.GetFiles(new PoolStore(o.OutDir).Directory, "*.json").Select(PoolStore.Read).Count(r => r.Method == "ga" && r.Confidences.Any(double.IsNaN)));
    }

    /// <summary>A pool record of 40 forget examples with confidences rising with the index plus noise and <paramref name="shift"/> (NaN and accuracies of 0.1 when diverged).</summary>
    private static PoolRecord RandomRecord(Random rng, string kind, int seed, bool diverged, double shift) => new(
        $"{kind}{seed}", kind, kind, seed,
        [.. Enumerable.Range(0, 40).Select(i => diverged ? double.NaN : i * 0.1 + shift + rng.NextDouble())],
        diverged ? 0.1 : 0.9, diverged ? 0.1 : 0.8, 0.5, 1, "test");

    [Fact]
    public void Diverged_models_are_left_out_of_the_scores_with_the_reference_model_of_the_same_index()
    {
        var rng = new Random(3);
        PoolRecord Model(string kind, int seed, bool diverged = false, double shift = 0) => RandomRecord(rng, kind, seed, diverged, shift);
        var reference = Enumerable.Range(1, 8).Select(k => Model("retrain", k)).ToArray();
        var clean = Enumerable.Range(1, 8).Select(k => Model("u", k, shift: 0.3)).ToArray();
        var withDiverged = clean.Select((m, i) => i == 2 ? Model("u", 3, diverged: true) : m).ToArray();
        var o = Options("unused", ["ga"]);
        var row = ForgettingAudit.ScorePool(o, "ga", withDiverged, reference);
        var expected = ForgettingAudit.ScorePool(o, "ga", [.. clean.Where((_, i) => i != 2)], [.. reference.Where((_, i) => i != 2)]);
        Assert.Equal(expected.Forget, row.Forget);
        Assert.Equal(expected.ULira, row.ULira);
        Assert.Equal(8, row.Models);
        Assert.Equal(withDiverged.Average(m => m.TestAccuracy), row.TestAccuracy, 12); // accuracies over every model, the diverged one included
        Assert.Contains("1 of 8 models diverged", row.Note, StringComparison.Ordinal);
        Assert.Equal(string.Empty, ForgettingAudit.ScorePool(o, "ga", clean, reference).Note);
    }

    [Fact]
    public void A_retrained_reference_model_that_diverged_is_left_out_with_the_pool_model_of_its_index()
    {
        var rng = new Random(4);
        PoolRecord Model(string kind, int seed, bool diverged = false, double shift = 0) => RandomRecord(rng, kind, seed, diverged, shift);
        var clean = Enumerable.Range(1, 8).Select(k => Model("retrain", k)).ToArray();
        var reference = clean.Select((m, i) => i == 5 ? Model("retrain", 6, diverged: true) : m).ToArray();
        var pool = Enumerable.Range(1, 8).Select(k => Model("u", k, shift: 0.3)).ToArray();
        var o = Options("unused", ["ga"]);
        var row = ForgettingAudit.ScorePool(o, "ga", pool, reference);
        var expected = ForgettingAudit.ScorePool(o, "ga", [.. pool.Where((_, i) => i != 5)], [.. clean.Where((_, i) => i != 5)]);
        Assert.False(double.IsNaN(row.Forget.Value));
        Assert.Equal(expected.Forget, row.Forget);
        Assert.Equal(expected.ULira, row.ULira);
        Assert.Contains("1 of 8 retrained reference models diverged", row.Note, StringComparison.Ordinal);
        Assert.Contains("over 7 models against 7", row.Note, StringComparison.Ordinal);

        // Pools of different sizes: each side keeps its finite models.
        var small = ForgettingAudit.ScorePool(o, "ga", [.. pool.Take(4)], reference);
        Assert.Equal(ForgettingAudit.ScorePool(o, "ga", [.. pool.Take(4)], [.. clean.Where((_, i) => i != 5)]).Forget, small.Forget);
    }

    [Fact]
    public void A_training_with_non_finite_outputs_is_run_once_more_and_a_finite_first_is_kept()
    {
        var runs = new Queue<double>([double.NaN, 0.5]);
        var discarded = new List<double>();
        var (value, second) = ForgettingAudit.FiniteOrSecondTry(runs.Dequeue, double.IsFinite, discarded.Add);
        Assert.Equal((0.5, true), (value, second));
        Assert.Equal([double.NaN], discarded);

        runs = new Queue<double>([0.25, 0.5]);
        Assert.Equal((0.25, false), ForgettingAudit.FiniteOrSecondTry(runs.Dequeue, double.IsFinite, discarded.Add));
        Assert.Single(runs); // not trained again

        runs = new Queue<double>([double.NaN, double.NaN]);
        var (diverged, twice) = ForgettingAudit.FiniteOrSecondTry(runs.Dequeue, double.IsFinite, discarded.Add);
        Assert.True(double.IsNaN(diverged) && twice); // a real divergence is kept after the second try
    }

    [Fact]
    public void The_reading_says_when_the_floors_do_not_separate_and_which_pools_lie_below_both()
    {
        AuditRow Row(string name, double f, double halfWidth, double auc = 0.5) => new(
            name, 8, 8, new Interval(f, f - halfWidth, f + halfWidth), new Interval(f, f, f), new ULiraResult(0.5, auc, 0.01, 0.001, 16),
            new Interval(auc, auc - 0.02, auc + 0.02), 0.9, 0.88, 0.9, 1, [], "");
        var rows = new[]
        {
            Row(ForgettingAudit.RetrainFloor, 0.18, 0.004),
            Row(ForgettingAudit.OriginalFloor, 0.19, 0.004), // no unlearning scores above perfect unlearning: no separation
            Row("iau", 0.146, 0.004),
            Row("ft", 0.183, 0.004),
        };
        var reading = AuditReading.Sentences(rows);
        Assert.StartsWith("The floors do not separate under F (the no-unlearning floor is not below the perfect one", reading[1], StringComparison.Ordinal);
        Assert.EndsWith("Nor does U-LiRA (AUC 0.500 [0.480, 0.520] against 0.500 [0.480, 0.520]).", reading[1], StringComparison.Ordinal);
        Assert.Equal("ft: F = 0.183 [0.179, 0.187], not distinguishable from the floors; U-LiRA AUC 0.500 [0.480, 0.520].", reading[2]);
        Assert.StartsWith("iau: F = 0.146 [0.142, 0.150], below both floors", reading[3], StringComparison.Ordinal);
        Assert.DoesNotContain(reading, s => s.Contains("of the way", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => AuditReading.Sentences(rows[1..]));

        // The originals below the perfect floor with overlapping intervals, and U-LiRA telling them apart.
        var overlapping = AuditReading.Sentences([Row(ForgettingAudit.RetrainFloor, 0.18, 0.02), Row(ForgettingAudit.OriginalFloor, 0.15, 0.02, auc: 0.66)], modelsResampled: true);
        Assert.StartsWith("The floors do not separate under F (the no-unlearning floor is below the perfect one, but their intervals overlap)", overlapping[1], StringComparison.Ordinal);
        Assert.Contains("U-LiRA does tell them apart (AUC 0.660 [0.640, 0.680] against 0.500 [0.480, 0.520])", overlapping[1], StringComparison.Ordinal);

        // Separated floors: each method's place between them, ties named, and an update below the no-unlearning floor.
        var separated = AuditReading.Sentences(
        [
            Row(ForgettingAudit.RetrainFloor, 0.20, 0.02), Row(ForgettingAudit.OriginalFloor, 0.13, 0.02),
            Row("near-none", 0.14, 0.02), Row("between", 0.165, 0.005), Row("near-perfect", 0.19, 0.02), Row("away", 0.02, 0.005),
        ]);
        Assert.StartsWith("The floors separate", separated[1], StringComparison.Ordinal);
        Assert.Equal("near-perfect: F = 0.190 [0.170, 0.210], 0.86 of the way from no to perfect unlearning, its interval overlapping the perfect floor's (a tie with retraining); U-LiRA AUC 0.500 [0.480, 0.520].", separated[2]);
        Assert.Contains("0.50 of the way from no to perfect unlearning, its interval between the floors'", separated[3], StringComparison.Ordinal);
        Assert.Contains("0.14 of the way from no to perfect unlearning, its interval overlapping the no-unlearning floor's (a tie with no unlearning)", separated[4], StringComparison.Ordinal);
        Assert.StartsWith("away: F = 0.020 [0.015, 0.025], below the no-unlearning floor", separated[5], StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_named()
    {
        Assert.Contains("--pool 2", Assert.Throws<ArgumentException>(() => (Options("x", ["ga"]) with { Pool = 2 }).Validate()).Message);
        Assert.Contains("nosuch", Assert.Throws<Iau.Unlearning.UnknownMethodException>(() => Options("x", ["nosuch"]).Validate()).Message);
    }

    [Fact]
    public void Pool_workers_train_bit_identically_to_one_model_trained_alone_on_one_thread()
    {
        using var train = SyntheticData.Blobs(256, [12], 3, seed: 1, separation: 0.5);
        var recipe = TrainingOptions.Paper with { MaxEpochs = 2, Patience = null, BatchSize = 16 };
        float[] TrainOne(int seed)
        {
            using var m = ModelFactory.Create("mlp", [12], 3, seed, new ModelOptions([32]));
            new Trainer(recipe with { Seed = seed }).Train(m, train);
            return m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }

        var threads = torch.get_num_threads();
        float[][] alone;
        torch.set_num_threads(1);
        try
        {
            alone = [TrainOne(1), TrainOne(2), TrainOne(3)];
        }
        finally
        {
            torch.set_num_threads(threads);
        }

        var pooled = new float[3][];
        ParallelWorkers.Run([.. Enumerable.Range(0, 3).Select(i => (Action<CancellationToken>)(_ => pooled[i] = TrainOne(i + 1)))], workers: 2);
        Assert.Equal(threads, torch.get_num_threads());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(alone[i], pooled[i]);
        }

        Assert.NotEqual(alone[0], alone[1]);
    }
}
