using System.Diagnostics;
using Iau.Data;
using Iau.Evaluation;
using Iau.Influence;
using Iau.Models;
using TorchSharp;

namespace Iau.Unlearning;

/// <summary>
/// A stream of deletion requests answered one at a time, each from the model the previous request left: IAU
/// (exact or cached, <see cref="SequentialUnlearning"/>) or any other method, which applies its own update with the
/// request as D_f and what remains after it as D_r. Holds what a stream needs to go on — the current model, the rows
/// removed so far, and for cached IAU the cache and when it was last refreshed — so that a stream can be saved after
/// any request and resumed from there (<see cref="ResumeIau"/>, <see cref="ResumeMethod"/>) with the same numbers as
/// an uninterrupted one.
/// </summary>
public sealed class DeletionStream : IDisposable
{
    private readonly TensorData train;
    private readonly HashSet<int> removed;
    private readonly IauOptions? iau;
    private readonly GradientCache? given;
    private readonly CacheRefresh refresh;
    private readonly int chunkSize;
    private readonly IUnlearningMethod? method;
    private readonly TensorData? valid;
    private readonly TensorData? test;
    private readonly Training.TrainingOptions? recipe;
    private readonly int seed;
    private GradientCache? current;
    private IauModel? anchor; // under a drift policy, the weights the cache in use was computed at (or the stream started from)

    private DeletionStream(IauModel model, TensorData train, IEnumerable<int> removed, int answered, IauOptions? iau, GradientCache? cache, CacheRefresh? refresh,
        int refreshedAt, int chunkSize, IUnlearningMethod? method, TensorData? valid, TensorData? test, Training.TrainingOptions? recipe, int seed)
    {
        this.train = train;
        this.removed = [.. removed];
        if (this.removed.Any(r => r < 0 || r >= train.Count))
        {
            throw new ArgumentException($"The removed rows must lie inside [0, {train.Count}).", nameof(removed));
        }

        this.iau = iau;
        given = cache;
        current = cache;
        this.refresh = refresh ?? CacheRefresh.Default;
        this.refresh.Validate();
        this.chunkSize = chunkSize;
        this.method = method;
        this.valid = valid;
        this.test = test;
        this.recipe = recipe;
        this.seed = seed;
        Answered = answered;
        RefreshedAt = refreshedAt;
        Model = model.Clone();
        anchor = iau is not null && cache is not null && this.refresh.MaxDrift is not null ? model.Clone() : null;
    }

    /// <summary>IAU with one optimizer step per request (the paper preset by default): exact without a cache, cached with one.</summary>
    /// <param name="original">θ*; cloned, never changed.</param>
    /// <param name="train">All n training samples; each request names rows of it.</param>
    /// <param name="options">IAU's options (the step count is forced to 1 per request).</param>
    /// <param name="cache">The mean training gradient at <paramref name="original"/> (cached mode); not owned.</param>
    /// <param name="refresh">Cached mode: when the cache is recomputed at the current weights (<see cref="CacheRefresh.Default"/>).</param>
    /// <param name="chunkSize">Samples per gradient chunk.</param>
    public static DeletionStream Iau(IauModel original, TensorData train, IauOptions? options = null, GradientCache? cache = null, CacheRefresh? refresh = null,
        int chunkSize = Runtime.Defaults.ChunkSize)
    {
        cache?.CheckMatches(original);
        return ResumeIau(original, train, [], 0, options, cache, refresh, 0, chunkSize);
    }

    /// <summary>
    /// An IAU stream saved after <paramref name="answered"/> requests: <paramref name="model"/> is θ_answered,
    /// <paramref name="removed"/> the rows forgotten so far, <paramref name="cache"/> the cache as it stood (after the
    /// removals; not owned) and <paramref name="refreshedAt"/> the request (0-based) before which it was computed. A
    /// drift policy measures from <paramref name="model"/> on, not from the weights of the last refresh.
    /// </summary>
    public static DeletionStream ResumeIau(IauModel model, TensorData train, IEnumerable<int> removed, int answered, IauOptions? options, GradientCache? cache,
        CacheRefresh? refresh, int refreshedAt, int chunkSize = Runtime.Defaults.ChunkSize)
    {
        var o = (options ?? IauOptions.PaperPreset) with { Steps = 1, UseCache = false };
        o.Validate();
        return new(model, train, removed, answered, o, cache, refresh, refreshedAt, chunkSize, null, null, null, null, 0);
    }

    /// <summary>
    /// Any method, one update per request from the model the previous request left; request j (1-based) runs with seed
    /// <c>1000·seed + j</c> and the training recipe <paramref name="recipe"/> (for the methods that train).
    /// </summary>
    public static DeletionStream Method(IUnlearningMethod method, IauModel original, TensorData train, TensorData? valid, TensorData? test,
        Training.TrainingOptions? recipe, int seed) =>
        ResumeMethod(method, original, train, [], 0, valid, test, recipe, seed);

    /// <summary>A method's stream saved after <paramref name="answered"/> requests (see <see cref="Method"/>).</summary>
    public static DeletionStream ResumeMethod(IUnlearningMethod method, IauModel model, TensorData train, IEnumerable<int> removed, int answered,
        TensorData? valid, TensorData? test, Training.TrainingOptions? recipe, int seed)
    {
        ArgumentNullException.ThrowIfNull(method);
        return new(model, train, removed, answered, null, null, null, 0, Runtime.Defaults.ChunkSize, method, valid, test, recipe, seed);
    }

    /// <summary>The model after the requests answered so far (owned by the stream).</summary>
    public IauModel Model { get; private set; }

    /// <summary>Requests answered so far.</summary>
    public int Answered { get; private set; }

    /// <summary>The rows removed so far.</summary>
    public IReadOnlyCollection<int> Removed => removed;

    /// <summary>Cached IAU: the cache the next request starts from (owned by the stream unless it is the one given).</summary>
    public GradientCache? Cache => current;

    /// <summary>Cached IAU: the request (0-based) before which <see cref="Cache"/> was computed (0: the start).</summary>
    public int RefreshedAt { get; private set; }

    /// <summary>
    /// Answers the next request: checks its rows (non-empty, distinct, inside the training set, not removed before),
    /// applies the update and returns what it did; the seconds are the update's alone.
    /// </summary>
    public SequentialStep Answer(DeletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var j = Answered; // 0-based index of this request
        var rows = request.Rows;
        if (rows.Count == 0 || rows.Any(r => r < 0 || r >= train.Count || removed.Contains(r)) || rows.Distinct().Count() != rows.Count)
        {
            throw new ArgumentException(
                $"Request {j + 1}: rows must be non-empty, distinct, inside [0, {train.Count}) and not removed by an earlier request.");
        }

        var remaining = Enumerable.Range(0, train.Count).Where(i => !removed.Contains(i) && !rows.Contains(i)).ToArray();
        var (seconds, source) = method is null ? AnswerIau(j, rows, remaining) : AnswerMethod(j, rows, remaining, cancellationToken);
        removed.UnionWith(rows);
        Answered = j + 1;
        return new SequentialStep(j + 1, rows.Count, remaining.Length, seconds, source);
    }

    /// <summary>
    /// Removes the model from the stream and returns it (the caller owns it); the stream cannot answer after this.
    /// </summary>
    public IauModel DetachModel()
    {
        var m = Model;
        Model = null!;
        return m;
    }

    private (double Seconds, string Source) AnswerMethod(int j, IReadOnlyList<int> rows, int[] remaining, CancellationToken cancellationToken)
    {
        using var forget = train.Subset(rows);
        using var retain = train.Subset(remaining);
        var context = new UnlearningContext((seed * 1000) + j + 1, recipe);
        var result = Unlearner.Run(method!, Model, new UnlearningData(forget, retain, valid, test), context, cancellationToken: cancellationToken);
        Model.Dispose();
        Model = result.Model;
        return (result.Seconds, "-");
    }

    /// <summary>One IAU step (see <see cref="SequentialUnlearning"/> for the exact and cached retain terms).</summary>
    private (double Seconds, string Source) AnswerIau(int j, IReadOnlyList<int> rows, int[] remaining)
    {
        var o = iau!;
        using var forget = train.Subset(rows);
        using var retain = current is null ? train.Subset(remaining) : null;
        var watch = Stopwatch.StartNew();
        var source = given is null ? "recomputed (exact)" : j == 0 ? "cache (exact)" : "cache (approximate)";
        if (current is not null && j > 0 && refresh.Due(j - RefreshedAt, anchor is null ? 0 : Distances.ParameterL2(Model, anchor)))
        {
            // Ḡ over the set that remains before this request, at θ_{j−1}: this request is exact again.
            using var before = train.Subset(Enumerable.Range(0, train.Count).Where(i => !removed.Contains(i)).ToArray());
            var fresh = GradientCache.Compute(Model, before, chunkSize);
            ReleaseCache();
            current = fresh;
            RefreshedAt = j;
            anchor?.Dispose();
            anchor = refresh.MaxDrift is null ? null : Model.Clone();
            source = "cache refreshed (exact)";
        }

        GradientCache? next = null;
        using (torch.NewDisposeScope())
        {
            var parameters = Gradients.Trainable(Model);
            using var f = Gradients.MeanGradient(Model, forget, chunkSize);
            var g = IauMethod.Combine(o, f, () => current is not null ? current.RetainGradient(f, rows.Count) : Gradients.MeanGradient(Model, retain!, chunkSize));
            if (current is not null)
            {
                next = current.AfterRemoval(f, rows.Count);
            }

            using (g)
            {
                using var optimizer = Training.OptimizerFactory.Create(o.Optimizer, parameters, o.LearningRate, o.Momentum);
                IauMethod.SetGradient(parameters, g);
                optimizer.step();
            }
        }

        watch.Stop();
        ReleaseCache();
        current = next;
        return (watch.Elapsed.TotalSeconds, source);
    }

    private void ReleaseCache()
    {
        if (!ReferenceEquals(current, given))
        {
            current?.Dispose();
        }

        current = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseCache();
        anchor?.Dispose();
        Model?.Dispose();
    }
}
