using System.Security.Cryptography;
using Iau.Data;
using Iau.Influence;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Unlearning;

/// <summary>
/// Beyond the paper: the mean training gradient Ḡ = ∇θ L̄(D)(θ*) over the n training samples, stored with
/// the trained model so that an unlearning request needs passes over the forget set only:
/// <code>
///     ∇L̄_r(θ*) = (n·Ḡ − |D_f|·∇L̄_f(θ*)) / (n − |D_f|)
/// </code>
/// which is exact at θ* (the sums over D = D_r ∪ D_f split). The cache remembers a fingerprint of the weights
/// it was computed at and refuses any other model.
/// </summary>
public sealed class GradientCache : IDisposable
{
    /// <summary>Wraps a cached mean gradient (takes ownership).</summary>
    public GradientCache(ParameterVector meanGradient, int count, string weightsFingerprint)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "The cached set must hold at least one sample.");
        }

        MeanGradient = meanGradient;
        Count = count;
        WeightsFingerprint = weightsFingerprint;
    }

    /// <summary>Ḡ, the mean gradient over the cached set, at the weights the cache was made at.</summary>
    public ParameterVector MeanGradient { get; }

    /// <summary>n, the number of samples Ḡ averages over.</summary>
    public int Count { get; }

    /// <summary>SHA-256 (16 hex chars) of the weights Ḡ was computed at.</summary>
    public string WeightsFingerprint { get; }

    /// <summary>Computes Ḡ over the whole training set (one pass, in chunks).</summary>
    public static GradientCache Compute(nn.Module<Tensor, Tensor> model, TensorData train, int chunkSize = Iau.Runtime.Defaults.ChunkSize) =>
        new(Gradients.MeanGradient(model, train, chunkSize), train.Count, Fingerprint(model));

    /// <summary>∇L̄_r = (n·Ḡ − m·ḡ_f)/(n − m) for a forget set of m samples with mean gradient ḡ_f.</summary>
    public ParameterVector RetainGradient(ParameterVector forgetMean, int forgetCount)
    {
        if (forgetCount < 1 || forgetCount >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(forgetCount), forgetCount, $"The forget set must hold between 1 and {Count - 1} samples.");
        }

        var r = MeanGradient.Clone();
        r.Combine((double)Count / (Count - forgetCount), forgetMean, -(double)forgetCount / (Count - forgetCount));
        return r;
    }

    /// <summary>
    /// The cache after m samples with mean gradient ḡ_f have left the set: Ḡ' = (n·Ḡ − m·ḡ_f)/(n − m), n' = n − m,
    /// still tied to the same weights fingerprint (see <see cref="SequentialUnlearning"/> for what that means).
    /// </summary>
    public GradientCache AfterRemoval(ParameterVector forgetMean, int forgetCount) =>
        new(RetainGradient(forgetMean, forgetCount), Count - forgetCount, WeightsFingerprint);

    /// <summary>Throws when <paramref name="model"/>'s weights are not the ones the cache was computed at.</summary>
    public void CheckMatches(nn.Module<Tensor, Tensor> model)
    {
        var fp = Fingerprint(model);
        if (fp != WeightsFingerprint)
        {
            throw new ArgumentException(
                $"The gradient cache was computed at weights {WeightsFingerprint} but the model's weights are {fp}; " +
                "recompute it (or unlearn without the cache).");
        }
    }

    /// <summary>The cache as named tensors (for checkpoints): "grad.{i}" per parameter, plus the count.</summary>
    public Dictionary<string, Tensor> ToTensors()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < MeanGradient.Parts.Count; i++)
        {
            d[$"gradcache.grad.{i}"] = MeanGradient.Parts[i].detach().clone();
        }

        d["gradcache.count"] = tensor(new long[] { Count });
        d["gradcache.fingerprint"] = tensor(Convert.FromHexString(WeightsFingerprint));
        return d;
    }

    /// <summary>Reads a cache written by <see cref="ToTensors"/>, or null when the tensors hold none.</summary>
    public static GradientCache? FromTensors(IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (!tensors.TryGetValue("gradcache.count", out var count) || !tensors.TryGetValue("gradcache.fingerprint", out var fp))
        {
            return null;
        }

        var parts = new List<Tensor>();
        for (var i = 0; tensors.TryGetValue($"gradcache.grad.{i}", out var g); i++)
        {
            parts.Add(g.detach().clone());
        }

        return new GradientCache(new ParameterVector(parts), (int)count.item<long>(), Convert.ToHexStringLower(fp.data<byte>().ToArray()));
    }

    /// <summary>SHA-256 of the model's parameters and buffers (names, shapes, bytes), first 16 hex chars.</summary>
    public static string Fingerprint(nn.Module model)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var (name, t) in model.state_dict())
        {
            h.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            var c = t.detach().cpu().contiguous();
            var bytes = new byte[c.numel() * c.ElementSize];
            c.bytes.CopyTo(bytes);
            h.AppendData(bytes);
        }

        return Convert.ToHexStringLower(h.GetHashAndReset())[..16];
    }

    /// <inheritdoc />
    public void Dispose() => MeanGradient.Dispose();
}
