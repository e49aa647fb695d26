using Iau.Data;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>
/// A model's outputs on a set, copied into managed arrays: the building block of every metric in this
/// namespace. For sample i with logits z_i and label y_i (log-softmax taken in float64):
/// <code>
/// p_i      = softmax(z_i)                       Probabilities, row-major [Count, Classes] (float32)
/// ℓ_i      = −log p_i[y_i]                      Losses (cross-entropy, natural log)
/// H_i      = −Σ_c p_i[c] · ln p_i[c]            Entropies (0 · ln 0 = 0; 0 ≤ H_i ≤ ln Classes)
/// ŷ_i      = argmax_c z_i[c]                    Predictions
/// </code>
/// Computed in eval mode (batch norm uses running statistics) under no_grad, chunk by chunk, so memory on
/// the device is bounded by the chunk size; the model's train/eval mode is restored afterwards. Each chunk
/// is copied into aligned memory first, so the outputs depend only on the values (not on where a set's
/// tensors happen to lie), bitwise, on the CPU with a fixed thread count.
/// </summary>
public sealed class Outputs
{
    private Outputs(int classes, float[] probabilities, double[] losses, double[] entropies, int[] predictions, int[] labels)
    {
        Classes = classes;
        Probabilities = probabilities;
        Losses = losses;
        Entropies = entropies;
        Predictions = predictions;
        Labels = labels;
    }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Number of classes (width of each probability row).</summary>
    public int Classes { get; }

    /// <summary>Softmax probabilities, row-major [Count, Classes].</summary>
    public float[] Probabilities { get; }

    /// <summary>Per-sample cross-entropy −ln p_i[y_i].</summary>
    public double[] Losses { get; }

    /// <summary>Per-sample entropy of the softmax output, −Σ_c p_c ln p_c.</summary>
    public double[] Entropies { get; }

    /// <summary>Arg-max class per sample.</summary>
    public int[] Predictions { get; }

    /// <summary>The labels of the set.</summary>
    public int[] Labels { get; }

    /// <summary>Share of samples whose prediction is the label (NaN for an empty set).</summary>
    public double Accuracy => Count == 0 ? double.NaN : (double)Predictions.Where((p, i) => p == Labels[i]).Count() / Count;

    /// <summary>The probability row of sample <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Row(int i) => Probabilities.AsSpan(i * Classes, Classes);

    /// <summary>Runs <paramref name="model"/> over <paramref name="data"/> and collects its outputs.</summary>
    /// <param name="model">A classifier producing logits [B, classes].</param>
    /// <param name="data">The samples (on the model's device).</param>
    /// <param name="chunkSize">Samples per forward pass (bounds memory, not results).</param>
    /// <exception cref="ArgumentException">A label lies outside [0, classes).</exception>
    public static Outputs Of(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var n = data.Count;
        var losses = new double[n];
        var entropies = new double[n];
        var predictions = new int[n];
        var labels = new int[n];
        float[]? probabilities = null;
        var classes = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var offset = 0;
            foreach (var (x, y) in data.Chunks(chunkSize))
            {
                using var scope = NewDisposeScope();
                scope.Attach(x);
                scope.Attach(y);
                var logits = model.call(Aligned(x)).to(ScalarType.Float64);
                var logp = logits.log_softmax(1);
                var p = logp.exp();
                var rows = (int)logits.shape[0];
                if (probabilities is null)
                {
                    classes = (int)logits.shape[1];
                    var (min, max) = (data.Labels.min().item<long>(), data.Labels.max().item<long>());
                    if (min < 0 || max >= classes)
                    {
                        throw new ArgumentException($"The set has labels in [{min}, {max}] but the model has {classes} classes.", nameof(data));
                    }

                    probabilities = new float[(long)n * classes];
                }

                var loss = logp.gather(1, y.unsqueeze(1)).squeeze(1).neg();
                var entropy = where(p.gt(KeptScalars.Zero), p * logp, zeros_like(p)).sum(1).neg();
                CopyTo(p.to(ScalarType.Float32), probabilities, (long)offset * classes);
                CopyTo(loss, losses, offset);
                CopyTo(entropy, entropies, offset);
                CopyTo(logits.argmax(1).to(ScalarType.Int32), predictions, offset);
                CopyTo(y.to(ScalarType.Int32), labels, offset);
                offset += rows;
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return new Outputs(classes, probabilities ?? [], losses, entropies, predictions, labels);
    }

    /// <summary>Per-sample cross-entropy losses of <paramref name="model"/> on <paramref name="data"/>.</summary>
    public static double[] LossesOf(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = Iau.Runtime.Defaults.ChunkSize) =>
        Of(model, data, chunkSize).Losses;

    /// <summary>Per-sample softmax entropies of <paramref name="model"/> on <paramref name="data"/>.</summary>
    public static double[] EntropiesOf(nn.Module<Tensor, Tensor> model, TensorData data, int chunkSize = Iau.Runtime.Defaults.ChunkSize) =>
        Of(model, data, chunkSize).Entropies;

    /// <summary>
    /// A copy of a chunk in libtorch's own 64-byte-aligned memory. Tensors built from managed arrays need not
    /// be aligned, and the alignment (which varies from run to run) can change the last bits of BLAS results;
    /// the copy makes outputs depend on the values alone.
    /// </summary>
    internal static Tensor Aligned(Tensor x) => x.clone();

    private static void CopyTo<T>(Tensor t, T[] target, long offset)
        where T : unmanaged
    {
        var values = t.cpu().contiguous().data<T>().ToArray();
        Array.Copy(values, 0, target, offset, values.Length);
    }
}
