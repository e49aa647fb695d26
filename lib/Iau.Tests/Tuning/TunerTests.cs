using System.Globalization;
using System.Text.Json.Nodes;
using Iau.Tests.Data;
using Iau.Tuning;
using Iau.Unlearning;

namespace Iau.Tests.Tuning;

/// <summary>The search on a fake bench whose metrics are a known function of SalUn's lr and threshold (no training).</summary>
public sealed class TunerTests
{
    private static readonly TuningSpec Spec = new("salun", "fashion-mnist", "lenet5", Budget: 8, SamplerSeed: 3);

    [Fact]
    public void The_search_is_deterministic_for_a_seed_and_trial_zero_is_the_defaults()
    {
        var declared = Spec.Declaration();
        Assert.Empty(TrialSampler.Options(declared, 3, 0));
        var a = Enumerable.Range(1, 6).Select(t => TrialSampler.Options(declared, 3, t)).ToList();
        var b = Enumerable.Range(1, 6).Select(t => TrialSampler.Options(declared, 3, t)).ToList();
        var other = Enumerable.Range(1, 6).Select(t => TrialSampler.Options(declared, 4, t)).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);

        // Every draw lies in the declared space and parses as a valid SalUn setting.
        foreach (var options in a.Concat(other))
        {
            Assert.Equal(["epochs", "lr", "threshold"], options.Select(o => o[..o.IndexOf('=', StringComparison.Ordinal)]));
            var salun = (SalUnMethod)UnlearningMethods.Create("salun", MethodSettings.Parse(options));
            Assert.InRange(salun.Options.Epochs, 1, 5);
            Assert.InRange(salun.Options.LearningRate, 1e-3, 1e-1);
        }

        using var dir = new TempDir();
        var first = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(dir.File("a.jsonl"), Spec));
        var second = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(dir.File("b.jsonl"), Spec));
        Assert.Equal(first.Trials.Select(t => (t.Options, t.Objective)), second.Trials.Select(t => (t.Options, t.Objective)));
        Assert.Equal(8, first.Trials.Count);
        Assert.True(first.Complete);
    }

    [Fact]
    public void An_interrupted_search_resumes_without_redoing_trials()
    {
        using var dir = new TempDir();
        var reference = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(dir.File("whole.jsonl"), Spec));

        var path = dir.File("resumed.jsonl");
        var interrupted = new FakeBench { CancelAtCall = 4 };
        Assert.Throws<OperationCanceledException>(() => Tuner.Run(Spec, interrupted, TuningJournal.Open(path, Spec)));
        Assert.Equal(3, TuningJournal.Open(path, Spec).Trials.Count);

        // A write cut short by the interruption leaves a partial line; it is dropped on reopening.
        File.AppendAllText(path, "{\"Index\":3,\"Opti");
        var resumed = new FakeBench();
        var outcome = Tuner.Run(Spec, resumed, TuningJournal.Open(path, Spec));
        Assert.Equal(5, resumed.Calls);
        Assert.Equal(reference.Trials.Select(t => (t.Index, t.Options, t.Objective)), outcome.Trials.Select(t => (t.Index, t.Options, t.Objective)));
        Assert.Equal(reference.Best!.Index, outcome.Best!.Index);

        // Run again: nothing left to do.
        var idle = new FakeBench();
        Tuner.Run(Spec, idle, TuningJournal.Open(path, Spec));
        Assert.Equal(0, idle.Calls);
    }

    [Fact]
    public void A_journal_of_another_search_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("j.jsonl");
        Tuner.Run(Spec with { Budget = 2 }, new FakeBench(), TuningJournal.Open(path, Spec with { Budget = 2 }));
        Assert.Throws<InvalidDataException>(() => TuningJournal.Open(path, Spec with { Budget = 3 }));
        Assert.Throws<InvalidDataException>(() => TuningJournal.Open(path, Spec with { Budget = 2, Seeds = [101] }));
        Assert.Throws<InvalidDataException>(() => TuningJournal.Open(path, Spec with { Budget = 2, Method = "scrub" }));
        File.WriteAllText(dir.File("junk.jsonl"), "not json\n");
        Assert.Throws<InvalidDataException>(() => TuningJournal.Open(dir.File("junk.jsonl"), Spec));
        Assert.Equal(2, TuningJournal.Open(path, Spec with { Budget = 2 }).Trials.Count);
    }

    [Fact]
    public void A_time_limit_stops_the_search_and_is_kept_across_resumes()
    {
        using var dir = new TempDir();
        var path = dir.File("t.jsonl");
        var outcome = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(path, Spec), maxSeconds: 0);
        Assert.Empty(outcome.Trials);
        Assert.False(outcome.Complete);
    }

    [Fact]
    public void Collapsed_trials_are_rejected_and_never_chosen()
    {
        using var dir = new TempDir();

        // Large learning rates collapse TA in the fake bench (TA = 0.9 − 4·lr): lr > 0.0125 is rejected.
        var outcome = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(dir.File("c.jsonl"), Spec));
        var defaults = outcome.Defaults!;
        Assert.True(defaults.Rejected, "SalUn's default lr 0.1 collapses the fake model");
        Assert.Contains("TA", defaults.Reason, StringComparison.Ordinal);
        Assert.Null(defaults.Objective);
        Assert.Contains(outcome.Trials, t => !t.Rejected);
        Assert.All(outcome.Trials.Where(t => t.Rejected), t => Assert.True(Lr(t.Options) > 0.0125));
        Assert.All(outcome.Trials.Where(t => !t.Rejected), t => Assert.True(Lr(t.Options) <= 0.0125));
        Assert.False(outcome.Best!.Rejected);
        Assert.Equal(outcome.Trials.Where(t => !t.Rejected).Min(t => t.Objective), outcome.Best.Objective);

        // The guard: chance level too.
        var reference = new TuningReference(new Dictionary<string, double>(), 0.2);
        Assert.NotNull(Tuner.CollapseReason(Metrics(0.12), reference, 10, 0.5));
        Assert.Null(Tuner.CollapseReason(Metrics(0.5), reference, 10, 0.5));
        Assert.NotNull(Tuner.CollapseReason(new Dictionary<string, double> { ["TA"] = 0.9 }, reference, 10, 0.5));

        // Class-wise: forgetting a class costs Retrain its share of TA, so the guard is measured from Retrain's TA.
        var classWise = new TuningReference(new Dictionary<string, double> { ["TA"] = 0.78 }, OriginalTa: 0.87);
        Assert.NotNull(Tuner.CollapseReason(Metrics(0.80), classWise, 10, 0.05));
        Assert.Null(Tuner.CollapseReason(Metrics(0.80), classWise, 10, 0.05, classWise: true));
        Assert.Contains("< Retrain 0.780", Tuner.CollapseReason(Metrics(0.70), classWise, 10, 0.05, classWise: true), StringComparison.Ordinal);

        // Every trial collapsed: the recipe says so and keeps the defaults.
        var all = Tuner.Run(Spec with { Budget = 3 }, new FakeBench { Collapse = true }, TuningJournal.Open(dir.File("all.jsonl"), Spec with { Budget = 3 }));
        Assert.True(all.CollapsedAll);
        Assert.Null(all.Best);
        var recipe = RecipeFile.Write(dir.File("r.json"), all, "1.2.3", null);
        Assert.True(recipe["methods"]!["salun"]!["collapsed_all"]!.GetValue<bool>());
        Assert.Empty(recipe["methods"]!["salun"]!["options"]!.AsArray());
        Assert.Contains("no setting in the searched space", recipe["methods"]!["salun"]!["note"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_options_enter_every_trial_the_identity_and_the_recipe()
    {
        using var dir = new TempDir();
        var spec = new TuningSpec("iu", "fashion-mnist", "lenet5", Budget: 4, Fixed: ["iterations=20", "hessian-samples=2000"]);
        spec.CheckFixed();
        var outcome = Tuner.Run(spec, new FakeBench(), TuningJournal.Open(dir.File("f.jsonl"), spec));
        Assert.All(outcome.Trials, t => Assert.Equal(["iterations=20", "hessian-samples=2000"], t.Options.Take(2)));
        Assert.Equal(["iterations=20", "hessian-samples=2000"], outcome.Trials[0].Options);
        Assert.Contains(outcome.Trials, t => t.Options.Any(o => o.StartsWith("damping=", StringComparison.Ordinal)));

        // Another fixed set is another search; no fixed options keeps the hash of searches made before they existed.
        Assert.NotEqual(spec.Hash(), (spec with { Fixed = ["iterations=30"] }).Hash());
        Assert.DoesNotContain("fixed=", (spec with { Fixed = null }).Identity(), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => TuningJournal.Open(dir.File("f.jsonl"), spec with { Fixed = ["iterations=30"] }));

        var recipe = RecipeFile.Write(dir.File("r.json"), outcome, "1.2.3", null);
        var entry = recipe["methods"]!["iu"]!;
        Assert.Equal(["iterations=20", "hessian-samples=2000"], entry["fixed"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(outcome.Best!.Options, entry["options"]!.AsArray().Select(x => x!.GetValue<string>()));

        // A searched key, an unknown key or a bad value cannot be fixed.
        Assert.Throws<ArgumentException>(() => (spec with { Fixed = ["damping=0.1"] }).CheckFixed());
        Assert.Throws<ArgumentException>(() => (spec with { Fixed = ["nonsense=1"] }).CheckFixed());
        Assert.ThrowsAny<ArgumentException>(() => (spec with { Fixed = ["iterations=0"] }).CheckFixed());
    }

    [Fact]
    public void Recipes_follow_the_schema_and_merging_keeps_other_methods()
    {
        using var dir = new TempDir();
        var path = dir.File("recipes/fashion-mnist-lenet5-random-0.05.json");
        var salun = Tuner.Run(Spec, new FakeBench(), TuningJournal.Open(dir.File("s.jsonl"), Spec));
        RecipeFile.Write(path, salun, "1.2.3", 600);
        var scrubSpec = Spec with { Method = "scrub", Budget = 3 };
        var scrub = Tuner.Run(scrubSpec, new FakeBench(), TuningJournal.Open(dir.File("sc.jsonl"), scrubSpec));
        var root = RecipeFile.Write(path, scrub, "1.2.3", null);

        Assert.Equal(1, root["schema"]!.GetValue<int>());
        Assert.Equal("1.2.3", root["kit"]!.GetValue<string>());
        Assert.Equal(("fashion-mnist", "lenet5", "random-0.05"), (root["dataset"]!.GetValue<string>(), root["model"]!.GetValue<string>(), root["forget"]!.GetValue<string>()));
        Assert.StartsWith("AvgGap(TA,RA,FA,MIA_shadow) vs Retrain", root["objective"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(100, root["seeds"]!["split"]![0]!.GetValue<int>());
        Assert.Equal(3, root["budget"]!["trials"]!.GetValue<int>());
        var reread = RecipeFile.Read(path);
        var s = reread["methods"]!["salun"]!;
        Assert.NotNull(reread["methods"]!["scrub"]);
        Assert.Equal(salun.Best!.Options, RecipeFile.Options(path, "salun"));
        Assert.Equal(salun.Best.Objective!.Value, s["best_objective"]!.GetValue<double>(), 12);
        Assert.Equal(8, s["trials"]!.GetValue<int>());
        Assert.Equal(600, s["budget"]!["seconds"]!.GetValue<double>());
        Assert.Equal(["epochs=10", "lr=0.1", "threshold=0.5"], s["defaults"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("log-uniform[0.001, 0.1]", s["search_space"]!["lr"]!.GetValue<string>());
        Assert.False(s["collapsed_all"]!.GetValue<bool>());
        Assert.False(File.Exists(path + ".tmp"));

        var other = Spec with { Model = "logreg" };
        var o = Tuner.Run(other with { Budget = 1 }, new FakeBench(), TuningJournal.Open(dir.File("o.jsonl"), other with { Budget = 1 }));
        Assert.Throws<InvalidDataException>(() => RecipeFile.Write(path, o, "1.2.3", null));
        Assert.Equal("fashion-mnist-lenet5-classwise.json", (Spec with { ForgetClass = 3 }).RecipeFileName);
        Assert.Equal("fashion-mnist-lenet5-random-0.1.json", (Spec with { ForgetRatio = 0.1 }).RecipeFileName);
    }

    private static double Lr(IReadOnlyList<string> options) =>
        options.Where(o => o.StartsWith("lr=", StringComparison.Ordinal)).Select(o => double.Parse(o[3..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0.1).Single();

    private static Dictionary<string, double> Metrics(double ta) => new() { ["TA"] = ta, ["RA"] = 0.9, ["FA"] = 0.9, ["MIA_shadow"] = 0.5 };

    /// <summary>TA = 0.9 − 4·lr (lr = 0 for other methods than SalUn), FA = 0.95 − threshold/2 (Retrain: TA 0.9, FA 0.85), original TA 0.9.</summary>
    private sealed class FakeBench : ITuningBench
    {
        public int CancelAtCall { get; init; } = -1;

        public bool Collapse { get; init; }

        public int Calls { get; private set; }

        public int Classes => 10;

        public TuningReference Reference(int seed, CancellationToken cancellationToken) =>
            new(new Dictionary<string, double> { ["TA"] = 0.9, ["RA"] = 0.95, ["FA"] = 0.85, ["MIA_shadow"] = 0.4 }, 0.9);

        public IReadOnlyDictionary<string, double> Run(string method, IReadOnlyList<string> options, int seed, CancellationToken cancellationToken)
        {
            Calls++;
            if (Calls == CancelAtCall)
            {
                throw new OperationCanceledException();
            }

            var lr = method == "salun" ? Lr(options) : 0.0;
            var threshold = options.Where(o => o.StartsWith("threshold=", StringComparison.Ordinal)).Select(o => double.Parse(o[10..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0.5).Single();
            return new Dictionary<string, double>
            {
                ["TA"] = Collapse ? 0.1 : 0.9 - (4 * lr),
                ["RA"] = 0.95 - lr,
                ["FA"] = 0.95 - (threshold / 2),
                ["MIA_shadow"] = 0.4 + threshold / 10,
            };
        }
    }
}
