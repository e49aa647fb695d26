using Iau.Runtime;
using Iau.Data;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Tests.Data;

namespace Iau.Tests.Experiments;

public sealed class ReproductionTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string dataDir;

    public ReproductionTests()
    {
        TestRuntime.Ensure();
        dataDir = Path.Combine(tmp.Path, "fashion-mnist");
        FakeFashionMnist.Write(dataDir, train: 400, test: 100);
    }

    public void Dispose() => tmp.Dispose();

    private static Profile Tiny { get; } = new("tiny", "test", [
        new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau", "ga"], [0], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1),
    ]);

    private ReproductionOptions Options(string outDir, int shard = 0, int count = 1) =>
        new(Path.Combine(tmp.Path, outDir), shard, count, new LoadOptions(Path: dataDir, AllowDownload: false, VerifyChecksums: false),
            RecipesDirectory: Path.Combine(tmp.Path, "no-recipes")); // not the repository's data/recipes, whose tuned rows would add cells

    [Fact]
    public void Runs_every_cell_once_and_a_rerun_repeats_none()
    {
        var o = Options("out");
        var first = Reproduction.Run(Tiny, o);
        Assert.Equal(4, first.Cells); // original + 3 methods
        Assert.Equal(4, first.Run);
        var rows = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(["original", "retrain", "iau", "ga"], rows.Select(r => r.Method));
        var iau = rows.Single(r => r.Method == "iau");
        foreach (var metric in new[] { "TA", "RA", "FA", "UA", "MIA_shadow", "MIA_entropy", "AUC_loss", "L2_retrain", "JS_forget", "JS_test", "RTE", "Speedup", "AvgGap" })
        {
            Assert.True(iau.Metrics.ContainsKey(metric), $"missing {metric}");
        }

        Assert.Equal(0, rows.Single(r => r.Method == "retrain").Metrics["L2_retrain"], 6);

        var second = Reproduction.Run(Tiny, o);
        Assert.Equal(0, second.Run);
        Assert.Equal(4, second.Skipped);
        Assert.Equal(rows.Select(r => r.CreatedUtc), ResultsStore.Read(o.ResultsPath).Select(r => r.CreatedUtc));
    }

    [Fact]
    public void A_method_that_diverges_gets_a_row_marked_diverged_instead_of_stopping_the_run()
    {
        var o = Options("diverged");
        var profile = new Profile("tiny-diverged", "test", [
            new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "ga"], [0], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1,
                MethodOptions: new Dictionary<string, IReadOnlyList<string>> { ["ga"] = ["lr=1e38", "epochs=3"] }),
        ]);
        var summary = Reproduction.Run(profile, o);
        Assert.Equal(3, summary.Run);
        var ga = ResultsStore.Read(o.ResultsPath).Single(r => r.Method == "ga");
        Assert.Equal(1, ga.Metrics[Metric.Diverged]);
        Assert.False(ga.Metrics.ContainsKey("MIA_shadow"));
        Assert.InRange(ga.Metrics["AvgGap"], 0, 1);
        Assert.False(ga.Notes.ContainsKey(RocNote.Key));
        Assert.Contains("ga in 1 of 1 seed(s)", string.Join("\n", Iau.Reporting.Findings.Build(ResultsStore.Read(o.ResultsPath))[0].Sentences), StringComparison.Ordinal);
    }

    [Fact]
    public void The_gap_to_a_Retrain_that_diverged_is_over_the_accuracies()
    {
        var method = new Dictionary<string, double> { ["TA"] = 0.8, ["RA"] = 0.9, ["FA"] = 0.7, ["MIA_shadow"] = 0.5 };
        var retrain = new Dictionary<string, double> { ["TA"] = 0.7, ["RA"] = 0.8, ["FA"] = 0.6, ["MIA_shadow"] = 0.1 };
        Assert.Equal(0.175, ExperimentContext.AvgGapToRetrain(method, retrain), 12);

        var diverged = new Dictionary<string, double> { ["TA"] = 0.1, ["RA"] = 0.1, ["FA"] = 0.1, [Metric.Diverged] = 1 };
        Assert.Equal(0.7, ExperimentContext.AvgGapToRetrain(method, diverged), 12);
        Assert.Throws<ArgumentException>(() => ExperimentContext.AvgGapToRetrain(method, new Dictionary<string, double> { ["TA"] = 0.1, ["RA"] = 0.1, ["FA"] = 0.1 }));
    }

    [Fact]
    public void The_audit_experiment_writes_one_row_per_method_and_floor_sharing_one_pool()
    {
        var o = Options("audit");
        var profile = new Profile("tiny-audit", "test", [
            new(ExperimentKind.Audit, "fashion-mnist", "logreg", ["retrain", "iau"], [0], MaxEpochs: 1, TrainLimit: 200, PoolSizes: [6]),
        ]);
        var first = Reproduction.Run(profile, o);
        Assert.Equal(3, first.Run);
        var rows = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(["retrain", "original", "iau"], rows.Select(r => r.Method)); // "retrain" is the perfect-unlearning floor
        Assert.All(rows, r =>
        {
            Assert.Equal("audit", r.Experiment);
            Assert.Equal("pool=6", r.Variant);
            Assert.InRange(r.Metrics["F"], r.Metrics["F_low"], r.Metrics["F_high"]);
            Assert.InRange(r.Metrics["F"], 0, 1);
            Assert.InRange(r.Metrics["ULiRA_AUC"], 0, 1);
        });
        // Both floors and every method at the same N.
        Assert.All(rows, r => Assert.Equal((6.0, 6.0), (r.Metrics["Models"], r.Metrics["ReferenceModels"])));

        // One pool cache for the spec's cells: the originals and the retrain pool were trained once.
        Assert.Single(Directory.GetDirectories(Path.Combine(o.OutputDirectory, "cache"), "audit-*"));
        Assert.Equal(0, Reproduction.Run(profile, o).Run);
    }

    [Fact]
    public void The_timing_log_keeps_the_shared_models_apart_and_marks_which_lineages_started_fresh()
    {
        var spec = new ExperimentSpec(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "ga"], [0], MaxEpochs: 1, TrainLimit: 180, ShadowEpochs: 1);
        var profile = new Profile("timed", "test", [spec]);
        var o = Options("timed");
        List<CellTiming> Records() => [.. File.ReadLines(Iau.Runtime.TimingLog.Path)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<CellTiming>(l)!)
            .Where(t => t.Signature == CellCosts.Signature(spec))];

        Reproduction.Run(profile, o);
        var first = Records();
        Assert.Equal(["original", "retrain", "ga"], first.Select(t => t.Method));
        Assert.Single(first.Select(t => t.Run).Distinct());
        Assert.All(first, t => Assert.True(t.Fresh && t.Seed == 0 && t.SharedSeconds <= t.Seconds));
        // The first cell makes the split, the original and the shadow attack; Retrain's cell trains its own model.
        Assert.True(first[0].SharedSeconds > 0.5 * first[0].Seconds, $"shared {first[0].SharedSeconds:F2} of {first[0].Seconds:F2} s");

        // Drop one row: the rerun finds the lineage started and its models cached.
        var rows = ResultsStore.Read(o.ResultsPath);
        File.WriteAllLines(o.ResultsPath, File.ReadAllLines(o.ResultsPath).Where(l => !l.Contains("/ga/", StringComparison.Ordinal)));
        Assert.Equal(1, Reproduction.Run(profile, o).Run);
        var rerun = Records().Except(first).Single();
        Assert.Equal("ga", rerun.Method);
        Assert.False(rerun.Fresh);
        Assert.NotEqual(first[0].Run, rerun.Run);
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public void A_stream_answers_every_request_per_method_and_measures_against_Retrain_on_what_remains_at_each_checkpoint()
    {
        var o = Options("stream");
        var spec = new ExperimentSpec(ExperimentKind.Sequential, "fashion-mnist", "logreg", ["iau", "retrain", "ga"], [0],
            ForgetRatio: 0.02, MaxEpochs: 2, TrainLimit: 200, CacheRefreshes: [1], Requests: 6, ShadowEpochs: 1);
        var profile = new Profile("stream", "test", [spec]);
        Assert.Equal(6, Reproduction.Run(profile, o).Run);
        var rows = ResultsStore.Read(o.ResultsPath);
        var byMethod = rows.GroupBy(r => r.Method).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Metrics["removed"]).ToList());
        Assert.Equal(["retrain", "original", "iau-exact", "iau-cached", "iau-cached-r1", "ga"], byMethod.Keys);
        Assert.Equal(["request=5", "request=6"], byMethod["retrain"].Select(r => r.Variant));
        foreach (var (method, list) in byMethod.Where(kv => kv.Key != "retrain"))
        {
            // Every request answered in order; 4 samples (2% of the 200) leave per request.
            Assert.Equal(Enumerable.Range(1, 6).Select(j => $"request={j}"), list.Select(r => r.Variant));
            Assert.Equal(Enumerable.Range(1, 6).Select(j => 4.0 * j), list.Select(r => r.Metrics["removed"]));
            var cumulative = 0.0;
            Assert.All(list, r => Assert.Equal(cumulative += r.Metrics["RTE"], r.Metrics[Metric.CumulativeSeconds], 9));

            // After every 5th request and the last, the row is measured against Retrain on what remains.
            Assert.Equal(["request=5", "request=6"], list.Where(r => r.Metrics.ContainsKey("AvgGap")).Select(r => r.Variant));
            Assert.All(list.Where(r => r.Metrics.ContainsKey("AvgGap")), r =>
            {
                var retrain = byMethod["retrain"].Single(x => x.Variant == r.Variant);
                Assert.Equal(r.Metrics["FA"] - retrain.Metrics["FA"], r.Metrics["FA_gap"], 12);
                Assert.Equal(r.Metrics["TA"] - retrain.Metrics["TA"], r.Metrics["TA_gap"], 12);
                Assert.InRange(r.Metrics["AvgGap"], 0, 1);
            });
        }

        Assert.All(byMethod["retrain"], r => Assert.Equal((0.0, 0.0), (r.Metrics["AvgGap"], r.Metrics["FA_gap"])));
        // Retrain's cumulative cost: as if retrained after every request (5 requests at the first checkpoint's time, then 1).
        var (r5, r6) = (byMethod["retrain"][0].Metrics, byMethod["retrain"][1].Metrics);
        Assert.Equal((5 * r5["RTE"]) + r6["RTE"], r6[Metric.CumulativeSeconds], 9);
        // The control answers nothing: its test accuracy never moves and it costs nothing.
        Assert.Single(byMethod["original"].Select(r => r.Metrics["TA"]).Distinct());
        Assert.All(byMethod["original"], r => Assert.Equal(0, r.Metrics["RTE"]));
        // Cached IAU refreshed before every request is the exact stream.
        Assert.Equal(byMethod["iau-exact"].Select(r => (r.Metrics["TA"], r.Metrics["FA"])), byMethod["iau-cached-r1"].Select(r => (r.Metrics["TA"], r.Metrics["FA"])));
        Assert.Equal("cache refreshed (exact)", byMethod["iau-cached-r1"][3].Notes["retain gradient"]);
        Assert.Equal("cache (approximate)", byMethod["iau-cached"][3].Notes["retain gradient"]);

        var reading = Iau.Reporting.StreamReading.Sentences(rows);
        Assert.Equal("logreg on fashion-mnist: 6 requests of 4 samples each, on 1 seed(s); Retrain on what remains after requests 5, 6. Intervals: 95% bootstrap over seeds.", reading[0]);
        Assert.Contains(reading, s => s.StartsWith("iau-exact after request 6: Avg Gap ", StringComparison.Ordinal) && s.Contains("of Retrain's", StringComparison.Ordinal));
        // Refreshed before every request, cached IAU is exact IAU: it holds exact IAU's accuracy and gap.
        Assert.Contains(reading, s => s.StartsWith("The cheapest cached setting", StringComparison.Ordinal) && s.Contains("iau-cached-r1", StringComparison.Ordinal));
        Assert.Contains(reading, s => s.StartsWith("Against the untouched original", StringComparison.Ordinal) && s.Contains("smallest possible p is 1.000", StringComparison.Ordinal));

        var (tables, figures) = Iau.Reporting.FigureSet.BuildWithCaptions(rows);
        Assert.Contains(tables, t => t.Name == "sequential-fashion-mnist-logreg");
        Assert.Equal(["sequential-fashion-mnist-logreg-gap", "sequential-fashion-mnist-logreg-requests", "sequential-fashion-mnist-logreg-time"],
            figures.Select(f => f.Name).Where(n => n.StartsWith("sequential", StringComparison.Ordinal)));
        Assert.Equal(0, Reproduction.Run(profile, o).Run);
    }

    [Fact]
    public void An_interrupted_run_resumes_without_repeating_finished_cells()
    {
        var o = Options("interrupted");
        using var cts = new CancellationTokenSource();
        var finished = 0;
        var progress = new Iau.Tests.Training.SyncProgress<ReproductionProgress>(p =>
        {
            if (!p.Skipped && p.Message != "running" && p.Total > 0 && ++finished == 2)
            {
                cts.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Reproduction.Run(Tiny, o, progress, cts.Token));
        var done = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(2, done.Count);
        Assert.Empty(Directory.GetFiles(o.OutputDirectory, "*.tmp"));

        var resumed = Reproduction.Run(Tiny, o);
        Assert.Equal(2, resumed.Run);
        Assert.Equal(2, resumed.Skipped);
        var all = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(4, all.Count);
        Assert.Equal(done.Select(r => r.CreatedUtc), all.Take(2).Select(r => r.CreatedUtc));
    }

    [Fact]
    public void Shards_cover_every_cell_and_merge_into_one_store()
    {
        // Two lineages (seeds): each shard takes one whole, so no model is trained by both.
        var profile = new Profile("tiny-2", "test", [
            new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau", "ga"], [0, 1], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1),
        ]);
        var a = Options("shards", 0, 2);
        var b = Options("shards", 1, 2);
        Assert.Equal(4, Reproduction.Run(profile, a).Run);
        Assert.Equal(4, Reproduction.Run(profile, b).Run);
        Assert.Equal([0], ResultsStore.Read(a.ResultsPath).Select(r => r.Seed).Distinct());
        Assert.Equal([1], ResultsStore.Read(b.ResultsPath).Select(r => r.Seed).Distinct());
        var merged = Path.Combine(tmp.Path, "merged.jsonl");
        Assert.Equal(8, ResultsStore.Merge([a.ResultsPath, b.ResultsPath], merged));
        Assert.Equal(["ga", "iau", "original", "retrain"], ResultsStore.Read(merged).Select(r => r.Method).Distinct().Order());
        Assert.Equal(0, Reproduction.Run(profile, Options("shards", 2, 3)).Cells); // more shards than lineages: nothing to do
        Assert.Throws<ArgumentException>(() => Reproduction.Run(Tiny, Options("bad", 2, 2)));
    }

    [Fact]
    public void Shards_deal_whole_lineages_largest_first_to_the_least_loaded_shard()
    {
        var cells = Reproduction.Cells(Profiles.Quick, RecipeBook.Open(Path.Combine(tmp.Path, "no-recipes")));
        var position = cells.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, (IEqualityComparer<Cell>)ReferenceEqualityComparer.Instance);
        foreach (var count in new[] { 1, 2, 3, 8, 40 })
        {
            var shards = Enumerable.Range(0, count).Select(i => Reproduction.Shard(cells, i, count)).ToList();
            Assert.Equal(Enumerable.Range(0, cells.Count), shards.SelectMany(s => s).Select(c => position[c]).Order());
            Assert.All(shards, s => Assert.Equal(cells.Where(s.Contains), s)); // planned order kept
            var owner = shards.SelectMany((s, i) => s.Select(c => (Lineage: (c.Spec, c.Seed), Shard: i))).GroupBy(x => x.Lineage);
            Assert.All(owner, g => Assert.Single(g.Select(x => x.Shard).Distinct()));
            var lineages = Reproduction.Lineages(cells);
            if (count <= lineages.Count)
            {
                // Greedy by size: no shard has more cells than the lightest one plus the largest lineage.
                Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= lineages[0].Count, $"{count} shards: {string.Join(", ", shards.Select(s => s.Count))}");
            }
        }
    }

    [Fact]
    public void Parallel_workers_give_the_numbers_of_a_one_thread_run_cell_for_cell()
    {
        // Two seeds under the kit's protocol (lineages that share nothing) and two under the official protocol
        // (one original and shadow attack shared by both seeds: the workers wait for each other's models).
        var profile = new Profile("tiny-parallel", "test", [
            new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau", "ga"], [0, 1], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1),
            new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau"], [1, 2], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1, Protocol: Protocol.Official),
        ]);
        var parallel = Options("parallel") with { Workers = 2 };
        var threads = TorchSharp.torch.get_num_threads();
        Assert.Equal(14, Reproduction.Run(profile, parallel).Run);
        Assert.Equal(threads, TorchSharp.torch.get_num_threads()); // the workers' one-thread setting does not leak
        TorchSharp.torch.set_num_threads(1);
        try
        {
            Assert.Equal(14, Reproduction.Run(profile, Options("serial")).Run);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        var serial = ResultsStore.Read(Options("serial").ResultsPath).ToDictionary(r => r.Key);
        var rows = ResultsStore.Read(parallel.ResultsPath);
        Assert.Equal(serial.Keys.Order(), rows.Select(r => r.Key).Order());
        foreach (var r in rows)
        {
            var s = serial[r.Key];
            Assert.Equal(s.Metrics.Keys.Order(), r.Metrics.Keys.Order());
            foreach (var (k, v) in r.Metrics.Where(kv => !ResultRow.IsTiming(kv.Key)))
            {
                Assert.True(v.Equals(s.Metrics[k]), $"{r.Key} {k}: {v} in parallel, {s.Metrics[k]} alone");
            }
        }

        Assert.Throws<ArgumentException>(() => Reproduction.Run(profile, parallel with { Workers = -1 }));
    }

    [Fact]
    public void Lineages_keep_each_experiment_and_seed_on_one_worker_in_planned_order()
    {
        var cells = Reproduction.Cells(Profiles.Quick, RecipeBook.Open(Path.Combine(tmp.Path, "no-recipes")));
        var lineages = Reproduction.Lineages(cells);
        Assert.Equal(cells.Count, lineages.Sum(l => l.Count));
        Assert.All(lineages, l => Assert.Single(l.Select(c => (c.Spec, c.Seed)).Distinct()));
        Assert.Equal(Profiles.Quick.Experiments.Sum(e => e.Seeds.Count), lineages.Count);
        Assert.All(lineages, l => Assert.Equal(cells.Where(l.Contains), l));
        Assert.All(lineages.Where(l => l[0].Spec.Kind == ExperimentKind.Main), l => Assert.Equal("original", l[0].Method));
        Assert.Equal(lineages.Select(l => l.Count).OrderDescending(), lineages.Select(l => l.Count));
    }

    [Fact]
    public void Profiles_are_named_and_cover_every_experiment()
    {
        Assert.Equal(["smoke", "quick", "paper", "fmnist-paper"], Profiles.All.Select(p => p.Name));
        foreach (var p in new[] { Profiles.Smoke, Profiles.Quick })
        {
            Assert.Equal(Enum.GetValues<ExperimentKind>().Order(), p.Experiments.Select(e => e.Kind).Distinct().Order());
        }

        Assert.Equal(3, Profiles.Quick.Experiments.First(e => e.Kind == ExperimentKind.Main).Seeds.Count);
        Assert.Contains("Unknown profile", Assert.Throws<ArgumentException>(() => Profiles.Get("huge")).Message);
    }

    [Fact]
    public void A_corrupt_results_line_is_named()
    {
        var path = Path.Combine(tmp.Path, "bad.jsonl");
        File.WriteAllText(path, "{ nope\n");
        var ex = Assert.Throws<InvalidDataException>(() => ResultsStore.Read(path));
        Assert.Contains("bad.jsonl", ex.Message);
        Assert.Contains("line 1", ex.Message);
    }
}
