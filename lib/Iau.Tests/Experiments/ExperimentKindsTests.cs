using Iau.Data;
using Iau.Experiments;
using Iau.Tests.Data;

namespace Iau.Tests.Experiments;

/// <summary>One file per experiment, class-wise forgetting, the official protocol and tuned recipes.</summary>
public sealed class ExperimentKindsTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string dataDir;

    public ExperimentKindsTests()
    {
        TestRuntime.Ensure();
        dataDir = Path.Combine(tmp.Path, "fashion-mnist");
        FakeFashionMnist.Write(dataDir, train: 400, test: 100);
    }

    public void Dispose() => tmp.Dispose();

    private ReproductionOptions Options(string outDir, string? recipes = null) =>
        new(Path.Combine(tmp.Path, outDir), Load: new LoadOptions(Path: dataDir, AllowDownload: false, VerifyChecksums: false), RecipesDirectory: recipes ?? Path.Combine(tmp.Path, "no-recipes"));

    private static ExperimentSpec TinyMain(params int[] seeds) =>
        new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "ga"], seeds, MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1);

    [Fact]
    public void Every_kind_has_one_registered_experiment()
    {
        Assert.Equal(Enum.GetValues<ExperimentKind>().Order(), ExperimentRegistry.All.Select(e => e.Kind).Order());
    }

    [Fact]
    public void Existing_cells_keep_their_keys_and_hashes()
    {
        // Pinned: a change here re-runs every committed result of the profile. The convex hash is the one of the
        // code before experiments were split into files (and before ForgetClass, Protocol and Mia joined the spec).
        // The main hash changed once on purpose when rl, bad-teacher and ssd joined the method list (and rl's
        // shortened quick setting): the hash covers the spec's methods and their options. It changed a second time on
        // purpose when the random-step control and the reference-model attack (ReferenceModels = 1 in the quick and
        // smoke specs, RMIA metrics) joined the spec.
        var quick = Reproduction.Cells(Profiles.Quick, RecipeBook.Empty).Single(c => c.Keys[0] == "main/fashion-mnist/lenet5/ratio=0.05//iau/seed=0");
        Assert.Equal("643439c25e71f5f9", quick.Hash);
        var convex = Reproduction.Cells(Profiles.Smoke, RecipeBook.Empty).Single(c => c.Keys[0] == "convex/fashion-mnist/logreg/ratio=0.05/removed=5/all/seed=0");
        Assert.Equal("3ba52c8597e09940", convex.Hash);
    }

    [Fact]
    public void Class_wise_forgets_every_training_sample_of_the_class()
    {
        var spec = new ExperimentSpec(ExperimentKind.ClassWise, "fashion-mnist", "logreg", ["retrain", "ga"], [0], MaxEpochs: 1, TrainLimit: 200, ShadowEpochs: 1, ForgetClass: 3);
        using (var context = new ExperimentContext(Options("split"), null, default))
        {
            var data = context.Split(spec, 0);
            var labels = data.Dataset.Train.Labels;
            Assert.Equal(data.Split.Train.Count(i => labels[i] == 3), data.Forget.Count);
            Assert.All(data.Split.Forget, i => Assert.Equal(3, labels[i]));
            Assert.DoesNotContain(data.Split.Retain, i => labels[i] == 3);
        }

        var o = Options("classwise");
        var summary = Reproduction.Run(new Profile("t", "t", [spec]), o);
        Assert.Equal(3, summary.Run);
        var rows = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(["classwise/fashion-mnist/logreg/class=3//original/seed=0", "classwise/fashion-mnist/logreg/class=3//retrain/seed=0", "classwise/fashion-mnist/logreg/class=3//ga/seed=0"], rows.Select(r => r.Key));
        Assert.All(rows, r => Assert.Equal("classwise", r.Experiment));

        // Retrain never saw class 3: it forgets far more of it than the original did.
        Assert.True(rows.Single(r => r.Method == "retrain").Metrics["FA"] < rows.Single(r => r.Method == "original").Metrics["FA"]);
        Assert.Throws<ArgumentException>(() => Reproduction.Cells(new Profile("t", "t", [spec with { ForgetClass = null }]), RecipeBook.Empty));
    }

    [Fact]
    public void Official_protocol_keeps_one_split_and_original_and_varies_only_the_forget_set()
    {
        var kit = TinyMain(0, 1);
        var official = kit with { Protocol = Protocol.Official };
        using (var context = new ExperimentContext(Options("split"), null, default))
        {
            var a = context.Split(official, 0).Split;
            var b = context.Split(official, 1).Split;
            Assert.Equal(a.Train, b.Train);
            Assert.Equal(a.Valid, b.Valid);
            Assert.NotEqual(a.Forget, b.Forget);
            Assert.NotEqual(context.Split(kit, 0).Split.Train, context.Split(kit, 1).Split.Train);
        }

        foreach (var (spec, originals) in new[] { (kit, 2), (official, 1) })
        {
            var o = Options(spec.Protocol.ToString());
            Reproduction.Run(new Profile("t", "t", [spec]), o);
            var cache = Path.Combine(o.OutputDirectory, "cache");
            Assert.Equal(originals, Directory.GetFiles(cache, "original-*.ckpt").Length);
            Assert.Equal(originals, Directory.GetFiles(cache, "shadow-*.bin").Length);
            Assert.Equal(2, Directory.GetFiles(cache, "retrain-*.ckpt").Length);
        }

        // Same keys, other hashes: an official-protocol result never passes for a kit-protocol one.
        var k = Reproduction.Cells(new Profile("t", "t", [kit]), RecipeBook.Empty);
        var f = Reproduction.Cells(new Profile("t", "t", [official]), RecipeBook.Empty);
        Assert.Equal(k.SelectMany(c => c.Keys), f.SelectMany(c => c.Keys));
        Assert.All(k.Zip(f), p => Assert.NotEqual(p.First.Hash, p.Second.Hash));
    }

    [Fact]
    public void Official_protocol_normalises_cifar10_with_the_authors_std()
    {
        var root = Path.Combine(tmp.Path, "cifar");
        var batches = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(batches);
        for (var b = 1; b <= 5; b++)
        {
            File.WriteAllBytes(Path.Combine(batches, $"data_batch_{b}.bin"), FormatWriters.Cifar([.. Enumerable.Range(0, 20).Select(i => i % 10)]));
        }

        File.WriteAllBytes(Path.Combine(batches, "test_batch.bin"), FormatWriters.Cifar([.. Enumerable.Range(0, 10)]));
        var o = Options("cifar") with { Load = new LoadOptions(Path: root, AllowDownload: false, VerifyChecksums: false) };
        var kit = new ExperimentSpec(ExperimentKind.Main, "cifar10", "logreg", ["retrain"], [1]);
        var official = kit with { Protocol = Protocol.Official };
        using var context = new ExperimentContext(o, null, default);
        var a = context.Split(kit, 1);
        var b2 = context.Split(official, 0);
        Assert.Equal(a.Split.Train, b2.Split.Train); // kit seed 1 and the official split share the rows
        using var x = a.Train.Features.flatten();
        using var y = b2.Train.Features.flatten();
        var plane = 32 * 32;
        var catalog = DatasetCatalog.Get("cifar10").Std;
        float[] authors = [0.2023f, 0.1994f, 0.2010f];
        for (var ch = 0; ch < 3; ch++)
        {
            // (x·scale − mean) / std: the same centred value divided by the other std.
            Assert.Equal(x[ch * plane].item<float>() * catalog[ch], y[ch * plane].item<float>() * authors[ch], 4);
        }
    }

    [Fact]
    public void A_recipe_adds_tuned_rows_and_a_changed_recipe_reruns_only_them()
    {
        var recipes = Path.Combine(tmp.Path, "recipes");
        Directory.CreateDirectory(recipes);
        var file = Path.Combine(recipes, "fashion-mnist-logreg-random-0.05.json");
        void WriteRecipe(string lr) => File.WriteAllText(
            file,
            "{\"schema\":1,\"kit\":\"0.1.0\",\"dataset\":\"fashion-mnist\",\"model\":\"logreg\",\"forget\":\"random-0.05\",\"objective\":\"avg-gap\","
            + "\"budget\":{\"trials\":2},\"seeds\":{\"tuning\":[100]},"
            + "\"methods\":{\"ga\":{\"options\":[\"lr=" + lr + "\"],\"trials\":2},\"retrain\":{\"options\":[]}}}");
        WriteRecipe("0.0005");
        var profile = new Profile("t", "t", [TinyMain(0) with { MethodOptions = new Dictionary<string, IReadOnlyList<string>> { ["ga"] = ["epochs=1"] } }]);
        var o = Options("tuned", recipes);

        Assert.Equal(4, Reproduction.Run(profile, o).Run); // original, retrain, ga, ga tuned (retrain is never tuned)
        var rows = ResultsStore.Read(o.ResultsPath);
        var tuned = rows.Single(r => r.Variant == "tuned");
        Assert.Equal("main/fashion-mnist/logreg/ratio=0.05/tuned/ga/seed=0", tuned.Key);
        Assert.Equal("epochs=1 lr=0.0005", tuned.Notes["options"]);
        Assert.Contains("lr 0.0005", tuned.Notes["description"], StringComparison.Ordinal);
        Assert.True(tuned.Metrics.ContainsKey("AvgGap"));
        Assert.Equal(0, Reproduction.Run(profile, o).Run);

        WriteRecipe("0.002");
        var again = Reproduction.Run(profile, o);
        Assert.Equal(1, again.Run);
        Assert.Equal(3, again.Skipped);

        // Without the folder: only the reference-default rows.
        Assert.Equal(3, Reproduction.Cells(profile, RecipeBook.Open(Path.Combine(tmp.Path, "none"))).Count);

        // A recipe whose best trial was the defaults, or that restates the spec's options, adds no identical second row.
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"lr=0.002\"", "\"epochs=1\"", StringComparison.Ordinal));
        Assert.Equal(3, Reproduction.Cells(profile, RecipeBook.Open(recipes)).Count);
        Assert.False(MainExperiment.Changes(["epochs=1"], ["epochs=1"]));
        Assert.False(MainExperiment.Changes(["epochs=1"], []));
        Assert.True(MainExperiment.Changes(["epochs=1"], ["epochs=2"]));
        Assert.True(MainExperiment.Changes([], ["lr=0.1"]));
    }

    [Fact]
    public void Fmnist_paper_profile_is_the_full_recipe_and_runs_end_to_end_when_shrunk()
    {
        var p = Profiles.Get("fmnist-paper");
        Assert.Equal([ExperimentKind.Main, ExperimentKind.ClassWise, ExperimentKind.Sequential], p.Experiments.Select(e => e.Kind));
        var headline = p.Experiments.Where(e => e.Kind != ExperimentKind.Sequential).ToList();
        Assert.Equal([null, 0], headline.Select(e => e.ForgetClass));
        var everyMethod = Profiles.Quick.Experiments[0].Methods;
        foreach (var e in headline)
        {
            Assert.Equal(("fashion-mnist", "lenet5", Protocol.Official, Iau.Evaluation.MiaPreset.Paper), (e.Dataset, e.Model, e.Protocol, e.Mia));
            Assert.Equal((200, 10, 0.005, 0.05, (int?)null), (e.MaxEpochs, e.Patience, e.GrAlpha, e.ForgetRatio, e.TrainLimit));
            Assert.True(e.Seeds.Count >= 3);
            Assert.Equal(everyMethod, e.Methods);
            Assert.Null(e.MethodOptions); // reference defaults, no shortened baselines
        }

        // The same specs on fake data, shrunk (200 samples, 1 epoch, the slowest baselines cut; class-wise on one
        // seed): every method runs, one original and one shadow attack serve every seed and both forget sets.
        var cut = new Dictionary<string, IReadOnlyList<string>>
        {
            ["ft"] = ["epochs=1"],
            ["neggrad+"] = ["epochs=1"],
            ["l1sparse"] = ["epochs=1"],
            ["salun"] = ["epochs=1"],
            ["scrub"] = ["epochs=1"],
            ["fisher"] = ["max-samples=10"],
            ["iu"] = ["iterations=5", "hessian-samples=50"],
        };

        // The stream of deletion requests: the full recipe under the official protocol on a 10,000-sample subset.
        var stream = p.Experiments.Single(e => e.Kind == ExperimentKind.Sequential);
        Assert.Equal((Protocol.Official, 200, 10, 0.005, 0.005, (int?)10_000, 20), (stream.Protocol, stream.MaxEpochs, stream.Patience, stream.GrAlpha, stream.ForgetRatio, stream.TrainLimit, stream.Requests));
        Assert.Equal([1, 2, 3], stream.Seeds);

        var shrunk = p with
        {
            Experiments =
            [
                .. headline.Select(e => e with { TrainLimit = 200, MaxEpochs = 1, ShadowEpochs = 1, MethodOptions = cut, Seeds = e.Seeds.Take(e.ForgetClass is null ? 2 : 1).ToList() }),
                stream with { TrainLimit = 200, MaxEpochs = 1, ShadowEpochs = 1, Methods = ["iau", "retrain", "ft"], MethodOptions = cut, Seeds = [1], Requests = 2, CacheRefreshes = [2] },
            ],
        };
        var o = Options("fmnist-paper");
        var summary = Reproduction.Run(shrunk, o);
        var all = ResultsStore.Read(o.ResultsPath);
        var rows = all.Where(r => r.Experiment != "sequential").ToList();
        Assert.Equal(summary.Cells, summary.Run);
        Assert.Equal(3 * (everyMethod.Count + 1), rows.Count);
        Assert.All(rows, r => Assert.True(double.IsFinite(r.Metrics["TA"]) && double.IsFinite(r.Metrics["MIA_shadow"]), r.Key));
        var streamRows = all.Where(r => r.Experiment == "sequential").ToList();
        Assert.Contains(streamRows, r => r.Method == "retrain");
        Assert.All(streamRows.Where(r => r.Method != "retrain" && r.Metrics.ContainsKey("TA_gap")), r => Assert.True(double.IsFinite(r.Metrics["TA_gap"]), r.Key));
        var cache = Path.Combine(o.OutputDirectory, "cache");
        Assert.Single(Directory.GetFiles(cache, "original-*.ckpt")); // the stream's original is the headline's: one split, one recipe
        Assert.Equal(2, Directory.GetFiles(cache, "shadow-*.bin").Length); // the paper preset's, and the stream's (the quick preset)
        Assert.Equal(4, Directory.GetFiles(cache, "retrain-*.ckpt").Length); // 2 random forget sets + 1 class-wise + the stream's after request 2
        var originals = rows.Where(r => r.Method == "original" && r.Experiment == "main").ToList();
        Assert.Equal(originals[0].Metrics["TA"], originals[1].Metrics["TA"]); // the same model under both seeds
        Assert.NotEqual(originals[0].Metrics["FA"], originals[1].Metrics["FA"]); // on another forget set
    }

    [Fact]
    public void A_broken_recipe_is_named_with_its_field()
    {
        var recipes = Path.Combine(tmp.Path, "bad-recipes");
        Directory.CreateDirectory(recipes);
        var file = Path.Combine(recipes, "fashion-mnist-logreg-random-0.05.json");
        File.WriteAllText(file, """{"schema":1,"methods":{"ga":{"options":["lr"]}}}""");
        var ex = Assert.Throws<InvalidDataException>(() => Reproduction.Cells(new Profile("t", "t", [TinyMain(0)]), RecipeBook.Open(recipes)));
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("methods.ga.options", ex.Message, StringComparison.Ordinal);
        File.WriteAllText(file, "{ nope");
        Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => RecipeBook.Read(file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recipes_are_found_beside_the_solution()
    {
        var repo = Path.Combine(tmp.Path, "repo");
        var nested = Path.Combine(repo, "a", "b");
        Directory.CreateDirectory(nested);
        File.WriteAllText(Path.Combine(repo, "Iau.Research.sln"), string.Empty);
        Assert.Equal(Path.Combine(new DirectoryInfo(repo).FullName, "data", "recipes"), RecipeBook.Discover(nested).Directory);
        Assert.Null(RecipeBook.Discover(Path.GetPathRoot(repo)!).Directory);

        Assert.Equal("classwise", RecipeBook.ForgetLabel(TinyMain(0) with { ForgetClass = 2 }));
        Assert.Equal("random-0.1", RecipeBook.ForgetLabel(TinyMain(0) with { ForgetRatio = 0.10 }));
    }
}
