using Iau.Data;
using Iau.Influence;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Unlearning;

/// <summary>RL, Bad Teacher and SSD on <see cref="BaselineFixture"/> (class-wise forgetting of class 0).</summary>
public sealed class NewBaselineTests(BaselineFixture fixture) : IClassFixture<BaselineFixture>
{
    private readonly IauModel model = fixture.Model;

    public static TheoryData<string, string> ClassForgetting => new()
    {
        { "rl", "epochs=3 batch=32" },
        { "bad-teacher", "epochs=10 lr=0.01 batch=32" },
        { "ssd", string.Empty },
    };

    [Theory]
    [MemberData(nameof(ClassForgetting))]
    public void Forgetting_a_whole_class_lowers_its_accuracy_and_keeps_the_others(string name, string options)
    {
        var (forget, retain) = ClassSplit(fixture.Train, 0);
        using var f = forget;
        using var r = retain;
        var before = Evaluator.Accuracy(model, forget);
        var retainBefore = Evaluator.Accuracy(model, retain);
        using var result = Unlearner.Run(UnlearningMethods.Create(name, Settings(options)), model, new UnlearningData(forget, retain), new UnlearningContext(Seed: 1));
        var after = Evaluator.Accuracy(result.Model, forget);
        var retainAfter = Evaluator.Accuracy(result.Model, retain);
        Assert.True(before > 0.7, $"the fixture model should know class 0 (FA {before:F2})");
        Assert.True(after < before - 0.3, $"{name}: forget accuracy {before:F2} → {after:F2}");
        Assert.True(retainAfter > retainBefore - 0.25, $"{name}: retain accuracy {retainBefore:F2} → {retainAfter:F2}");
    }

    [Theory]
    [InlineData("rl", "epochs=1")]
    [InlineData("bad-teacher", "epochs=1")]
    public void The_seed_drives_the_random_choices(string name, string options)
    {
        var data = new UnlearningData(fixture.Forget, fixture.Retain);
        using var a = Unlearner.Run(UnlearningMethods.Create(name, Settings(options)), model, data, new UnlearningContext(Seed: 1));
        using var b = Unlearner.Run(UnlearningMethods.Create(name, Settings(options)), model, data, new UnlearningContext(Seed: 2));
        Assert.False(a.Model.StateEquals(b.Model), $"{name} ignores its seed");
    }

    [Fact]
    public void Ssd_dampens_exactly_the_weights_more_important_to_the_forget_set()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(tensor(new[] { 1f, 2f, 3f, 4f }), requires_grad: true);
        using var forgetImp = new ParameterVector([tensor(new[] { 10.0, 1.0, 50.0, 0.0 })]);
        using var fullImp = new ParameterVector([tensor(new[] { 2.0, 1.0, 4.0, 0.0 })]);

        // α = 2: selected where imp_f > 2·imp_D → weights 0 (10 > 4) and 2 (50 > 8); λ = 1 gives factors 2/10 and 4/50.
        var changed = SsdMethod.Dampen([p], forgetImp, fullImp, lambda: 1, alpha: 2);
        Assert.Equal(2, changed);
        Assert.Equal(new[] { 0.2f, 2f, 3f * 4f / 50f, 4f }, p.data<float>().ToArray(), new Tolerance(1e-6f));

        // λ large enough caps the factor at 1: nothing grows.
        var q = new TorchSharp.Modules.Parameter(tensor(new[] { 1f, 2f, 3f, 4f }), requires_grad: true);
        SsdMethod.Dampen([q], forgetImp, fullImp, lambda: 100, alpha: 2);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, q.data<float>().ToArray());
    }

    [Fact]
    public void Bad_teacher_loss_picks_the_incompetent_teacher_on_forget_rows()
    {
        using var scope = NewDisposeScope();
        var student = tensor(new[,] { { 2f, 0f, 0f }, { 0f, 3f, 0f } });
        var competent = tensor(new[,] { { 0f, 0f, 5f }, { 0f, 3f, 0f } });
        var incompetent = tensor(new[,] { { 2f, 0f, 0f }, { 1f, 1f, 1f } });

        // Row 0 is a forget row and matches the incompetent teacher; row 1 a retain row matching the competent one.
        var zero = BadTeacherMethod.Loss(student, competent, incompetent, tensor(new[] { 1f, 0f }), 1).item<float>();
        Assert.Equal(0f, zero, 1e-6f);
        var swapped = BadTeacherMethod.Loss(student, competent, incompetent, tensor(new[] { 0f, 1f }), 1).item<float>();
        Assert.True(swapped > 0.1f);
    }

    private static (TensorData Forget, TensorData Retain) ClassSplit(TensorData train, long c)
    {
        var labels = train.Labels.data<long>().ToArray();
        var rows = Enumerable.Range(0, train.Count).Where(i => labels[i] == c).ToArray();
        return (train.Subset(rows), train.Subset(Enumerable.Range(0, train.Count).Except(rows).ToArray()));
    }

    private static MethodSettings Settings(string options) =>
        MethodSettings.Parse(options.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private sealed class Tolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
