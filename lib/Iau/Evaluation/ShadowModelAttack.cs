using System.Diagnostics;
using Iau.Data;
using Iau.Models;
using Iau.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Evaluation;

/// <summary>What <see cref="ShadowModelAttack.Fit"/> measured while fitting (stored with the attack).</summary>
/// <param name="PoolCount">Samples in the shadow pool.</param>
/// <param name="ShadowInAccuracy">Each shadow's accuracy on its "in" half (its training data).</param>
/// <param name="ShadowOutAccuracy">Each shadow's accuracy on its "out" half (unseen data).</param>
/// <param name="ShadowEpochs">Epochs each shadow trained.</param>
/// <param name="AttackSamples">Samples the attack MLP was trained on (k · |pool|).</param>
/// <param name="AttackTrainAccuracy">Accuracy of the attack on its own training data (0.5 = no signal).</param>
/// <param name="Seconds">Wall-clock seconds of the fit.</param>
public sealed record ShadowAttackReport(
    int PoolCount,
    IReadOnlyList<double> ShadowInAccuracy,
    IReadOnlyList<double> ShadowOutAccuracy,
    IReadOnlyList<int> ShadowEpochs,
    int AttackSamples,
    double AttackTrainAccuracy,
    double Seconds);

/// <summary>
/// The membership-inference attack of the IAU paper, after Shokri et al. 2017: shadow models imitate the
/// target, and a classifier learns to tell their training samples from unseen ones by their outputs.
/// <para>
/// Fit: for each shadow s = 1..k, a seeded permutation splits a pool P that is disjoint from the target's
/// training data (e.g. the validation split) into "in" (the first ⌊|P|/2⌋ samples) and "out" (the rest); a
/// fresh model of the target's architecture is trained on "in" (see <see cref="ShadowAttackOptions"/>).
/// Each pool sample then gives one attack example with feature and label
/// <code>
/// φ(x, y) = [ softmax(f_s(x)) − onehot(y) ,  onehot(y) ]  ∈ ℝ^{2C},      label 1 if (x, y) ∈ in_s, 0 if ∈ out_s
/// </code>
/// and an MLP A: 2C → H → ReLU → 2 logits (H = AttackHidden, default 64) is trained on all k · |P| examples
/// with cross-entropy and Adam (AttackLearningRate 1e-3, batch 128, AttackEpochs 100, seeded initial
/// weights and shuffling, via the kit's <see cref="Trainer"/>). With <see cref="MiaPreset.Paper"/>
/// (<see cref="ShadowAttackOptions.Paper"/>) A is the authors' network instead, 2C → 256 → 128 → 32 → 1 with
/// dropout 0.5 and a sigmoid output trained by binary cross-entropy (<see cref="PaperAttackNet"/>), and its
/// member probability is σ(logit).
/// </para>
/// <para>
/// Use: for a target f and samples S, A is applied to φ computed with f; a sample is called member when
/// A's member probability exceeds 0.5, and <see cref="MemberRate"/> = |{(x, y) ∈ S called member}| / |S|.
/// The paper reports MemberRate on the forget set (MIA_shadow): Retrain's value is the target an unlearned
/// model should match. <see cref="Auc"/> ranks samples by A's member probability (Mann–Whitney AUC).
/// </para>
/// <para>
/// Seeding: shadow s's split, initial weights and shuffling use the seed mix <see cref="Trainer.EpochSeed"/>(seed, s);
/// the attack MLP's initial weights and shuffling use (seed, 0) and (seed, −1). The same seed, pool and
/// options give a bitwise-identical attack on the CPU with a fixed thread count. Dispose the attack when done.
/// </para>
/// </summary>
public sealed class ShadowModelAttack : IDisposable
{
    private const string FileKind = "shadow-attack";
    private const string WeightsSection = "attack";
    private const int AttackChunk = 4096;
    private readonly nn.Module<Tensor, Tensor> attack;

    private ShadowModelAttack(nn.Module<Tensor, Tensor> attack, int classes, ShadowAttackOptions options, int seed, ShadowAttackReport report)
    {
        this.attack = attack;
        Classes = classes;
        Options = options;
        Seed = seed;
        Report = report;
    }

    /// <summary>Classes C of the task (the attack reads 2C features).</summary>
    public int Classes { get; }

    /// <summary>The options it was fitted with.</summary>
    public ShadowAttackOptions Options { get; }

    /// <summary>The seed it was fitted with.</summary>
    public int Seed { get; }

    /// <summary>What the fit measured.</summary>
    public ShadowAttackReport Report { get; }

    /// <summary>
    /// Trains the shadows and the attack MLP (see the type remarks).
    /// </summary>
    /// <param name="createShadow">Creates a fresh, untrained model of the target's architecture from a seed (the caller disposes nothing; the attack disposes each shadow after use).</param>
    /// <param name="pool">Labelled samples disjoint from the target's training data, e.g. the validation split (at least 4).</param>
    /// <param name="options">Settings.</param>
    /// <param name="seed">Seed of the splits, the shadows and the attack.</param>
    /// <param name="progress">Receives one line per shadow and one for the attack.</param>
    /// <param name="cancellationToken">Checked between and inside trainings.</param>
    /// <exception cref="ArgumentException">Pool too small, labels outside the shadows' classes, or shadows of differing class counts.</exception>
    public static ShadowModelAttack Fit(
        Func<int, IauModel> createShadow,
        TensorData pool,
        ShadowAttackOptions options,
        int seed,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createShadow);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var n = pool.Count;
        if (n < 4)
        {
            throw new ArgumentException($"The shadow pool needs at least 4 samples, got {n}.", nameof(pool));
        }

        var clock = Stopwatch.StartNew();
        var inCount = n / 2;
        var classes = -1;
        var features = new List<float[]>();
        var labels = new List<long>();
        var inAcc = new List<double>();
        var outAcc = new List<double>();
        var epochs = new List<int>();
        long maxLabel;
        using (var max = pool.Labels.max())
        {
            maxLabel = max.item<long>();
        }

        for (var s = 1; s <= options.Shadows; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shadowSeed = Trainer.EpochSeed(seed, s);
            var perm = TensorData.Permutation(n, shadowSeed);
            using var inData = pool.Subset(perm[..inCount]);
            using var outData = pool.Subset(perm[inCount..]);
            using var shadow = createShadow(shadowSeed) ?? throw new ArgumentException("The shadow factory returned null.", nameof(createShadow));
            if (classes < 0)
            {
                classes = shadow.Classes;
                if (maxLabel >= classes)
                {
                    throw new ArgumentException($"The pool has label {maxLabel} but the shadow models have {classes} classes.", nameof(pool));
                }
            }
            else if (shadow.Classes != classes)
            {
                throw new ArgumentException($"Shadow {s} has {shadow.Classes} classes, the first had {classes}.", nameof(createShadow));
            }

            var recipe = options.EffectiveShadowTraining with { Seed = shadowSeed };
            var result = new Trainer(recipe).Train(
                shadow,
                inData,
                options.EarlyStopOnOut && recipe.Patience is not null ? outData : null,
                cancellationToken: cancellationToken);
            var outputsIn = Outputs.Of(shadow, inData, recipe.EvalChunkSize);
            var outputsOut = Outputs.Of(shadow, outData, recipe.EvalChunkSize);
            features.Add(Features(outputsIn));
            labels.AddRange(Enumerable.Repeat(1L, outputsIn.Count));
            features.Add(Features(outputsOut));
            labels.AddRange(Enumerable.Repeat(0L, outputsOut.Count));
            inAcc.Add(outputsIn.Accuracy);
            outAcc.Add(outputsOut.Accuracy);
            epochs.Add(result.EpochsRun);
            progress?.Report(
                $"shadow {s}/{options.Shadows}: {result.EpochsRun} epochs (best {result.BestEpoch}), " +
                $"accuracy in {outputsIn.Accuracy:F3} / out {outputsOut.Accuracy:F3}");
        }

        var width = 2 * classes;
        var x = new float[(long)labels.Count * width];
        var offset = 0L;
        foreach (var f in features)
        {
            Array.Copy(f, 0, x, offset, f.Length);
            offset += f.Length;
        }

        using var wrapped = tensor(x, new long[] { labels.Count, width });
        using var attackData = new TensorData(wrapped.clone(), tensor(labels.ToArray()));
        var attack = CreateAttack(options, width, seed);
        try
        {
            double attackAcc;
            if (attack is PaperAttackNet paper)
            {
                paper.Fit(attackData.Features, attackData.Labels, options.AttackEpochs, options.AttackLearningRate, options.AttackBatchSize, Trainer.EpochSeed(seed, -1), cancellationToken);
                attackAcc = paper.Accuracy(attackData.Features, attackData.Labels);
            }
            else
            {
                var attackTraining = new TrainingOptions(
                    Optimizer: OptimizerKind.Adam,
                    LearningRate: options.AttackLearningRate,
                    BatchSize: options.AttackBatchSize,
                    MaxEpochs: options.AttackEpochs,
                    Patience: null,
                    Seed: Trainer.EpochSeed(seed, -1));
                var mlp = (IauModel)attack;
                new Trainer(attackTraining).Train(mlp, attackData, cancellationToken: cancellationToken);
                attackAcc = Evaluator.Accuracy(mlp, attackData);
            }

            progress?.Report($"attack MLP: {options.AttackEpochs} epochs on {labels.Count} samples, training accuracy {attackAcc:F3}");
            var report = new ShadowAttackReport(n, inAcc, outAcc, epochs, labels.Count, attackAcc, clock.Elapsed.TotalSeconds);
            return new ShadowModelAttack(attack, classes, options, seed, report);
        }
        catch
        {
            attack.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The attack features φ(x, y) = [p − onehot(y), onehot(y)] of every sample, row-major [Count, 2C].
    /// </summary>
    public static float[] Features(Outputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var c = outputs.Classes;
        var width = 2 * c;
        var f = new float[(long)outputs.Count * width];
        for (var i = 0; i < outputs.Count; i++)
        {
            var row = outputs.Row(i);
            var o = (long)i * width;
            var y = outputs.Labels[i];
            for (var k = 0; k < c; k++)
            {
                f[o + k] = row[k];
            }

            f[o + y] -= 1f;
            f[o + c + y] = 1f;
        }

        return f;
    }

    /// <summary>The attack's member probability A(φ(x, y))[member] for each sample, evaluated on <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">The target has another number of classes than the attack.</exception>
    public double[] MemberProbabilities(nn.Module<Tensor, Tensor> target, TensorData samples, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(samples);
        var outputs = Outputs.Of(target, samples, chunkSize);
        if (outputs.Count == 0)
        {
            return [];
        }

        if (outputs.Classes != Classes)
        {
            throw new ArgumentException($"The target has {outputs.Classes} classes, the attack was fitted for {Classes}.", nameof(target));
        }

        var features = Features(outputs);
        var result = new double[outputs.Count];
        using var noGrad = no_grad();
        // Copied into libtorch's own 64-byte-aligned memory: a tensor built from a managed array need not be
        // aligned, and the alignment (which varies between allocations) changes the last bits of the BLAS
        // results; observed here as two identical fits giving member probabilities differing at ~1e-8.
        using var wrapped = tensor(features, new long[] { outputs.Count, 2 * Classes });
        using var all = wrapped.clone();
        attack.eval();
        for (var start = 0; start < outputs.Count; start += AttackChunk)
        {
            using var scope = NewDisposeScope();
            var len = Math.Min(AttackChunk, outputs.Count - start);
            var logits = attack.call(all.narrow(0, start, len)).to(ScalarType.Float64);
            var p = (Options.Preset == MiaPreset.Paper ? logits.sigmoid().select(1, 0) : logits.softmax(1).select(1, 1)).contiguous();
            var values = p.data<double>().ToArray();
            Array.Copy(values, 0, result, start, len);
        }

        return result;
    }

    /// <summary>Share of <paramref name="samples"/> the attack calls member (member probability &gt; 0.5) on <paramref name="target"/>; NaN for an empty set.</summary>
    public double MemberRate(nn.Module<Tensor, Tensor> target, TensorData samples, int chunkSize = Iau.Runtime.Defaults.ChunkSize)
    {
        var p = MemberProbabilities(target, samples, chunkSize);
        return p.Length == 0 ? double.NaN : (double)p.Count(v => v > 0.5) / p.Length;
    }

    /// <summary>ROC of the attack's member probability on <paramref name="target"/>: members vs non-members.</summary>
    public RocCurve Roc(nn.Module<Tensor, Tensor> target, TensorData members, TensorData nonMembers, int chunkSize = Iau.Runtime.Defaults.ChunkSize) =>
        RocCurve.FromScores(MemberProbabilities(target, members, chunkSize), MemberProbabilities(target, nonMembers, chunkSize));

    /// <summary>Mann–Whitney AUC of the attack's member probability: members vs non-members (see <see cref="RocCurve"/>).</summary>
    public double Auc(nn.Module<Tensor, Tensor> target, TensorData members, TensorData nonMembers, int chunkSize = Iau.Runtime.Defaults.ChunkSize) =>
        Roc(target, members, nonMembers, chunkSize).Auc;

    /// <summary>
    /// Writes the attack MLP's weights with its classes, seed, options and report to <paramref name="path"/>
    /// in the kit's checkpoint container (kind "shadow-attack", SHA-256 checked), atomically: a temporary
    /// file beside the target, then moved over it. The shadows themselves are not kept.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var header = CheckpointJson.Serialize(new ShadowAttackHeader(Classes, Seed, Options, Report));
        CheckpointFile.Write(path, FileKind, header, [new CheckpointFile.Section(WeightsSection, attack.state_dict(), null)]);
    }

    /// <summary>Reads an attack written by <see cref="Save"/>.</summary>
    /// <exception cref="CheckpointFormatException">Missing, truncated, corrupt or not a shadow attack.</exception>
    public static ShadowModelAttack Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var contents = CheckpointFile.Read(path, FileKind);
        var header = CheckpointJson.Deserialize<ShadowAttackHeader>(path, contents.Header);
        if (header.Classes < 2 || header.Options is null || header.Report is null)
        {
            throw new CheckpointFormatException(path, "shadow attack header is incomplete");
        }

        if (!contents.Tensors.TryGetValue(WeightsSection, out var weights))
        {
            throw new CheckpointFormatException(path, "shadow attack weights are missing");
        }

        var attack = CreateAttack(header.Options, 2L * header.Classes, header.Seed);
        try
        {
            if (attack.DescribeStateDifferences(weights) is { Count: > 0 } differences)
            {
                throw new CheckpointFormatException(path, $"shadow attack weights do not fit: {string.Join("; ", differences)}");
            }

            attack.LoadState(weights);
            attack.eval();
            return new ShadowModelAttack(attack, header.Classes, header.Options, header.Seed, header.Report);
        }
        catch
        {
            attack.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        attack.Dispose();
    }

    /// <summary>A fresh attack network of the options' preset (initial weights seeded with (seed, 0)).</summary>
    private static nn.Module<Tensor, Tensor> CreateAttack(ShadowAttackOptions options, long width, int seed) =>
        options.Preset == MiaPreset.Paper
            ? new PaperAttackNet(width, Trainer.EpochSeed(seed, 0))
            : ModelFactory.Build(Mlp.Name, [width], 2, Trainer.EpochSeed(seed, 0), new ModelOptions([options.AttackHidden], MlpActivation.Relu));

    private sealed record ShadowAttackHeader(int Classes, int Seed, ShadowAttackOptions Options, ShadowAttackReport Report);
}
