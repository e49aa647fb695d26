using Iau.Data;
using Iau.Experiments;
using Iau.Tests.Data;
using Iau.Training;
using TorchSharp;

namespace Iau.Tests.Cli;

/// <summary>
/// `iau reproduce`: recipes that are missing or wrong are named before any cell runs, and a resumed run gives the
/// numbers of a fresh one whatever is left to do (issue 25).
/// </summary>
public sealed class ReproduceProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Fact]
    public void Recipes_that_are_missing_or_a_file_are_refused_naming_the_option()
    {
        var missing = tmp.File("no-such-recipes");
        var output = tmp.File("out");
        CliProbe.Fails(CliRunner.Run("reproduce", "--profile", "smoke", "--out", output, "--recipes", missing), 1, missing, "(--recipes)", "no such folder");
        var file = tmp.File("recipes.json");
        File.WriteAllText(file, "{}");
        CliProbe.Fails(CliRunner.Run("reproduce", "--profile", "smoke", "--out", output, "--recipes", file), 1, file, "(--recipes) is a file");
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("salun", "\"lr=-1\"", "methods.salun.options", "lr")]
    [InlineData("salun", "\"lrate=0.1\"", "methods.salun.options", "lrate")]
    [InlineData("salunn", "\"lr=0.1\"", "methods.salunn", "unknown method 'salunn'")]
    public void A_recipe_with_a_bad_value_key_or_method_is_named_before_any_cell_runs(string method, string option, string field, string what)
    {
        var recipes = tmp.File("recipes");
        Directory.CreateDirectory(recipes);
        var path = Path.Combine(recipes, "fashion-mnist-lenet5-random-0.05.json");
        File.WriteAllText(path, "{\"schema\": 1, \"methods\": {\"" + method + "\": {\"options\": [" + option + "]}}}");
        var output = tmp.File("out");
        var line = CliProbe.Fails(CliRunner.Run("reproduce", "--profile", "smoke", "--out", output, "--recipes", recipes, "--threads", "1"), 1, path, field, what);
        Assert.DoesNotContain("(Parameter", line);
        Assert.False(Directory.Exists(output), "cells ran (or the output was made) before the recipe was checked");
    }

    [Fact]
    public void The_committed_recipes_pass_the_same_checks()
    {
        var recipes = RecipeBook.Discover(AppContext.BaseDirectory).Directory;
        Assert.NotNull(recipes);
        var files = Directory.GetFiles(recipes!, "*.json");
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.NotEmpty(RecipeBook.Read(f)));
    }

    private static Profile Tiny { get; } = new("tiny-resume", "test", [
        new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau", "ga"], [0], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1),
    ]);

    private ReproductionOptions Options(string outDir, string data, int workers) =>
        new(tmp.File(outDir), Load: new LoadOptions(Path: data, AllowDownload: false, VerifyChecksums: false),
            RecipesDirectory: tmp.File("no-recipes"), Workers: workers);

    [Fact]
    public void A_resume_with_one_lineage_left_runs_its_cells_on_one_libtorch_thread_and_matches_a_fresh_run()
    {
        TestRuntime.Ensure();
        var data = tmp.File("fashion-mnist");
        FakeFashionMnist.Write(data, train: 400, test: 100);
        var threads = torch.get_num_threads();
        torch.set_num_threads(2);
        try
        {
            // Reference: every cell on one thread, as the parallel path runs them.
            torch.set_num_threads(1);
            Reproduction.Run(Tiny, Options("fresh", data, workers: 1));
            torch.set_num_threads(2);

            // Interrupted after the lineage's first cell (cancelled before the cell counts as done, so no idle worker can
            // start helping the lineage: LineageScheduler), resumed with one lineage left and more workers than lineages.
            var o = Options("resumed", data, workers: 2);
            using var cts = new CancellationTokenSource();
            var finished = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => Reproduction.Run(Tiny, o, Progress(p =>
            {
                if (!p.Skipped && p.Message != "running" && p.Total > 0 && ++finished == 1)
                {
                    cts.Cancel();
                }
            }), cts.Token));
            var seen = new List<int>();
            var resumed = Reproduction.Run(Tiny, o with { Workers = 5 }, Progress(p =>
            {
                if (p.Message == "running")
                {
                    seen.Add(torch.get_num_threads()); // reported by the thread that runs the cell, just before it
                }
            }));
            Assert.Equal(3, resumed.Run);
            Assert.Equal([1, 1, 1], seen);
            Assert.Equal(2, torch.get_num_threads()); // the caller's setting is left as it was

            var fresh = ResultsStore.Read(Options("fresh", data, 1).ResultsPath).ToDictionary(r => r.Key);
            foreach (var row in ResultsStore.Read(o.ResultsPath))
            {
                foreach (var (k, v) in row.Metrics.Where(kv => kv.Key is not ("RTE" or "Speedup")))
                {
                    Assert.True(v.Equals(fresh[row.Key].Metrics[k]), $"{row.Key} {k}: {v} resumed, {fresh[row.Key].Metrics[k]} fresh");
                }
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    [Fact]
    public void A_single_job_with_several_workers_runs_on_one_libtorch_thread()
    {
        TestRuntime.Ensure();
        var threads = torch.get_num_threads();
        torch.set_num_threads(2);
        try
        {
            foreach (var workers in new[] { 2, 1_000 })
            {
                var inside = 0;
                ParallelWorkers.Run([_ => inside = torch.get_num_threads()], workers);
                Assert.Equal(1, inside);
                Assert.Equal(2, torch.get_num_threads());
            }

            var serial = 0;
            ParallelWorkers.Run([_ => serial = torch.get_num_threads()], workers: 1);
            Assert.Equal(2, serial); // --workers 1: the caller's --threads, as documented
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    private static Iau.Tests.Training.SyncProgress<ReproductionProgress> Progress(Action<ReproductionProgress> action) => new(action);
}
