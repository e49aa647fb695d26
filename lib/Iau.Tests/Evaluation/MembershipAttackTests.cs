using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Training;
using Xunit.Abstractions;

namespace Iau.Tests.Evaluation;

/// <summary>
/// A memorising target: an MLP trained for many epochs on a small, label-noisy training set (it fits the
/// noisy labels), a disjoint pool for the shadow attack, unseen samples from the same distribution, and a
/// reference model of the same architecture trained on other data. Built once for the class.
/// </summary>
public sealed class MembershipFixture : IDisposable
{
    public const int Features = 10;
    public const int Classes = 4;

    public MembershipFixture()
    {
        TestRuntime.Ensure();
        Train = SyntheticData.Blobs(200, [Features], Classes, seed: 1, separation: 1.0, labelNoise: 0.3);
        Unseen = SyntheticData.Blobs(200, [Features], Classes, seed: 2, separation: 1.0, labelNoise: 0.3);
        Pool = SyntheticData.Blobs(400, [Features], Classes, seed: 3, separation: 1.0, labelNoise: 0.3);
        Target = Create(11);
        new Trainer(Recipe).Train(Target, Train);
        Reference = Create(12);
        using (var other = Pool.Subset(Enumerable.Range(0, 200).ToArray()))
        {
            new Trainer(Recipe).Train(Reference, other);
        }

        Attack = ShadowModelAttack.Fit(Create, Pool, Options, seed: 5);
    }

    /// <summary>Target and shadows: 10 → 128 → ReLU → 4, Adam 3e-3, batch 32, 150 epochs, no early stopping.</summary>
    public static TrainingOptions Recipe { get; } = new(LearningRate: 3e-3, BatchSize: 32, MaxEpochs: 150, Patience: null, Seed: 1);

    public static ShadowAttackOptions Options { get; } = new(ShadowTraining: Recipe, EarlyStopOnOut: false, AttackEpochs: 100, AttackBatchSize: 64);

    public TensorData Train { get; }

    public TensorData Unseen { get; }

    public TensorData Pool { get; }

    public IauModel Target { get; }

    public IauModel Reference { get; }

    public ShadowModelAttack Attack { get; }

    public static IauModel Create(int seed) => ModelFactory.Create("mlp", [Features], Classes, seed, new ModelOptions([128], MlpActivation.Relu));

    public void Dispose()
    {
        Attack.Dispose();
        Target.Dispose();
        Reference.Dispose();
        Train.Dispose();
        Unseen.Dispose();
        Pool.Dispose();
    }
}

public sealed class MembershipAttackTests(MembershipFixture fx, ITestOutputHelper log) : IClassFixture<MembershipFixture>
{
    [Fact]
    public void Target_memorises_its_noisy_training_set()
    {
        var train = Evaluator.Accuracy(fx.Target, fx.Train);
        var unseen = Evaluator.Accuracy(fx.Target, fx.Unseen);
        log.WriteLine($"target accuracy: train {train:F3}, unseen {unseen:F3}");
        Assert.True(train > 0.95, $"train accuracy {train}");
        Assert.True(train - unseen > 0.2, $"train {train} vs unseen {unseen}");
    }

    [Fact]
    public void Shadow_attack_calls_training_samples_members_more_often_than_unseen_ones()
    {
        var r = fx.Attack.Report;
        log.WriteLine($"shadow: in acc {r.ShadowInAccuracy[0]:F3}, out acc {r.ShadowOutAccuracy[0]:F3}, attack train acc {r.AttackTrainAccuracy:F3}, {r.AttackSamples} samples, {r.Seconds:F1} s");
        var members = fx.Attack.MemberRate(fx.Target, fx.Train);
        var nonMembers = fx.Attack.MemberRate(fx.Target, fx.Unseen);
        var auc = fx.Attack.Auc(fx.Target, fx.Train, fx.Unseen);
        var refMembers = fx.Attack.MemberRate(fx.Reference, fx.Train);
        var refNonMembers = fx.Attack.MemberRate(fx.Reference, fx.Unseen);
        log.WriteLine($"target: member rate train {members:F3}, unseen {nonMembers:F3}, AUC {auc:F3}");
        log.WriteLine($"reference (trained on other data): member rate train {refMembers:F3}, unseen {refNonMembers:F3}");
        Assert.Equal(400, r.PoolCount);
        Assert.Equal(400, r.AttackSamples);
        Assert.True(r.AttackTrainAccuracy > 0.6, $"attack training accuracy {r.AttackTrainAccuracy}");
        Assert.True(members - nonMembers > 0.2, $"member rate {members} on members vs {nonMembers} on non-members");
        Assert.True(auc > 0.65, $"attack AUC {auc}");

        // For a model that saw neither set, both look alike.
        Assert.True(Math.Abs(refMembers - refNonMembers) < 0.2, $"reference: {refMembers} vs {refNonMembers}");
    }

    [Fact]
    public void Loss_attack_separates_members_only_for_the_model_that_saw_them()
    {
        var roc = LossAttack.Roc(fx.Target, fx.Train, fx.Unseen);
        var reference = LossAttack.Auc(fx.Reference, fx.Train, fx.Unseen);
        log.WriteLine($"loss-attack AUC: target {roc.Auc:F3}, reference {reference:F3}; TPR@FPR=0.1 {roc.TprAtFpr(0.1):F3}");
        Assert.True(roc.Auc > 0.6, $"target AUC {roc.Auc}");
        Assert.True(Math.Abs(reference - 0.5) < 0.1, $"reference AUC {reference}");
        Assert.Equal(roc.Auc, roc.TrapezoidArea(), 9);
    }

    [Fact]
    public void Entropy_attack_efficacy_is_lower_on_training_samples_than_on_unseen_ones()
    {
        using var retain = fx.Train.Subset(Enumerable.Range(0, 150).ToArray());
        using var forgetSeen = fx.Train.Subset(Enumerable.Range(150, 50).ToArray());
        using var test = fx.Unseen.Subset(Enumerable.Range(0, 100).ToArray());
        using var forgetUnseen = fx.Unseen.Subset(Enumerable.Range(100, 100).ToArray());
        var seen = EntropyAttack.Evaluate(fx.Target, retain, test, forgetSeen, seed: 0);
        var unseen = EntropyAttack.Evaluate(fx.Target, retain, test, forgetUnseen, seed: 0);
        log.WriteLine($"entropy attack: efficacy on training samples {seen.Efficacy:F3}, on unseen {unseen.Efficacy:F3} (τ {seen.Threshold:G4}, train acc {seen.TrainAccuracy:F3}, {seen.PerClass} per class)");
        Assert.Equal(100, seen.PerClass);
        Assert.True(seen.MemberBelow);
        Assert.True(unseen.Efficacy - seen.Efficacy > 0.1, $"efficacy {seen.Efficacy} on seen vs {unseen.Efficacy} on unseen");
        Assert.Equal(seen.Efficacy, EntropyAttack.Efficacy(fx.Target, retain, test, forgetSeen, seed: 0));
    }

    [Fact]
    public void Saved_and_loaded_attack_gives_identical_member_probabilities()
    {
        using var dir = new TempFolder();
        var path = dir.File("attack.bin");
        fx.Attack.Save(path);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        using var loaded = ShadowModelAttack.Load(path);
        Assert.Equal(fx.Attack.MemberProbabilities(fx.Target, fx.Unseen), loaded.MemberProbabilities(fx.Target, fx.Unseen));
        Assert.Equal(fx.Attack.MemberRate(fx.Target, fx.Train), loaded.MemberRate(fx.Target, fx.Train));
        Assert.Equal((fx.Attack.Classes, fx.Attack.Seed, fx.Attack.Options), (loaded.Classes, loaded.Seed, loaded.Options));
        Assert.Equal(fx.Attack.Report.ShadowInAccuracy, loaded.Report.ShadowInAccuracy);

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^10]);
        Assert.Throws<CheckpointFormatException>(() => ShadowModelAttack.Load(path));
    }

    [Fact]
    public void Fit_is_seeded()
    {
        using var pool = fx.Pool.Subset(Enumerable.Range(0, 80).ToArray());
        var cheap = new ShadowAttackOptions(
            Shadows: 2,
            ShadowTraining: MembershipFixture.Recipe with { MaxEpochs = 3 },
            EarlyStopOnOut: true,
            AttackHidden: 8,
            AttackEpochs: 3);
        var lines = new List<string>();
        using var a = ShadowModelAttack.Fit(MembershipFixture.Create, pool, cheap, seed: 7, new SyncProgress<string>(lines.Add));
        using var b = ShadowModelAttack.Fit(MembershipFixture.Create, pool, cheap, seed: 7);
        using var c = ShadowModelAttack.Fit(MembershipFixture.Create, pool, cheap, seed: 8);
        var pa = a.MemberProbabilities(fx.Target, fx.Unseen);
        Assert.Equal(pa, b.MemberProbabilities(fx.Target, fx.Unseen));
        Assert.NotEqual(pa, c.MemberProbabilities(fx.Target, fx.Unseen));
        Assert.Equal(a.Report.ShadowOutAccuracy, b.Report.ShadowOutAccuracy);
        Assert.Equal(a.Report.AttackTrainAccuracy, b.Report.AttackTrainAccuracy);
        Assert.Equal(160, a.Report.AttackSamples);
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public void Fit_rejects_bad_inputs()
    {
        using var tiny = fx.Pool.Subset([0, 1, 2]);
        Assert.Throws<ArgumentException>(() => ShadowModelAttack.Fit(MembershipFixture.Create, tiny, ShadowAttackOptions.Default, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShadowModelAttack.Fit(MembershipFixture.Create, fx.Pool, new ShadowAttackOptions(Shadows: 0), 0));
        using var twoClasses = fx.Pool.Subset(Enumerable.Range(0, 20).ToArray());
        Assert.Throws<ArgumentException>(() => ShadowModelAttack.Fit(
            s => ModelFactory.Create("mlp", [MembershipFixture.Features], 2, s, new ModelOptions([4])),
            twoClasses,
            ShadowAttackOptions.Default,
            0));
        using var wrongClasses = ModelFactory.Create("mlp", [MembershipFixture.Features], 3, 0, new ModelOptions([4]));
        Assert.Throws<ArgumentException>(() => fx.Attack.MemberRate(wrongClasses, fx.Unseen));
    }
}
