using Iau.Data;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Unlearning;

/// <summary>A small trained MLP (240 Gaussian-blob samples, 6 features, 3 classes) with D_f = every 8th sample.</summary>
public sealed class BaselineFixture : IDisposable
{
    private readonly TrainedMlp mlp = new(separation: 2.0, labelNoise: 0.1, epochs: 30);

    public TensorData Train => mlp.Train;

    public TensorData Forget => mlp.Forget;

    public TensorData Retain => mlp.Retain;

    public IauModel Model => mlp.Model;

    public void Dispose() => mlp.Dispose();
}

/// <summary>The gradient-based baselines (FT, GA, NegGrad+, ℓ1-sparse, SalUn, SCRUB, Fisher) on <see cref="BaselineFixture"/>.</summary>
public sealed class BaselineTests(BaselineFixture fixture) : IClassFixture<BaselineFixture>
{
    private readonly TensorData train = fixture.Train;
    private readonly TensorData forget = fixture.Forget;
    private readonly TensorData retain = fixture.Retain;
    private readonly IauModel model = fixture.Model;

    public static TheoryData<string, string> QuickRuns => new()
    {
        { "ft", "epochs=1" },
        { "ga", "epochs=1" },
        { "neggrad+", "epochs=1" },
        { "l1sparse", "epochs=1" },
        { "salun", "epochs=1" },
        { "scrub", "epochs=1" },
        { "fisher", "chunk=64" },
        { "rl", "epochs=1" },
        { "bad-teacher", "epochs=1" },
        { "ssd", "alpha=1" },
    };

    private UnlearningData Data => new(forget, retain);

    [Theory]
    [MemberData(nameof(QuickRuns))]
    public void Every_baseline_leaves_the_original_untouched_and_returns_a_changed_model(string name, string options)
    {
        using var before = model.Clone();
        var method = UnlearningMethods.Create(name, Settings(options));
        var reports = new List<UnlearningProgress>();
        using var result = Unlearner.Run(method, model, Data, new UnlearningContext(Seed: 3), new SyncProgress<UnlearningProgress>(reports.Add));

        Assert.True(model.StateEquals(before), $"{name} modified the original");
        Assert.False(result.Model.StateEquals(model), $"{name} returned the original weights");
        Assert.False(ReferenceEquals(result.Model, model));
        Assert.Equal(name, result.Method);
        Assert.Equal(name, method.Name);
        Assert.False(string.IsNullOrWhiteSpace(result.Description));
        Assert.True(result.Steps >= 1);
        Assert.Equal(result.Steps, reports.Count);
        Assert.True(result.Seconds > 0);
        using var scope = NewDisposeScope();
        Assert.All(result.Model.parameters(), p => Assert.True(p.isfinite().all().item<bool>(), $"{name} produced non-finite weights"));
    }

    [Theory]
    [MemberData(nameof(QuickRuns))]
    public void Every_baseline_is_reproducible_from_its_seed(string name, string options)
    {
        using var a = Unlearner.Run(UnlearningMethods.Create(name, Settings(options)), model, Data, new UnlearningContext(Seed: 5));
        using var b = Unlearner.Run(UnlearningMethods.Create(name, Settings(options)), model, Data, new UnlearningContext(Seed: 5));
        Assert.True(a.Model.StateEquals(b.Model), $"{name} is not deterministic");
    }

    [Fact]
    public void Registry_lists_every_baseline_with_its_options_and_rejects_unknown_ones()
    {
        foreach (var name in new[] { "ft", "ga", "neggrad+", "l1sparse", "salun", "scrub", "fisher", "rl", "bad-teacher", "ssd" })
        {
            var entry = UnlearningMethods.All.Single(e => e.Name == name);
            Assert.False(string.IsNullOrWhiteSpace(entry.Summary));
            Assert.Contains("=", entry.Options, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(UnlearningMethods.Create(name).Describe()));
            var error = Assert.Throws<ArgumentException>(() => UnlearningMethods.Create(name, Settings("bogus-key=1")));
            Assert.Contains("bogus-key", error.Message, StringComparison.Ordinal);
        }

        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("ft", Settings("epochs=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("ga", Settings("lr=-1")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("neggrad+", Settings("beta=1.5")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("l1sparse", Settings("epochs=2 no-l1-epochs=3")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("salun", Settings("threshold=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("scrub", Settings("lr-decay-epochs=3,x")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("fisher", Settings("alpha=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("rl", Settings("epochs=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("bad-teacher", Settings("retain-share=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("bad-teacher", Settings("retain-share=1.5")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("ssd", Settings("lambda=0")));
        Assert.ThrowsAny<ArgumentException>(() => UnlearningMethods.Create("ssd", Settings("alpha=x")));
    }

    [Fact]
    public void Defaults_are_the_reference_settings()
    {
        Assert.Equal(new FineTuneOptions(10, 0.01, 0.9, 5e-4, 256), ((FineTuneMethod)UnlearningMethods.Create("ft")).Options);
        Assert.Equal(new GradientAscentOptions(5, 1e-4, 0.9, 5e-4, 256), ((GradientAscentMethod)UnlearningMethods.Create("ga")).Options);
        var negGrad = ((NegGradPlusMethod)UnlearningMethods.Create("neggrad+")).Options;
        Assert.Equal((0.95, 10, 0.01, 0.0), (negGrad.Beta, negGrad.Epochs, negGrad.LearningRate, negGrad.Proximal));
        Assert.Equal(5e-4, ((L1SparseMethod)UnlearningMethods.Create("l1sparse")).Options.Gamma);
        Assert.Equal(0.5, ((SalUnMethod)UnlearningMethods.Create("salun")).Options.Threshold);
        var scrub = ((ScrubMethod)UnlearningMethods.Create("scrub")).Options;
        Assert.Equal((3, 2, 5e-4, 0.001, 0.99, 4.0), (scrub.Epochs, scrub.MaxSteps, scrub.LearningRate, scrub.Alpha, scrub.Gamma, scrub.Temperature));
        Assert.Equal(1e-6, ((FisherForgettingMethod)UnlearningMethods.Create("fisher")).Options.Alpha);
        var parsed = ((FineTuneMethod)UnlearningMethods.Create("ft", Settings("epochs=3 lr=0.05 batch=32"))).Options;
        Assert.Equal(new FineTuneOptions(3, 0.05, 0.9, 5e-4, 32), parsed);
    }

    [Fact]
    public void Gradient_ascent_raises_the_forget_loss()
    {
        var before = Evaluator.Evaluate(model, forget).MeanLoss;
        using var result = Unlearner.Run(UnlearningMethods.Create("ga", Settings("epochs=3 lr=0.1 batch=16")), model, Data);
        var after = Evaluator.Evaluate(result.Model, forget).MeanLoss;
        Assert.True(after > before + 0.05, $"forget loss {before:F4} -> {after:F4}");
        Assert.Equal(3, result.Steps);
    }

    [Fact]
    public void Fine_tuning_lowers_the_retain_loss()
    {
        var before = Evaluator.Evaluate(model, retain).MeanLoss;
        using var result = Unlearner.Run(UnlearningMethods.Create("ft", Settings("epochs=3 batch=32")), model, Data);
        var after = Evaluator.Evaluate(result.Model, retain).MeanLoss;
        Assert.True(after < before, $"retain loss {before:F4} -> {after:F4}");
        Assert.Equal("3", result.Notes["epochs"]);
    }

    [Fact]
    public void NegGrad_plus_with_beta_one_is_fine_tuning_and_a_forget_weight_raises_the_forget_loss()
    {
        const string sgd = "epochs=2 lr=0.05 momentum=0 weight-decay=0 batch=32";
        using var ft = Unlearner.Run(UnlearningMethods.Create("ft", Settings(sgd)), model, Data);
        using var pure = Unlearner.Run(UnlearningMethods.Create("neggrad+", Settings(sgd + " beta=1 forget-batch=8")), model, Data);
        Assert.True(pure.Model.StateEquals(ft.Model), "NegGrad+ with β = 1 should be exactly fine-tuning");

        using var mixed = Unlearner.Run(UnlearningMethods.Create("neggrad+", Settings(sgd + " beta=0.7 forget-batch=8")), model, Data);
        Assert.True(Evaluator.Evaluate(mixed.Model, forget).MeanLoss > Evaluator.Evaluate(ft.Model, forget).MeanLoss);

        // The proximal term pulls the weights back towards the original.
        using var anchored = Unlearner.Run(UnlearningMethods.Create("neggrad+", Settings(sgd + " beta=0.7 forget-batch=8 proximal=5")), model, Data);
        Assert.True(Distance(anchored.Model, model) < Distance(mixed.Model, model));
    }

    [Fact]
    public void L1_sparse_decays_gamma_linearly_and_shrinks_the_l1_norm()
    {
        var o = new L1SparseOptions(Epochs: 10, Gamma: 5e-4);
        Assert.Equal(5e-4, o.GammaAt(0), 12);
        Assert.Equal(2.5e-4, o.GammaAt(5), 12);
        Assert.Equal(5e-5, o.GammaAt(9), 12);
        var tail = new L1SparseOptions(Epochs: 10, Gamma: 1, NoL1Epochs: 2);
        Assert.Equal(1 - (7.0 / 8), tail.GammaAt(7), 12);
        Assert.Equal(0, tail.GammaAt(8));
        Assert.Equal(1, new L1SparseOptions(Epochs: 2, Gamma: 1, NoL1Epochs: 2).GammaAt(1));

        const string common = "epochs=2 batch=32";
        using var ft = Unlearner.Run(UnlearningMethods.Create("ft", Settings(common)), model, Data);
        using var zero = Unlearner.Run(UnlearningMethods.Create("l1sparse", Settings(common + " gamma=0")), model, Data);
        Assert.True(zero.Model.StateEquals(ft.Model), "γ = 0 should be exactly fine-tuning");
        using var sparse = Unlearner.Run(UnlearningMethods.Create("l1sparse", Settings(common + " gamma=0.01")), model, Data);
        Assert.True(L1(sparse.Model) < L1(ft.Model) - 0.5, $"‖θ‖₁ {L1(ft.Model):F3} (FT) vs {L1(sparse.Model):F3} (ℓ1)");
    }

    [Fact]
    public void SalUn_changes_only_the_most_salient_weights()
    {
        const double threshold = 0.3;
        var parameters = BaselineSupport.TrainableOrThrow(model);
        using var mask = SalUnMethod.SaliencyMask(model, parameters, Data, new UnlearningContext(), threshold);
        using var result = Unlearner.Run(UnlearningMethods.Create("salun", Settings($"epochs=2 lr=0.05 batch=32 threshold={threshold}")), model, Data);

        using var scope = NewDisposeScope();
        var after = result.Model.parameters().ToList();
        long changed = 0, masked = 0, total = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            var moved = after[i].ne(parameters[i]);
            Assert.False(moved.logical_and(mask.Parts[i].eq(0)).any().item<bool>(), $"parameter {i} changed outside the mask");
            changed += moved.sum().item<long>();
            masked += mask.Parts[i].sum().to(ScalarType.Int64).item<long>();
            total += parameters[i].numel();
        }

        Assert.Equal((long)Math.Floor(threshold * total), masked);
        Assert.InRange((double)changed / total, 0.8 * threshold, threshold);
        Assert.Equal((double)masked / total, double.Parse(result.Notes["mask share"], System.Globalization.CultureInfo.InvariantCulture), 3);
    }

    [Fact]
    public void Scrub_moves_the_student_away_from_the_teacher_on_the_forget_set_only()
    {
        var (classForget, classRetain) = ClassSplit(0);
        using (classForget)
        using (classRetain)
        {
            var data = new UnlearningData(classForget, classRetain);
            var retainAccuracy = Evaluator.Accuracy(model, classRetain);
            using var result = Unlearner.Run(UnlearningMethods.Create("scrub", Settings("epochs=3 msteps=2 lr=0.01 forget-batch=8 batch=32")), model, data);
            var klForget = MeanKl(result.Model, classForget);
            var klRetain = MeanKl(result.Model, classRetain);
            Assert.True(klForget > 0.1, $"KL on D_f {klForget:G4}");
            Assert.True(klForget > 3 * klRetain, $"KL on D_f {klForget:G4}, on D_r {klRetain:G4}");
            Assert.True(Evaluator.Accuracy(result.Model, classRetain) >= retainAccuracy - 0.1);
            Assert.Contains("forget KL epoch 2", result.Notes.Keys);
            Assert.DoesNotContain("forget KL epoch 3", result.Notes.Keys);
        }
    }

    [Fact]
    public void Scrub_learning_rate_schedule_and_distillation_loss_follow_the_reference()
    {
        var o = new ScrubOptions(LearningRate: 1);
        Assert.Equal(1, o.LearningRateAt(1));
        Assert.Equal(1, o.LearningRateAt(3));
        Assert.Equal(0.1, o.LearningRateAt(4), 12);
        Assert.Equal(0.01, o.LearningRateAt(6), 12);
        Assert.Equal(0.001, o.LearningRateAt(10), 12);

        using var scope = NewDisposeScope();
        random.manual_seed(4);
        var s = randn(5, 3, dtype: ScalarType.Float64);
        var t = randn(5, 3, dtype: ScalarType.Float64);
        const double temperature = 4;
        var pt = (t / temperature).softmax(1);
        var expected = (pt * (pt.log() - (s / temperature).log_softmax(1))).sum().item<double>() * temperature * temperature / 5;
        Assert.Equal(expected, ScrubMethod.DistillKl(s, t, temperature).item<double>(), 10);
        Assert.Equal(0, ScrubMethod.DistillKl(t, t, temperature).item<double>(), 10);
    }

    [Fact]
    public void Fisher_is_seeded_counts_its_steps_and_caps_its_samples()
    {
        var reports = new List<UnlearningProgress>();
        using var a = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("chunk=50")), model, Data, new UnlearningContext(Seed: 1), new SyncProgress<UnlearningProgress>(reports.Add));
        using var b = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("chunk=100")), model, Data, new UnlearningContext(Seed: 1));
        using var c = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("chunk=50")), model, Data, new UnlearningContext(Seed: 2));
        Assert.True(a.Model.StateEquals(b.Model), "the chunk size must not change the result");
        Assert.False(a.Model.StateEquals(c.Model), "another seed must give other noise");
        Assert.Equal(((retain.Count + 49) / 50) + 1, a.Steps);
        Assert.All(reports, r => Assert.Equal("chunk", r.Unit));
        Assert.Equal(retain.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Notes["fisher samples"]);
        Assert.Equal("no", a.Notes["class-wise reset"]);
        Assert.Equal("batched per chunk", a.Notes["fisher gradients"]);
        Assert.Equal((((retain.Count + 49) / 50) * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), a.Notes["backward passes"]);

        using var loop = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("chunk=50 batched=false")), model, Data, new UnlearningContext(Seed: 1));
        Assert.StartsWith("one sample at a time", loop.Notes["fisher gradients"], StringComparison.Ordinal);
        Assert.Equal((retain.Count * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), loop.Notes["backward passes"]);
        Assert.True(MaxRelativeDifference(a.Model, loop.Model) < 1e-5, "batched and per-sample Fisher forgetting must agree to float rounding");

        using var capped = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("max-samples=40 chunk=16")), model, Data);
        Assert.Equal("40", capped.Notes["fisher samples"]);
        Assert.Equal(4, capped.Steps);
    }

    [Fact]
    public void Fisher_noise_variance_shrinks_where_the_fisher_is_large()
    {
        using var scope = NewDisposeScope();
        const double alpha = 1e-6;
        var bias = FisherForgettingMethod.NoiseVariance(tensor(new[] { 1e-6, 1e-2, 1.0, 100.0 }), outputLayer: false, alpha);
        var expectedBias = new[] { 1e3, 1e2, 1.0, 1e-2 }.Select(v => v * alpha * 10).ToArray();
        Assert.Equal(expectedBias, bias.data<double>().ToArray(), new ToleranceComparer(1e-5));

        var weight = FisherForgettingMethod.NoiseVariance(tensor(new[,] { { 1.0, 1.0 }, { 100.0, 100.0 }, { 1.0, 3.0 } }), outputLayer: false, alpha);
        var w = weight.data<double>().ToArray();
        Assert.Equal(alpha, w[0], 12);
        Assert.Equal(alpha, w[1], 12);
        Assert.True(w[2] < w[0] / 50);
        Assert.Equal(w[2], w[3]);
        Assert.Equal(alpha * ((1.0 / (1 + 1e-8)) + (1.0 / (3 + 1e-8))) / 2, w[4], 12);
        Assert.Equal(w[4], w[5]);

        var output = FisherForgettingMethod.NoiseVariance(tensor(new[] { 1e-6, 1.0 }), outputLayer: true, alpha);
        Assert.Equal(1e2 * alpha * 10, output[0].item<double>(), 12);
        Assert.Equal(alpha * 10, output[1].item<double>(), 12);
    }

    [Fact]
    public void Fisher_matches_the_closed_form_of_logistic_regression()
    {
        using var logreg = ModelFactory.Create("logreg", [6], 3, seed: 7);
        logreg.to(ScalarType.Float64);
        using var data = new TensorData(forget.Features.to(ScalarType.Float64), forget.Labels.clone());
        using var fisher = FisherForgettingMethod.DiagonalFisher(logreg, data);

        // ∇_W ℓ(x, y') = (p − e_y') xᵀ and ∇_b ℓ(x, y') = p − e_y', so Σ_y' p_y' (·)² is explicit.
        using var scope = NewDisposeScope();
        var parameters = BaselineSupport.TrainableOrThrow(logreg);
        var p = logreg.call(data.Features).softmax(1).detach().data<double>().ToArray();
        var x = data.Features.data<double>().ToArray();
        var expectedW = new double[3 * 6];
        var expectedB = new double[3];
        for (var n = 0; n < data.Count; n++)
        {
            for (var y = 0; y < 3; y++)
            {
                for (var k = 0; k < 3; k++)
                {
                    var r = p[(n * 3) + k] - (k == y ? 1 : 0);
                    expectedB[k] += p[(n * 3) + y] * r * r / data.Count;
                    for (var f = 0; f < 6; f++)
                    {
                        expectedW[(k * 6) + f] += p[(n * 3) + y] * r * r * x[(n * 6) + f] * x[(n * 6) + f] / data.Count;
                    }
                }
            }
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            var expected = parameters[i].dim() == 2 ? expectedW : expectedB;
            Assert.Equal(expected, fisher.Parts[i].reshape(-1).data<double>().ToArray(), new ToleranceComparer(1e-9));
        }
    }

    [Fact]
    public void Fisher_resets_the_output_row_of_a_forgotten_class()
    {
        var (classForget, classRetain) = ClassSplit(0);
        using var disposeForget = classForget;
        using var disposeRetain = classRetain;
        var data = new UnlearningData(classForget, classRetain);
        Assert.Equal(0, FisherForgettingMethod.ForgottenClass(data));
        Assert.Null(FisherForgettingMethod.ForgottenClass(Data));

        using var result = Unlearner.Run(UnlearningMethods.Create("fisher", Settings("max-samples=30")), model, data);
        Assert.Equal("0", result.Notes["class-wise reset"]);
        using var scope = NewDisposeScope();
        var output = result.Model.parameters().ToList()[^2];
        var original = model.parameters().ToList()[^2];
        Assert.Equal(3, output.shape[0]);

        // Row 0 is redrawn around 0 with variance 1e-3 (std ≈ 0.032); the other rows keep their means.
        Assert.True(output[0].abs().max().item<float>() < 0.2f);
        Assert.True(original[0].abs().max().item<float>() > 0.2f);
        Assert.True(output[1].sub(original[1]).abs().max().item<float>() < 0.5f);
    }

    private (TensorData Forget, TensorData Retain) ClassSplit(long c)
    {
        var labels = train.Labels.data<long>().ToArray();
        var rows = Enumerable.Range(0, train.Count).Where(i => labels[i] == c).ToArray();
        return (train.Subset(rows), train.Subset(Enumerable.Range(0, train.Count).Except(rows).ToArray()));
    }

    private static MethodSettings Settings(string options) =>
        MethodSettings.Parse(options.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static double Distance(IauModel a, IauModel b)
    {
        using var scope = NewDisposeScope();
        return Math.Sqrt(a.parameters().Zip(b.parameters()).Sum(p => (p.First - p.Second).pow(2).sum().item<float>()));
    }

    private static double L1(IauModel m)
    {
        using var scope = NewDisposeScope();
        return m.parameters().Sum(p => p.abs().sum().item<float>());
    }

    private double MeanKl(IauModel student, TensorData data)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        student.eval();
        model.eval();
        return ScrubMethod.DistillKl(student.call(data.Features), model.call(data.Features), 4).item<float>();
    }

    /// <summary>max |a − b| / max |b| over all parameters.</summary>
    private static double MaxRelativeDifference(IauModel a, IauModel b)
    {
        using var scope = NewDisposeScope();
        var x = cat(a.parameters().Select(p => p.detach().reshape(-1)).ToArray());
        var y = cat(b.parameters().Select(p => p.detach().reshape(-1)).ToArray());
        return (x - y).abs().max().item<float>() / y.abs().max().item<float>();
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));

        public int GetHashCode(double obj) => 0;
    }
}
