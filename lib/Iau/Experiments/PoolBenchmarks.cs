using System.Diagnostics;
using System.Globalization;
using Iau.Data;
using Iau.Models;
using Iau.Training;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>
/// The pool benchmark behind `iau bench train`: K models (one per worker) trained for one epoch each, once one
/// model at a time with all of libtorch's threads, once side by side with one thread each
/// (<see cref="ParallelWorkers"/>); combined samples/s of both and their ratio.
/// </summary>
public static class PoolBenchmarks
{
    /// <summary>Measures the pool against one model at a time (median of <paramref name="repetitions"/>).</summary>
    public static IReadOnlyList<BenchRow> Train(SplitData data, string model = "lenet5", int samples = 12_800, int workers = 0, int repetitions = 3, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = workers > 0 ? workers : Environment.ProcessorCount;
        var n = Math.Min(samples, data.Train.Count);
        using var subset = data.Train.Subset(Enumerable.Range(0, n).ToArray());
        var recipe = TrainingOptions.Paper with { MaxEpochs = 1, Patience = null };
        var info = data.Dataset.Info;
        void TrainOne(int seed)
        {
            using var m = ModelFactory.Create(model, info.InputShape.Select(d => (long)d).ToArray(), info.Classes, seed);
            m.to(subset.Features.device);
            new Trainer(recipe with { Seed = seed }).Train(m, subset);
        }

        var jobs = Enumerable.Range(1, k).Select(s => (Action<CancellationToken>)(_ => TrainOne(s))).ToList();
        progress?.Report($"pool: {k} {model} models × {n:N0} samples, one at a time with {torch.get_num_threads()} threads vs {k} workers with 1 thread each");
        ParallelWorkers.Run(jobs, k); // warm-up of both paths
        var sequential = new List<double>();
        var pooled = new List<double>();
        for (var r = 0; r < repetitions; r++)
        {
            var watch = Stopwatch.StartNew();
            ParallelWorkers.Run(jobs, 1);
            sequential.Add(k * n / watch.Elapsed.TotalSeconds);
            watch.Restart();
            ParallelWorkers.Run(jobs, k);
            pooled.Add(k * n / watch.Elapsed.TotalSeconds);
        }

        sequential.Sort();
        pooled.Sort();
        var seq = sequential[repetitions / 2];
        var pool = pooled[repetitions / 2];
        string Range(List<double> v) => string.Create(CultureInfo.InvariantCulture, $"median of {repetitions} (min {v[0]:N0}, max {v[^1]:N0})");
        return
        [
            new BenchRow($"pool: {k} {model} one at a time, {torch.get_num_threads()} threads, batch 64", seq, "samples/s", null, Range(sequential)),
            new BenchRow($"pool: {k} {model} side by side, 1 thread each, batch 64", pool, "samples/s", null, Range(pooled)),
            new BenchRow("pool speed-up (side by side / one at a time)", pool / seq, "×", null, "target ≥ 1.5 on 2 cores (LeNet5)"),
        ];
    }
}
