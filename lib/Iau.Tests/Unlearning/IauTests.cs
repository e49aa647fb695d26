using Iau.Data;
using Iau.Evaluation;
using Iau.Influence;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Training;
using Iau.Unlearning;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Tests.Unlearning;

public sealed class IauTests : IDisposable
{
    private readonly TrainedMlp setup = new();
    private readonly TensorData train;
    private readonly TensorData forget;
    private readonly TensorData retain;
    private readonly IauModel model;
    private readonly int[] forgetRows;

    public IauTests()
    {
        (train, forget, retain, model) = (setup.Train, setup.Forget, setup.Retain, setup.Model);
        forgetRows = setup.ForgetRows;
    }

    public void Dispose() => setup.Dispose();

    private UnlearningData Data => new(forget, retain);

    [Fact]
    public void Chunked_mean_gradient_equals_the_full_batch_gradient()
    {
        using var chunked = Gradients.MeanGradient(model, train, chunkSize: 7);
        using var scope = NewDisposeScope();
        var parameters = Gradients.Trainable(model);
        var loss = F.cross_entropy(model.forward(train.Features), train.Labels);
        var full = autograd.grad([loss], parameters.Cast<Tensor>().ToList());
        for (var i = 0; i < full.Count; i++)
        {
            Assert.True(chunked.Parts[i].allclose(full[i], rtol: 1e-4, atol: 1e-6), $"parameter {i} differs");
        }
    }

    [Fact]
    public void Paper_preset_is_one_fresh_adam_step_on_retain_minus_forget_gradient()
    {
        using var result = Unlearner.Run(new IauMethod(), model, Data);
        using var gr = Gradients.MeanGradient(model, retain);
        using var gf = Gradients.MeanGradient(model, forget);
        using var g = gr.Clone();
        g.Combine(1, gf, -1);

        // A first Adam step with fresh state moves each weight by −lr · m̂/(√v̂ + ε) = −lr · g/(|g| + ε).
        using var scope = NewDisposeScope();
        var before = model.parameters().ToList();
        var after = result.Model.parameters().ToList();
        for (var i = 0; i < before.Count; i++)
        {
            var expected = before[i] - (1e-3 * g.Parts[i] / (g.Parts[i].abs() + 1e-8));
            Assert.True(after[i].allclose(expected, rtol: 1e-5, atol: 1e-7), $"parameter {i} differs from one Adam step");
        }

        Assert.Equal(1, result.Steps);
        Assert.True(result.Seconds > 0);
        Assert.Equal("recomputed", result.Notes["retain gradient"]);
    }

    [Fact]
    public void Sgd_step_is_theta_minus_eta_g_and_ia_drops_the_retain_term()
    {
        var o = new IauOptions(LearningRate: 0.05, Optimizer: OptimizerKind.Sgd, RetainWeight: 0);
        using var result = Unlearner.Run(new IauMethod(o), model, Data);
        using var gf = Gradients.MeanGradient(model, forget);
        using var scope = NewDisposeScope();
        var before = model.parameters().ToList();
        var after = result.Model.parameters().ToList();
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(after[i].allclose(before[i] + (0.05 * gf.Parts[i]), rtol: 1e-5, atol: 1e-7));
        }
    }

    [Fact]
    public void Cached_retain_gradient_equals_the_recomputed_one_at_theta_star()
    {
        using var cache = GradientCache.Compute(model, train, chunkSize: 50);
        using var gf = Gradients.MeanGradient(model, forget);
        using var fromCache = cache.RetainGradient(gf, forget.Count);
        using var direct = Gradients.MeanGradient(model, retain);
        for (var i = 0; i < direct.Parts.Count; i++)
        {
            Assert.True(fromCache.Parts[i].allclose(direct.Parts[i], rtol: 1e-4, atol: 1e-6), $"parameter {i} differs");
        }

        using var exact = Unlearner.Run(new IauMethod(IauOptions.PaperPreset with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.1 }), model, Data);
        using var cached = Unlearner.Run(new IauMethod(IauOptions.Cached with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.1 }), model, Data, new UnlearningContext(Cache: cache));
        Assert.Equal("from cache", cached.Notes["retain gradient"]);
        using var scope = NewDisposeScope();
        foreach (var (a, b) in exact.Model.parameters().Zip(cached.Model.parameters()))
        {
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void Cache_round_trips_through_tensors_and_refuses_other_weights()
    {
        using var cache = GradientCache.Compute(model, train);
        var tensors = cache.ToTensors();
        using var back = GradientCache.FromTensors(tensors)!;
        Assert.Equal(cache.Count, back.Count);
        Assert.Equal(cache.WeightsFingerprint, back.WeightsFingerprint);
        Assert.Equal(0, back.MeanGradient.Cosine(cache.MeanGradient) - 1, 6);
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }

        using var other = ModelFactory.Create("mlp", [6], 3, seed: 9, new ModelOptions(MlpHidden: [16]));
        var ex = Assert.Throws<ArgumentException>(() => cache.CheckMatches(other));
        Assert.Contains(cache.WeightsFingerprint, ex.Message);
        Assert.Throws<ArgumentException>(() => Unlearner.Run(new IauMethod(IauOptions.Cached), other, Data, new UnlearningContext(Cache: cache)));
        Assert.Throws<ArgumentException>(() => Unlearner.Run(new IauMethod(IauOptions.Cached), model, Data));
        Assert.Throws<ArgumentException>(() => new IauOptions(Steps: 2, UseCache: true).Validate());
    }

    [Fact]
    public void Methods_leave_the_original_untouched_and_return_a_different_model()
    {
        var before = model.CloneState();
        foreach (var name in new[] { "iau", "ia" })
        {
            using var r = Unlearner.Run(UnlearningMethods.Create(name), model, Data);
            Assert.False(r.Model.StateEquals(model), $"{name} returned the original weights");
        }

        using var after = new StateHolder(model.CloneState());
        foreach (var (k, v) in before)
        {
            Assert.True(ModuleExtensions.BitwiseEqual(v, after.State[k]), $"{k} changed");
            v.Dispose();
        }
    }

    [Fact]
    public void Several_steps_recompute_the_direction_and_report_progress()
    {
        var seen = new List<UnlearningProgress>();
        using var r = Unlearner.Run(
            UnlearningMethods.Create("iau", MethodSettings.Parse(["steps=3", "lr=0.01"])),
            model,
            Data,
            progress: new SyncProgress<UnlearningProgress>(seen.Add));
        Assert.Equal(3, r.Steps);
        Assert.Equal([1, 2, 3], seen.Select(p => p.Step));
        Assert.Contains("|g| step 3", r.Notes.Keys);
        Assert.NotEqual(r.Notes["|g| step 1"], r.Notes["|g| step 3"]);
    }

    [Fact]
    public void Unknown_options_and_methods_are_named()
    {
        Assert.Contains("stpes", Assert.Throws<ArgumentException>(() => UnlearningMethods.Create("iau", MethodSettings.Parse(["stpes=2"]))).Message);
        Assert.Contains("Known:", Assert.Throws<UnknownMethodException>(() => UnlearningMethods.Create("magic")).Message);
        Assert.Contains("lr=abc", Assert.Throws<ArgumentException>(() => UnlearningMethods.Create("iau", MethodSettings.Parse(["lr=abc"]))).Message);
    }

    [Fact]
    public void Sequential_requests_exact_and_cached()
    {
        var requests = new[]
        {
            new DeletionRequest(Enumerable.Range(0, 240).Where(i => i % 8 == 3).ToArray()),
            new DeletionRequest(Enumerable.Range(0, 240).Where(i => i % 8 == 5).ToArray()),
        };

        // Request 1 of the exact stream is the single-request IAU update.
        using var single = Unlearner.Run(new IauMethod(), model, Data);
        var (exact, exactSteps) = SequentialUnlearning.Run(model, train, requests[..1]);
        using (exact)
        {
            Assert.True(exact.StateEquals(single.Model));
        }

        using var cache = GradientCache.Compute(model, train);
        var (full, steps) = SequentialUnlearning.Run(model, train, requests);
        var (cachedModel, cachedSteps) = SequentialUnlearning.Run(model, train, requests, cache: cache);
        using (full)
        using (cachedModel)
        {
            Assert.Equal([210, 180], steps.Select(s => s.Remaining));
            Assert.Equal("cache (exact)", cachedSteps[0].RetainGradientSource);
            Assert.Equal("cache (approximate)", cachedSteps[1].RetainGradientSource);

            // The cached stream follows the exact one closely (same update signs almost everywhere).
            using var scope = NewDisposeScope();
            using var d1 = new ParameterVector(full.parameters().Zip(model.parameters(), (a, b) => (a - b).detach()).ToArray());
            using var d2 = new ParameterVector(cachedModel.parameters().Zip(model.parameters(), (a, b) => (a - b).detach()).ToArray());
            Assert.True(d1.Cosine(d2) > 0.9, $"cosine {d1.Cosine(d2)}");
        }

        Assert.Throws<ArgumentException>(() => SequentialUnlearning.Run(model, train, [requests[0], requests[0]]));
    }

    [Fact]
    public void A_cached_stream_refreshed_at_every_request_is_the_exact_stream_and_a_due_refresh_is_said()
    {
        var requests = Enumerable.Range(0, 3).Select(k => new DeletionRequest(Enumerable.Range(0, 240).Where(i => i % 8 == k + 1).ToArray())).ToArray();
        using var cache = GradientCache.Compute(model, train);
        var (exact, _) = SequentialUnlearning.Run(model, train, requests);
        var (everyOne, everyOneSteps) = SequentialUnlearning.Run(model, train, requests, cache: cache, refresh: new CacheRefresh(Every: 1));
        var (byDrift, byDriftSteps) = SequentialUnlearning.Run(model, train, requests, cache: cache, refresh: new CacheRefresh(MaxDrift: 1e-12));
        var (never, _) = SequentialUnlearning.Run(model, train, requests, cache: cache, refresh: CacheRefresh.Never);
        var (byDefault, _) = SequentialUnlearning.Run(model, train, requests, cache: cache);
        var (everyTwo, everyTwoSteps) = SequentialUnlearning.Run(model, train, requests, cache: cache, refresh: new CacheRefresh(Every: 2));
        using (exact)
        using (everyOne)
        using (byDrift)
        using (never)
        using (byDefault)
        using (everyTwo)
        {
            // Refreshed before every request, the retain term is taken at θ_{j−1} over the remaining set: the exact
            // update, up to the order of float sums.
            Assert.True(Distances.ParameterL2(everyOne, exact) < 1e-6, $"‖every-1 − exact‖ = {Distances.ParameterL2(everyOne, exact):E2}");
            Assert.True(Distances.ParameterL2(never, exact) > 10 * Distances.ParameterL2(everyOne, exact), $"‖never − exact‖ = {Distances.ParameterL2(never, exact):E2}");
            Assert.True(Distances.ParameterL2(everyTwo, exact) < Distances.ParameterL2(never, exact)); // refreshed before request 3
            Assert.True(byDrift.StateEquals(everyOne)); // any movement passes a drift bound of 1e-12
            Assert.True(byDefault.StateEquals(everyTwo)); // the default refreshes every 2 requests
            Assert.Equal(["cache (exact)", "cache refreshed (exact)", "cache refreshed (exact)"], everyOneSteps.Select(s => s.RetainGradientSource));
            Assert.Equal(everyOneSteps.Select(s => s.RetainGradientSource), byDriftSteps.Select(s => s.RetainGradientSource));
            Assert.Equal(["cache (exact)", "cache (approximate)", "cache refreshed (exact)"], everyTwoSteps.Select(s => s.RetainGradientSource));
        }

        Assert.Contains("refresh every 0", Assert.Throws<ArgumentException>(() => SequentialUnlearning.Run(model, train, requests, cache: cache, refresh: new CacheRefresh(Every: 0))).Message);
        Assert.Contains("drift -1", Assert.Throws<ArgumentException>(() => new CacheRefresh(MaxDrift: -1).Validate()).Message);
        Assert.Equal("every 5 requests or drift > 0.5", new CacheRefresh(5, 0.5).ToString());
        Assert.Equal("never", CacheRefresh.Never.ToString());
    }

    private sealed class StateHolder(Dictionary<string, Tensor> state) : IDisposable
    {
        public Dictionary<string, Tensor> State { get; } = state;

        public void Dispose()
        {
            foreach (var t in State.Values)
            {
                t.Dispose();
            }
        }
    }
}
