namespace Iau.Runtime;

/// <summary>How the kit runs: device, intra-op threads and the global seed.</summary>
/// <param name="Device">"auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".</param>
/// <param name="Threads">Intra-op threads for libtorch; null = every core.</param>
/// <param name="Seed">Seeds libtorch's global generator. Every random choice in the kit also takes its own seed.</param>
public sealed record RuntimeOptions(string Device = "auto", int? Threads = null, long Seed = 0)
{
    /// <summary>The defaults: auto device, all cores, seed 0.</summary>
    public static RuntimeOptions Default { get; } = new();
}
