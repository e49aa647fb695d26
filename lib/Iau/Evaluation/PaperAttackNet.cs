using Iau.Data;
using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>
/// The authors' membership-attack classifier (Lolo1222/IAU train_mia.py, <c>attack_net</c>):
/// <code>
/// A(φ) = σ( W₄ · d(r(W₃ · d(r(W₂ · d(r(W₁ φ))))) ) ),   W₁: 2C→256, W₂: 256→128, W₃: 128→32, W₄: 32→1
/// </code>
/// with r = ReLU and d = dropout(p = 0.5) in training. Initial weights and dropout masks come from private
/// generators seeded by the caller, never from libtorch's global generator (which other threads may use). <see cref="forward"/> returns the logit (before σ);
/// training minimises the binary cross-entropy of σ(logit) against member = 1 / non-member = 0 through
/// <c>binary_cross_entropy_with_logits</c>, the numerically stable form of their <c>Sigmoid</c> + <c>BCELoss</c>.
/// </summary>
internal sealed class PaperAttackNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;
    private readonly double dropout;
    private Generator? masks;

    /// <summary>Builds the network; its initial weights come from a private generator seeded with <paramref name="seed"/>.</summary>
    public PaperAttackNet(long features, int seed, double dropout = 0.5)
        : base(nameof(PaperAttackNet))
    {
        this.dropout = dropout;
        layers = nn.Sequential(
            ("fc1", nn.Linear(features, 256)),
            ("act1", nn.ReLU()),
            ("fc2", nn.Linear(256, 128)),
            ("act2", nn.ReLU()),
            ("fc3", nn.Linear(128, 32)),
            ("act3", nn.ReLU()),
            ("out", nn.Linear(32, 1)));
        RegisterComponents();
        Iau.Models.WeightInit.Apply(this, seed);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // fc1 → ReLU → d → fc2 → ReLU → d → fc3 → ReLU → d → out; d = inverted dropout in training only.
        var x = input;
        var modules = layers.children().ToList();
        for (var i = 0; i < modules.Count; i++)
        {
            x = ((nn.Module<Tensor, Tensor>)modules[i]).call(x);
            if (i % 2 == 1)
            {
                x = Dropout(x);
            }
        }

        return x;
    }

    /// <summary>Inverted dropout with masks from the private generator of the current epoch (identity in evaluation).</summary>
    private Tensor Dropout(Tensor x)
    {
        if (!training || dropout <= 0 || masks is null)
        {
            return x;
        }

        using var p = dropout.ToScalar(); // held: see Training/KeptAliveOptimizers.cs
        using var keep = rand(x.shape, generator: masks, device: x.device).ge_(p);
        return (x * keep.to(x.dtype)).Over(1 - dropout);
    }

    /// <summary>
    /// Adam (learning rate <paramref name="learningRate"/>, fresh state) on the mean binary cross-entropy over
    /// mini-batches of <paramref name="batchSize"/>, reshuffled each epoch; epoch e shuffles and draws its
    /// dropout masks from seed <see cref="Trainer.EpochSeed"/>(seed, e), so a fit is reproducible on the CPU.
    /// </summary>
    public void Fit(Tensor features, Tensor memberLabels, int epochs, double learningRate, int batchSize, int seed, CancellationToken cancellationToken)
    {
        var n = features.shape[0];
        using var targets = memberLabels.to(ScalarType.Float32);
        using var optimizer = OptimizerFactory.Create(OptimizerKind.Adam, parameters(), learningRate);
        train();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochSeed = Trainer.EpochSeed(seed, epoch);
            masks?.Dispose();
            masks = new Generator((ulong)epochSeed);
            var order = TensorData.Permutation((int)n, epochSeed);
            for (var start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var len = (int)Math.Min(batchSize, n - start);
                var idx = tensor(order.AsSpan(start, len).ToArray().Select(i => (long)i).ToArray());
                var logits = call(features.index_select(0, idx)).squeeze(1);
                var loss = nn.functional.binary_cross_entropy_with_logits(logits, targets.index_select(0, idx));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        masks?.Dispose();
        masks = null;
        eval();
    }

    /// <summary>Share of samples whose member probability σ(logit) &gt; 0.5 agrees with the label.</summary>
    public double Accuracy(Tensor features, Tensor memberLabels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        eval();
        var called = call(features).squeeze(1).gt(KeptScalars.Zero);
        return called.eq(memberLabels.to(ScalarType.Bool)).to(ScalarType.Float64).mean().item<double>();
    }
}
