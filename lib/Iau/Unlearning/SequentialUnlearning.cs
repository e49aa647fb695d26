using System.Diagnostics;
using Iau.Data;
using Iau.Evaluation;
using Iau.Influence;
using Iau.Models;
using TorchSharp;

namespace Iau.Unlearning;

/// <summary>One deletion request of a stream: the rows (into the caller's training tensors) to forget.</summary>
public sealed record DeletionRequest(IReadOnlyList<int> Rows);

/// <summary>What one request of a sequential run did.</summary>
public sealed record SequentialStep(int Request, int Forgotten, int Remaining, double Seconds, string RetainGradientSource);

/// <summary>
/// A stream of k deletion requests applied one after another with IAU (one optimizer step each, the
/// paper preset by default). Request j forgets D_f^j from the set that remains after requests 1..j−1.
/// <para>
/// Exact mode (no cache): ∇L̄ of the remaining set and of D_f^j are recomputed at the current weights θ_{j−1}
/// — every request is exactly the paper's update for that model and data.
/// </para>
/// <para>
/// Cached mode: the cache Ḡ is the mean training gradient at θ*. Request 1 is exact (as
/// <see cref="GradientCache"/>). For request j &gt; 1 the retain term is (n_j·Ḡ_j − m_j·ḡ_f^j)/(n_j − m_j) with Ḡ_j
/// the cache after the earlier removals — gradients taken at θ* for the old part of the sum and at θ_{j−1}
/// for the new forget set. This is an approximation whose error grows with ‖θ_{j−1} − θ*‖, and that distance adds
/// up over the stream (in the quick profile's 5-request stream the cached mode's TA falls request by request while
/// exact IAU's holds). A <see cref="CacheRefresh"/>
/// policy bounds it: before a request it is due, the cache is recomputed over the remaining set at θ_{j−1}
/// (one pass over it), and the following requests are stale only by the distance from there. Without a refresh
/// the cost stays one pass over each forget set.
/// </para>
/// </summary>
public static class SequentialUnlearning
{
    /// <summary>
    /// Runs the stream. <paramref name="train"/> holds all n training samples; each request names rows of it.
    /// <paramref name="afterEach"/> sees the model after each request (for evaluation; not timed).
    /// <paramref name="refresh"/> (cached mode only; default <see cref="CacheRefresh.Default"/>, every 2 requests) says when
    /// the cache is recomputed at the current weights; a refresh is timed as part of its request.
    /// Returns the final model (the original is untouched) and one record per request.
    /// </summary>
    public static (IauModel Model, IReadOnlyList<SequentialStep> Steps) Run(
        IauModel original,
        TensorData train,
        IReadOnlyList<DeletionRequest> requests,
        IauOptions? options = null,
        GradientCache? cache = null,
        int chunkSize = Iau.Runtime.Defaults.ChunkSize,
        Action<int, IauModel>? afterEach = null,
        CancellationToken cancellationToken = default,
        CacheRefresh? refresh = null)
    {
        var o = (options ?? IauOptions.PaperPreset) with { Steps = 1, UseCache = false };
        o.Validate();
        var policy = refresh ?? CacheRefresh.Default;
        policy.Validate();
        var model = original.Clone();
        var removed = new HashSet<int>();
        var steps = new List<SequentialStep>();
        var current = cache;
        cache?.CheckMatches(original);
        var refreshedAt = 0; // the request (0-based) before which the cache in use was computed
        IauModel? anchor = null; // the weights of the last refresh (null: θ*, the original)
        try
        {
            for (var j = 0; j < requests.Count; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = requests[j].Rows;
                if (rows.Count == 0 || rows.Any(r => r < 0 || r >= train.Count || removed.Contains(r)) || rows.Distinct().Count() != rows.Count)
                {
                    throw new ArgumentException(
                        $"Request {j + 1}: rows must be non-empty, distinct, inside [0, {train.Count}) and not removed by an earlier request.");
                }

                var remaining = Enumerable.Range(0, train.Count).Where(i => !removed.Contains(i) && !rows.Contains(i)).ToArray();
                using var forget = train.Subset(rows);
                using var retain = current is null ? train.Subset(remaining) : null;
                var watch = Stopwatch.StartNew();
                var source = cache is null ? "recomputed (exact)" : j == 0 ? "cache (exact)" : "cache (approximate)";
                if (current is not null && j > 0 && policy.Due(j - refreshedAt, policy.MaxDrift is null ? 0 : Distances.ParameterL2(model, anchor ?? original)))
                {
                    // Ḡ over the set that remains before this request, at θ_{j−1}: this request is exact again.
                    using var before = train.Subset(Enumerable.Range(0, train.Count).Where(i => !removed.Contains(i)).ToArray());
                    var fresh = GradientCache.Compute(model, before, chunkSize);
                    if (!ReferenceEquals(current, cache))
                    {
                        current.Dispose();
                    }

                    current = fresh;
                    refreshedAt = j;
                    anchor?.Dispose();
                    anchor = policy.MaxDrift is null ? null : model.Clone();
                    source = "cache refreshed (exact)";
                }

                GradientCache? next = null;
                using (torch.NewDisposeScope())
                {
                    var parameters = Gradients.Trainable(model);
                    using var f = Gradients.MeanGradient(model, forget, chunkSize);
                    var g = IauMethod.Combine(o, f, () => current is not null ? current.RetainGradient(f, rows.Count) : Gradients.MeanGradient(model, retain!, chunkSize));

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
                if (!ReferenceEquals(current, cache))
                {
                    current?.Dispose();
                }

                current = next;
                foreach (var r in rows)
                {
                    removed.Add(r);
                }

                steps.Add(new SequentialStep(j + 1, rows.Count, remaining.Length, watch.Elapsed.TotalSeconds, source));
                afterEach?.Invoke(j + 1, model);
            }

            return (model, steps);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            if (!ReferenceEquals(current, cache))
            {
                current?.Dispose();
            }

            anchor?.Dispose();
        }
    }
}
