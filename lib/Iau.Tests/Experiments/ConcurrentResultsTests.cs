using Iau.Data;
using Iau.Experiments;
using Iau.Tests.Cli;
using Iau.Tests.Data;

namespace Iau.Tests.Experiments;

/// <summary>Two writers of one results file lose nothing: the store locks, re-reads and adds.</summary>
public sealed class ConcurrentResultsTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Fact]
    public void Two_stores_on_one_file_keep_every_row()
    {
        var path = tmp.File("results.jsonl");
        var a = new ResultsStore(path);
        var b = new ResultsStore(path);
        Parallel.For(0, 40, i => (i % 2 == 0 ? a : b).Add([ResultsProbeTests.Row($"m{i}", i)]));
        var rows = ResultsStore.Read(path);
        Assert.Equal(40, rows.Count);
        Assert.Equal(40, rows.Select(r => r.Key).Distinct().Count());
        Assert.True(a.Contains(rows[0].Key, rows[0].ConfigHash) && b.Contains(rows[^1].Key, rows[^1].ConfigHash), "a store does not see the other's rows");
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void Two_reproductions_on_one_folder_keep_every_cell_of_both()
    {
        TestRuntime.Ensure();
        var data = Path.Combine(tmp.Path, "fashion-mnist");
        FakeFashionMnist.Write(data, train: 300, test: 60);

        // Two runs with cells of their own (other seeds) on one results file: the last writer must not drop the other's rows.
        Profile Tiny(int seed) => new($"tiny-{seed}", "test", [
            new(ExperimentKind.Main, "fashion-mnist", "logreg", ["retrain", "iau"], [seed], MaxEpochs: 1, TrainLimit: 150, ShadowEpochs: 1),
        ]);
        var profiles = new[] { Tiny(0), Tiny(1) };
        var o = new ReproductionOptions(tmp.File("out"), 0, 1, new LoadOptions(Path: data, AllowDownload: false, VerifyChecksums: false),
            RecipesDirectory: tmp.File("no-recipes")); // not the repository's data/recipes
        var runs = profiles.AsParallel().WithDegreeOfParallelism(2).Select(p => Reproduction.Run(p, o)).ToList();
        Assert.All(runs, r => Assert.Equal(3, r.Cells));

        var rows = ResultsStore.Read(o.ResultsPath);
        Assert.Equal(rows.Count, rows.Select(r => r.Key).Distinct().Count());
        Assert.Equal(["iau", "original", "retrain"], rows.Select(r => r.Method).Distinct().Order());
        Assert.Equal([0, 1], rows.Select(r => r.Seed).Distinct().Order());
        Assert.Equal(6, rows.Count); // per seed: original, retrain, iau
        Assert.Empty(Directory.GetFiles(o.OutputDirectory, "*.tmp", SearchOption.AllDirectories));

        // Reruns find everything done.
        Assert.All(profiles, p => Assert.Equal(0, Reproduction.Run(p, o).Run));
    }
}
