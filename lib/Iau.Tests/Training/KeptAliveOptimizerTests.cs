using Iau.Models;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Tests.Training;

/// <summary>
/// The kit's optimizers (Scalars kept alive through each step) must give TorchSharp's own Adam and SGD weights,
/// bit for bit, so the change leaves every committed result as it was.
/// </summary>
public class KeptAliveOptimizerTests
{
    public KeptAliveOptimizerTests()
    {
        TestRuntime.Ensure();
    }

    public static TheoryData<OptimizerKind, double, double, double> Settings() => new()
    {
        { OptimizerKind.Adam, 1e-3, 0, 0 },
        { OptimizerKind.Adam, 3e-3, 0, 1e-3 },
        { OptimizerKind.Sgd, 0.05, 0.9, 5e-4 },
        { OptimizerKind.Sgd, 0.05, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Steps_equal_TorchSharps_optimizer_bit_for_bit(OptimizerKind kind, double lr, double momentum, double weightDecay)
    {
        using var kit = ModelFactory.Create("mlp", [6], 3, seed: 4, new ModelOptions([8]));
        using var reference = ModelFactory.Create("mlp", [6], 3, seed: 4, new ModelOptions([8]));
        using var kitOptimizer = OptimizerFactory.Create(kind, kit.parameters(), lr, momentum, weightDecay);
        using OptimizerHelper referenceOptimizer = kind == OptimizerKind.Adam
            ? optim.Adam(reference.parameters(), lr, weight_decay: weightDecay)
            : optim.SGD(reference.parameters(), lr, momentum: momentum, weight_decay: weightDecay);
        using var gen = new Generator(7);
        for (var step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn([16, 6], generator: gen);
            var y = randint(0, 3, [16], generator: gen);
            foreach (var (model, optimizer) in new[] { (kit, (OptimizerHelper)kitOptimizer), (reference, referenceOptimizer) })
            {
                optimizer.zero_grad();
                GradientRestriction.Compute(model.call(x), y, model.parameters().Cast<Tensor>().ToList(), 0.01).Total.backward();
                optimizer.step();
            }
        }

        var moved = false;
        using var initial = ModelFactory.Create("mlp", [6], 3, seed: 4, new ModelOptions([8]));
        foreach (var ((a, b), start) in kit.parameters().Zip(reference.parameters()).Zip(initial.parameters()))
        {
            Assert.True(a.eq(b).all().item<bool>(), $"{kind}: a parameter differs from TorchSharp's optimizer");
            moved |= !a.eq(start).all().item<bool>();
        }

        Assert.True(moved, "the steps changed nothing");
    }
}
