namespace Iau.Runtime;

/// <summary>Defaults shared across the library.</summary>
public static class Defaults
{
    /// <summary>
    /// Samples per chunk in full-set passes (evaluation, mean gradients, Hessian-vector products). Bounds
    /// memory; results do not depend on it beyond float rounding. Measured on 2 cores with LeNet5 on
    /// Fashion-MNIST: chunks of 256 run 3–6× faster than chunks of 1024, whose activation buffers (≈14 MB)
    /// are large enough for the allocator to map and unmap them on every chunk.
    /// </summary>
    public const int ChunkSize = 256;
}
