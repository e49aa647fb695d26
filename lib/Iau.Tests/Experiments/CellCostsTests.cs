using Iau.Experiments;

namespace Iau.Tests.Experiments;

/// <summary>Cell cost estimates from recorded timings, the cost order of groups, and the plan's makespan.</summary>
public sealed class CellCostsTests
{
    private static readonly ExperimentSpec Spec = new(ExperimentKind.Main, "fashion-mnist", "lenet5", ["retrain", "iau", "fisher"], [0, 1]);

    [Fact]
    public void Estimates_take_the_median_of_the_most_specific_records()
    {
        var sig = CellCosts.Signature(Spec);
        Assert.Equal(sig, CellCosts.Signature(Spec with { Seeds = [5] }));
        var costs = CellCosts.From(
        [
            new(sig, "main", "fashion-mnist", "lenet5", "fisher", "", 100, 2),
            new(sig, "main", "fashion-mnist", "lenet5", "fisher", "", 300, 2),
            new(sig, "main", "fashion-mnist", "lenet5", "fisher", "", 200, 2),
            new("other", "main", "fashion-mnist", "lenet5", "iau", "", 4, 2),
            new("other", "main", "cifar10", "resnet18", "iau", "", 50, 2),
        ]);
        Assert.Equal((200.0, true), costs.Estimate(Cell("fisher")));
        Assert.Equal((4.0, true), costs.Estimate(Cell("iau")));
        Assert.Equal((CellCosts.UnknownSeconds, false), costs.Estimate(Cell("retrain")));
    }

    [Fact]
    public void Groups_run_costliest_first_and_the_makespan_list_schedules_them()
    {
        var sig = CellCosts.Signature(Spec);
        var costs = CellCosts.From([new(sig, "main", "fashion-mnist", "lenet5", "fisher", "", 300, 2), new(sig, "main", "fashion-mnist", "lenet5", "iau", "", 3, 2)]);
        var cells = new[] { Cell("iau", 0), Cell("iau", 1), Cell("fisher", 1) };
        var lineages = Reproduction.Lineages(cells, costs);
        Assert.Equal(1, lineages[0][0].Seed); // seed 1 holds the 300 s cell: it starts first although both groups are small

        // Greedy on the least-loaded worker: 5 and 4 go to two workers, then 3 joins the 4.
        Assert.Equal(7, CellCosts.Makespan([5, 4, 3], 2));
        Assert.Equal(12, CellCosts.Makespan([5, 4, 3], 1));
    }

    private static Cell Cell(string method, int seed = 0) => new(Spec, seed, "", method, [$"k/{method}/{seed}"], "h");
}
