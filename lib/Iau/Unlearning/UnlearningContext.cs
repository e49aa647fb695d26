using Iau.Training;

namespace Iau.Unlearning;

/// <summary>What a method may use beyond the data: seed, the original training recipe, a gradient cache.</summary>
/// <param name="Seed">Seeds every random choice of the method.</param>
/// <param name="Recipe">How the original was trained (Retrain reuses it; GR's α is recorded here).</param>
/// <param name="Cache">The mean training gradient stored with the original, for IAU's cached mode.</param>
/// <param name="ChunkSize">Chunk size of full-set gradient passes (memory bound, not results).</param>
public sealed record UnlearningContext(
    int Seed = 0,
    TrainingOptions? Recipe = null,
    GradientCache? Cache = null,
    int ChunkSize = Iau.Runtime.Defaults.ChunkSize)
{
    /// <summary>The training recipe, defaulting to the paper's.</summary>
    public TrainingOptions EffectiveRecipe => Recipe ?? TrainingOptions.Paper;
}
