using Iau.Data;
using Iau.Models;

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
        using var stream = DeletionStream.Iau(original, train, options, cache, refresh, chunkSize);
        var steps = new List<SequentialStep>();
        foreach (var request in requests)
        {
            steps.Add(stream.Answer(request, cancellationToken));
            afterEach?.Invoke(stream.Answered, stream.Model);
        }

        return (stream.DetachModel(), steps);
    }
}
