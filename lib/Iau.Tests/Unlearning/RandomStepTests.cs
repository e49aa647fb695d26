using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Unlearning;
using static TorchSharp.torch;

namespace Iau.Tests.Unlearning;

/// <summary>The random-direction control moves every parameter tensor as far as IAU does, elsewhere.</summary>
public sealed class RandomStepTests : IDisposable
{
    private readonly TrainedMlp setup = new();
    private readonly TensorData train;
    private readonly TensorData forget;
    private readonly TensorData retain;
    private readonly IauModel model;

    public RandomStepTests()
    {
        (train, forget, retain, model) = (setup.Train, setup.Forget, setup.Retain, setup.Model);
    }

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Each_tensor_moves_by_the_norm_of_IAUs_step_in_a_seeded_other_direction()
    {
        var data = new UnlearningData(forget, retain);
        using var iau = Unlearner.Run(new IauMethod(), model, data, new UnlearningContext(Seed: 4));
        using var control = Unlearner.Run(UnlearningMethods.Create("random-step"), model, data, new UnlearningContext(Seed: 4));
        using var again = Unlearner.Run(UnlearningMethods.Create("random-step"), model, data, new UnlearningContext(Seed: 4));
        using var other = Unlearner.Run(UnlearningMethods.Create("random-step"), model, data, new UnlearningContext(Seed: 5));
        var before = Gradients.Trainable(model);
        var a = Gradients.Trainable(iau.Model);
        var r = Gradients.Trainable(control.Model);
        var r2 = Gradients.Trainable(again.Model);
        var o = Gradients.Trainable(other.Model);
        using var scope = NewDisposeScope();
        for (var i = 0; i < before.Count; i++)
        {
            var di = a[i] - before[i];
            var dr = r[i] - before[i];
            var normIau = di.norm().item<float>();
            Assert.True(normIau > 0, $"IAU moved tensor {i}");
            Assert.Equal(normIau, dr.norm().item<float>(), normIau * 1e-4);
            var cosine = (di * dr).sum().item<float>() / (normIau * dr.norm().item<float>());
            Assert.True(Math.Abs(cosine) < 0.9, $"tensor {i}: the control's direction is IAU's (cosine {cosine})");
            Assert.True(r[i].eq(r2[i]).all().item<bool>(), $"tensor {i}: same seed, same step");
            Assert.False(r[i].eq(o[i]).all().item<bool>(), $"tensor {i}: another seed, another direction");
        }
    }
}
