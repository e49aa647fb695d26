using System.Diagnostics;
using System.Globalization;
using Iau.Data;
using Iau.Models;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>One measured quantity of a benchmark.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The number.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="PeakMemoryMiB">Peak resident memory of the process during that phase (MiB), or null.</param>
/// <param name="Notes">Context (sizes, epochs, comparisons).</param>
public sealed record BenchRow(string Name, double Value, string Unit, double? PeakMemoryMiB, string Notes);

/// <summary>
/// The benchmarks behind `iau bench`: throughput of training and evaluation, and the time and memory of
/// every unlearning method. They measure; they assert nothing (targets are compared in the report).
/// </summary>
public static class Benchmarks
{
    /// <summary>
    /// Training throughput of LeNet5 (batch 64) plain and with gradient restriction, and evaluation
    /// throughput, each after a warm-up, on the first <paramref name="samples"/> training samples; the median
    /// of <paramref name="repetitions"/> epochs is reported (this machine's throughput varies from run to run).
    /// </summary>
    public static IReadOnlyList<BenchRow> Train(SplitData data, string model = "lenet5", int samples = 12_800, int repetitions = 3, IProgress<string>? progress = null)
    {
        var rows = new List<BenchRow>();
        var n = Math.Min(samples, data.Train.Count);
        using var subset = data.Train.Subset(Enumerable.Range(0, n).ToArray());
        using var warm = data.Train.Subset(Enumerable.Range(0, Math.Min(3_200, n)).ToArray());
        foreach (var alpha in new[] { 0.0, TrainingOptions.PaperGrAlpha })
        {
            var label = alpha == 0 ? "plain" : $"GR α={alpha.ToString(CultureInfo.InvariantCulture)}";
            progress?.Report($"training {model} ({label}) on {n:N0} samples, {repetitions} repetitions after a warm-up");
            using var m = NewModel(data, model);
            var recipe = TrainingOptions.Paper with { MaxEpochs = 1, Patience = null, GrAlpha = alpha };
            new Trainer(recipe).Train(m, warm);
            MemoryProbe.ResetPeak();
            var rates = new List<double>();
            for (var r = 0; r < repetitions; r++)
            {
                var result = new Trainer(recipe with { Seed = 1 + r }).Train(m, subset);
                rates.Add(result.History[^1].SamplesPerSecond);
            }

            rates.Sort();
            rows.Add(new BenchRow($"train {model} {label}, batch 64", rates[rates.Count / 2], "samples/s", PeakMiB(),
                string.Create(CultureInfo.InvariantCulture, $"median of {repetitions} epochs of {n:N0} samples (min {rates[0]:N0}, max {rates[^1]:N0})")));
        }

        using (var m = NewModel(data, model))
        {
            progress?.Report($"evaluating {model} on {data.Test.Count:N0} test samples");
            Evaluator.Evaluate(m, data.Test);
            MemoryProbe.ResetPeak();
            var watch = Stopwatch.StartNew();
            Evaluator.Evaluate(m, data.Test);
            watch.Stop();
            rows.Add(new BenchRow($"evaluate {model} (chunks of {Evaluator.DefaultChunkSize})", data.Test.Count / watch.Elapsed.TotalSeconds, "samples/s", PeakMiB(),
                string.Create(CultureInfo.InvariantCulture, $"{data.Test.Count:N0} samples in {watch.Elapsed.TotalSeconds:F2} s")));
        }

        return rows;
    }

    /// <summary>
    /// The unlearning step of each method on the session's forget set, the time of one training epoch on
    /// D_r with the original's recipe, and IAU's peak memory on growing retain sets.
    /// </summary>
    public static IReadOnlyList<BenchRow> Unlearn(UnlearnSession session, IReadOnlyList<IUnlearningMethod> methods, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var rows = new List<BenchRow>();
        var d = session.Data;
        var recipe = session.Checkpoint.Metadata.Training ?? TrainingOptions.PaperWithGr;
        var times = new Dictionary<string, double>(StringComparer.Ordinal);

        progress?.Report("one training epoch on D_r with the original's recipe");
        using (var m = NewModel(d, session.Checkpoint.Model.Architecture))
        {
            MemoryProbe.ResetPeak();
            var r = new Trainer(recipe with { MaxEpochs = 1, Patience = null }).Train(m, d.Retain, cancellationToken: cancellationToken);
            rows.Add(new BenchRow("one training epoch on D_r", r.History[^1].TrainSeconds, "s", PeakMiB(),
                string.Create(CultureInfo.InvariantCulture, $"{d.Retain.Count:N0} samples, GR α {recipe.GrAlpha:G3}")));
        }

        IauModel? batchedFisher = null;
        FisherForgettingOptions? fisherOptions = null;
        try
        {
            foreach (var method in methods)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var result = UnlearnRow(method, $"unlearn: {method.Name}");
                if (method is FisherForgettingMethod { Options.Batched: true } fisher)
                {
                    batchedFisher = result.Model.Clone();
                    fisherOptions = fisher.Options;
                }
            }

            // Batched Fisher forgetting beside its reference, one backward pass per sample and class: same seed and
            // so the same noise; the weights differ by float rounding in the Fisher.
            if (batchedFisher is not null && fisherOptions is not null)
            {
                var reference = new FisherForgettingMethod(fisherOptions with { Batched = false });
                using var result = UnlearnRow(reference, "unlearn: fisher, one sample at a time (reference)", "fisher-loop");
                Ratio("speed-up of batched Fisher over one sample at a time", "fisher-loop", "fisher");
                using var scope = torch.NewDisposeScope();
                var a = torch.cat(batchedFisher.parameters().Select(p => p.detach().reshape(-1)).ToArray());
                var b = torch.cat(result.Model.parameters().Select(p => p.detach().reshape(-1)).ToArray());
                rows.Add(new BenchRow("Fisher weights, batched against one sample at a time", (a - b).abs().max().item<float>() / b.abs().max().item<float>(), "relative", null,
                    "max |θ_batched − θ_reference| / max |θ_reference| after the same noise"));
            }
        }
        finally
        {
            batchedFisher?.Dispose();
        }

        UnlearningResult UnlearnRow(IUnlearningMethod method, string label, string? key = null)
        {
            progress?.Report($"unlearning with {label[9..]}");
            MemoryProbe.ResetPeak();
            var (outcome, result) = session.Run(method, 0, cancellationToken: cancellationToken);
            times[key ?? method.Name] = outcome.Seconds;
            var notes = string.Create(CultureInfo.InvariantCulture, $"TA {outcome.TestAccuracy:F4}, RA {outcome.RetainAccuracy:F4}, FA {outcome.ForgetAccuracy:F4}, {outcome.Steps} step(s)");
            if (outcome.Notes.TryGetValue("epochs", out var epochs))
            {
                notes += $", {epochs} epochs";
            }

            rows.Add(new BenchRow(label, outcome.Seconds, "s", PeakMiB(), notes));
            return result;
        }

        void Ratio(string name, string slow, string fast)
        {
            if (times.TryGetValue(slow, out var s) && times.TryGetValue(fast, out var f) && f > 0)
            {
                rows.Add(new BenchRow(name, s / f, "×", null, $"{slow} time / {fast} time"));
            }
        }

        Ratio("speed-up of IAU over Retrain", "retrain", "iau");
        Ratio("speed-up of IAU over Fisher forgetting", "fisher", "iau");
        Ratio("speed-up of cached IAU over IAU", "iau", "iau-cached");

        // IAU's memory must not grow with |D|: same forget set, retain sets of growing size. The peak is the phase's
        // own (a MemoryPhase: baseline after a GC, VmHWM reset, VmRSS sampled), so it is never below the baseline;
        // where /proc is not available there is no honest number and no row.
        foreach (var fraction in new[] { 0.25, 0.5, 1.0 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)(d.Retain.Count * fraction);
            using var retain = d.Retain.Subset(Enumerable.Range(0, count).ToArray());
            using var phase = MemoryPhase.Start();
            using var r = Unlearner.Run(new IauMethod(), session.Checkpoint.Model, new UnlearningData(d.Forget, retain), cancellationToken: cancellationToken);
            if (phase?.Stop() is { } memory)
            {
                rows.Add(new BenchRow($"IAU peak memory above baseline, |D_r| = {count:N0}", memory.AboveBaselineMiB, "MiB", memory.PeakMiB,
                    string.Create(CultureInfo.InvariantCulture, $"{r.Seconds:F2} s; baseline {memory.BaselineBytes / (1024.0 * 1024.0):F0} MiB after a GC; {memory.How}")));
            }
        }

        return rows;
    }

    private static IauModel NewModel(SplitData data, string model)
    {
        var m = ModelFactory.Create(model, data.Dataset.Info.InputShape.Select(x => (long)x).ToArray(), data.Dataset.Info.Classes, 0);
        m.to(data.Train.Features.device);
        return m;
    }

    private static double? PeakMiB() => MemoryProbe.Available ? MemoryProbe.PeakBytes() / (1024.0 * 1024.0) : null;
}
