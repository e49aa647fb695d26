namespace Iau.Runtime;

/// <summary>What <see cref="IauRuntime.Initialize"/> set up.</summary>
/// <param name="Device">The device tensors are created on ("cpu", "cuda:0").</param>
/// <param name="Threads">Intra-op threads in use.</param>
/// <param name="Seed">The global seed.</param>
/// <param name="TorchSharpVersion">Version of the TorchSharp assembly.</param>
/// <param name="CudaAvailable">Whether libtorch sees a CUDA device.</param>
/// <param name="NativeFix">One line describing the libstdc++ workaround, or null when none was needed.</param>
/// <param name="Malloc">What the kit did to glibc's malloc settings, one line (MallocTuning).</param>
/// <param name="Finalizers">Whether the process runs guarded against TorchSharp's finalizer race, one line (<see cref="FinalizerGuard"/>).</param>
public sealed record RuntimeInfo(
    string Device,
    int Threads,
    long Seed,
    string TorchSharpVersion,
    bool CudaAvailable,
    string? NativeFix,
    string Malloc,
    string Finalizers);
