using Iau.Runtime;
using Iau.Experiments;

namespace Iau.Tests.Experiments;

/// <summary>Cell cost estimates from recorded timings, the cost order of groups, and the plan's makespan.</summary>
public sealed class CellCostsTests
{
    private static readonly ExperimentSpec Spec = new(ExperimentKind.Main, "fashion-mnist", "lenet5", ["retrain", "iau", "fisher"], [0, 1]);

    [Fact]
    public void An_audit_model_without_records_of_its_settings_is_scaled_by_work_from_other_settings()
    {
        CellTiming Rec(string sig, double seconds, double? work, double shared = 0) =>
            new(sig, "audit-model", "fashion-mnist", "lenet5", "ft", string.Empty, seconds, 2, SharedSeconds: shared, Run: "audit", Work: work);
        CellTiming[] exact = [Rec("a", 4, 100), Rec("a", 6, 100)];
        CellTiming[] similar = [Rec("b", 10, 1000), Rec("c", 30, 2000, shared: 10), Rec("d", 99, null)];
        Assert.Equal((5.0, true), Iau.Runtime.TimingLog.ScaledMedianOf(60, 100, exact, similar)); // its own signature first
        Assert.Equal((50.0, true), Iau.Runtime.TimingLog.ScaledMedianOf(60, 5000, [], similar)); // 0.01 s per unit of work, own time (30 − 10 over 2,000)
        Assert.Equal((99.0, true), Iau.Runtime.TimingLog.ScaledMedianOf(60, 5000, [], [Rec("d", 99, null)])); // older records without a work size: as they are
        Assert.Equal((60.0, false), Iau.Runtime.TimingLog.ScaledMedianOf(60, 5000, [], []));
    }

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

        // Fisher has records of its own spec; IAU only of another spec (say, the quick recipe); Retrain none at all.
        Assert.False(costs.Borrowed(Cell("fisher")));
        Assert.True(costs.Borrowed(Cell("iau")));
        Assert.False(costs.Borrowed(Cell("retrain")));
    }

    [Fact]
    public void Estimates_leave_shared_models_to_the_lineage_that_has_not_started_and_prefer_records_that_keep_them_apart()
    {
        var sig = CellCosts.Signature(Spec);
        CellTiming T(string method, double seconds, double shared, int seed, string? run, bool fresh = true) =>
            new(sig, "main", "fashion-mnist", "lenet5", method, "", seconds, 2, shared, seed, run, fresh);
        var costs = CellCosts.From(
        [
            T("retrain", 500, 0, 0, null), // an older record, with the shared models inside its seconds: not used beside newer ones
            T("retrain", 130, 100, 0, "a"), // the first cell of a fresh lineage made 100 s of shared models
            T("iau", 5, 0, 0, "a"),
            T("retrain", 150, 120, 1, "a"),
            T("iau", 7, 2, 1, "a"),
            T("retrain", 30, 1, 0, "b", fresh: false), // a resumed lineage found its models cached: its shared time says nothing
            T("fisher", 40, 0, 0, null), // only older records: used as they are
        ]);
        Assert.Equal((30.0, true), costs.Estimate(Cell("retrain"))); // median own time of 30, 30 and 29
        Assert.Equal((5.0, true), costs.Estimate(Cell("iau")));
        Assert.Equal((40.0, true), costs.Estimate(Cell("fisher")));
        Assert.Equal(111, costs.SharedEstimate(Spec)); // fresh lineages of run a: 100 and 122
        IReadOnlyList<Cell> lineage = [Cell("retrain"), Cell("iau")];
        Assert.Equal(30 + 5 + 111, costs.Lineage(lineage, started: false));
        Assert.Equal(30 + 5, costs.Lineage(lineage, started: true));
        Assert.Equal(0, CellCosts.From([]).SharedEstimate(Spec));
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
        Assert.Equal(7, Iau.Runtime.TimingLog.Makespan([5, 4, 3], 2));
        Assert.Equal(12, Iau.Runtime.TimingLog.Makespan([5, 4, 3], 1));
    }

    private static Cell Cell(string method, int seed = 0) => new(Spec, seed, "", method, [$"k/{method}/{seed}"], "h");
}
