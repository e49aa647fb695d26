using System.Text.Json;
using Iau.Evaluation;
using Xunit.Abstractions;

namespace Iau.Tests.Evaluation;

/// <summary>The authors' MIA set-up (<see cref="ShadowAttackOptions.Paper"/>) on the memorising fixture.</summary>
public sealed class PaperAttackPresetTests(MembershipFixture fx, ITestOutputHelper log) : IClassFixture<MembershipFixture>
{
    // The fixture's pool has 400 samples: at batch 8192 the attack would take one step per epoch, so the
    // test uses batch 64 (the network, loss, optimiser, learning rate and epochs are the preset's).
    private static ShadowAttackOptions Options { get; } = ShadowAttackOptions.Paper(MembershipFixture.Recipe) with { AttackBatchSize = 64 };

    [Fact]
    public void Paper_preset_is_the_authors_setup()
    {
        var p = ShadowAttackOptions.Paper();
        Assert.Equal((3, 50, 0.01, 8192, MiaPreset.Paper, false), (p.Shadows, p.AttackEpochs, p.AttackLearningRate, p.AttackBatchSize, p.Preset, p.EarlyStopOnOut));
        Assert.Equal((1024, 25, (int?)null), (p.EffectiveShadowTraining.BatchSize, p.EffectiveShadowTraining.MaxEpochs, p.EffectiveShadowTraining.Patience));

        // The quick preset's JSON (part of cached attacks' hashes) does not mention the preset at all.
        Assert.DoesNotContain("Preset", JsonSerializer.Serialize(ShadowAttackOptions.Default), StringComparison.Ordinal);
        Assert.Contains("\"Preset\":1", JsonSerializer.Serialize(p), StringComparison.Ordinal);

        using var net = new PaperAttackNet(8, seed: 0);
        Assert.Equal(
            ["layers.fc1.weight", "layers.fc1.bias", "layers.fc2.weight", "layers.fc2.bias", "layers.fc3.weight", "layers.fc3.bias", "layers.out.weight", "layers.out.bias"],
            net.named_parameters().Select(x => x.name));
        Assert.Equal([[256L, 8], [128, 256], [32, 128], [1, 32]], net.named_parameters().Where(x => x.name.EndsWith("weight", StringComparison.Ordinal)).Select(x => x.parameter.shape));
    }

    [Fact]
    public void Paper_attack_separates_members_reproducibly_and_survives_a_round_trip()
    {
        using var attack = ShadowModelAttack.Fit(MembershipFixture.Create, fx.Pool, Options, seed: 5);
        var r = attack.Report;
        var members = attack.MemberRate(fx.Target, fx.Train);
        var nonMembers = attack.MemberRate(fx.Target, fx.Unseen);
        log.WriteLine($"paper preset: {r.ShadowInAccuracy.Count} shadows, attack train acc {r.AttackTrainAccuracy:F3}; member rate train {members:F3}, unseen {nonMembers:F3}");
        Assert.Equal(3, r.ShadowInAccuracy.Count);
        Assert.Equal(3 * 400, r.AttackSamples);
        Assert.True(members - nonMembers > 0.15, $"member rate {members} on members vs {nonMembers} on non-members");

        using var again = ShadowModelAttack.Fit(MembershipFixture.Create, fx.Pool, Options, seed: 5);
        Assert.Equal(attack.MemberProbabilities(fx.Target, fx.Unseen), again.MemberProbabilities(fx.Target, fx.Unseen));

        using var dir = new Iau.Tests.Training.TempFolder();
        var path = dir.File("paper-attack.bin");
        attack.Save(path);
        using var loaded = ShadowModelAttack.Load(path);
        Assert.Equal(MiaPreset.Paper, loaded.Options.Preset);
        Assert.Equal(attack.MemberProbabilities(fx.Target, fx.Train), loaded.MemberProbabilities(fx.Target, fx.Train));
    }
}
