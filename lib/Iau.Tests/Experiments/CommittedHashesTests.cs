using Iau.Experiments;
using Iau.Unlearning;

namespace Iau.Tests.Experiments;

/// <summary>
/// The committed results are the profiles' cells: every committed row's config hash is the one its cell has in this
/// build, so a refactoring that changes what a spec's JSON says (and so every cache key) fails here rather than
/// silently making the committed results stale.
/// </summary>
public sealed class CommittedHashesTests
{
    [Theory]
    [InlineData("quick", "results.jsonl")]
    [InlineData("fmnist-paper", "fmnist-paper/results.jsonl")]
    public void Every_committed_row_has_the_hash_of_its_cell_today(string profile, string file)
    {
        var recipes = RecipeBook.Discover(AppContext.BaseDirectory);
        var repo = Path.GetDirectoryName(Path.GetDirectoryName(recipes.Directory))!;
        var hashes = Reproduction.Cells(Profiles.Get(profile), recipes)
            .SelectMany(c => c.Keys.Select(k => (Key: k, c.Hash)))
            .ToLookup(c => c.Key, c => c.Hash);
        var rows = ResultsStore.Read(Path.Combine(repo, "figures", file));
        Assert.True(rows.Count > 500, $"{file}: {rows.Count} rows");
        Assert.All(rows, r => Assert.Contains(r.ConfigHash, hashes[r.Key]));
    }

    [Fact]
    public void A_sweep_field_its_kind_does_not_read_is_named()
    {
        var spec = new ExperimentSpec(ExperimentKind.Audit, "fashion-mnist", "lenet5", ["iau"], [0], PoolSizes: [8]);
        spec.CheckSweeps();
        var e = Assert.Throws<ArgumentException>((spec with { GrAlphas = [0.01] }).CheckSweeps);
        Assert.Contains("GrAlphas is set, but a Audit experiment reads PoolSizes", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>((spec with { Kind = ExperimentKind.Main }).CheckSweeps);
        Assert.Contains("reads no sweep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_method_options_are_written_as_the_pairs_that_change_the_defaults()
    {
        Assert.Equal(["epochs=2"], FineTuneOptions.Declared.Pairs(o => o with { Epochs = 2 }));
        Assert.Empty(FineTuneOptions.Declared.Pairs(o => o with { Epochs = FineTuneOptions.Reference.Epochs }));
        Assert.Equal(["iterations=20", "hessian-samples=2000"], InfluenceBaselines.IuOptions.Pairs(o => o with { HessianSamples = 2000, CgIterations = 20 }));
        var pairs = FisherForgettingOptions.Declared.Pairs(o => o with { MaxSamples = 100, Alpha = 1e-7 });
        Assert.Equal(FisherForgettingOptions.Reference with { MaxSamples = 100, Alpha = 1e-7 }, FisherForgettingOptions.Declared.Parse(MethodSettings.Parse(pairs)));
        Assert.Throws<ArgumentOutOfRangeException>(() => FineTuneOptions.Declared.Pairs(o => o with { Epochs = 0 }));
    }
}
