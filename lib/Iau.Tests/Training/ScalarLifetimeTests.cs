using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Tests.Evaluation;
using Iau.Tests.Unlearning;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Training;

/// <summary>
/// The kit's loops hand libtorch no Scalar that the finalizer could free mid-call (TorchSharp 0.107 does not keep an
/// implicitly converted Scalar alive through the native call: KeptAliveOptimizers.cs). Each test counts the Scalars
/// finalized while the kit trains, unlearns or measures; a count of 0 means every Scalar it made was held and disposed.
/// The count is process-wide, so these tests run alone.
/// </summary>
[Collection(ScalarLifetimeCollection.Name)]
public sealed class ScalarLifetimeTests(BaselineFixture baseline, MembershipFixture membership) : IClassFixture<BaselineFixture>, IClassFixture<MembershipFixture>
{
    /// <summary>Every baseline of <see cref="BaselineTests.QuickRuns"/>, and the methods and settings they leave out.</summary>
    public static TheoryData<string, string> Methods()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in BaselineTests.QuickRuns)
        {
            data.Add((string)row[0], (string)row[1]);
        }

        data.Add("neggrad+", "epochs=1 proximal=0.01");
        data.Add("iau", "");
        data.Add("random-step", "");
        data.Add("retrain", "max-epochs=1");
        data.Add("iu", "iterations=5 hessian-samples=100");
        data.Add("iu-woodfisher", "");
        return data;
    }

    [Fact]
    public void The_count_sees_a_dropped_Scalar()
    {
        using var x = ones(4);
        Assert.True(ScalarFinalizations.During(() => linalg.vector_norm(x).Dispose()) >= 1);
    }

    [Fact]
    public void A_GR_training_epoch_drops_no_Scalar()
    {
        using var model = ModelFactory.Create("lenet5", [1, 28, 28], 10, seed: 1);
        using var gen = new Generator(3);
        using var data = new TensorData(randn([256, 1, 28, 28], generator: gen), randint(0, 10, [256], generator: gen));
        var trainer = new Trainer(TrainingOptions.Paper with { MaxEpochs = 1, GrAlpha = 0.005, Seed = 1 });

        Assert.Equal(0, ScalarFinalizations.During(() => trainer.Train(model, data, data)));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_method_drops_no_Scalar(string name, string options)
    {
        var settings = MethodSettings.Parse(options.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var data = new UnlearningData(baseline.Forget, baseline.Retain, baseline.Retain, baseline.Retain);
        var dropped = ScalarFinalizations.During(() =>
        {
            using var result = Unlearner.Run(UnlearningMethods.Create(name, settings), baseline.Model, data, new UnlearningContext(Seed: 3));
        });
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void Measuring_a_model_drops_no_Scalar()
    {
        // The metrics of ExperimentContext.Measure: shadow attack, entropy and loss attacks, RMIA, distances, accuracy.
        var fx = membership;
        var dropped = ScalarFinalizations.During(() =>
        {
            using var attack = ShadowModelAttack.Fit(MembershipFixture.Create, fx.Pool, MembershipFixture.Options with { AttackEpochs = 5 }, seed: 6);
            attack.MemberRate(fx.Target, fx.Train);
            EntropyAttack.Efficacy(fx.Target, fx.Train, fx.Unseen, fx.Unseen, seed: 0);
            LossAttack.Roc(fx.Target, fx.Train, fx.Unseen);
            Rmia.Attack(fx.Target, fx.Train, fx.Unseen, fx.Pool, RmiaReferences.Of([fx.Reference], fx.Train, fx.Unseen, fx.Pool));
            Distances.ParameterL2(fx.Target, fx.Reference);
            Distances.JsDivergence(fx.Target, fx.Reference, fx.Unseen);
            Evaluator.Evaluate(fx.Target, fx.Unseen);
        });
        Assert.Equal(0, dropped);
    }
}

/// <summary>Tests that count finalized Scalars run alone: a test beside them dropping a Scalar would be counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScalarLifetimeCollection
{
    public const string Name = "Scalar lifetime";
}
