using System.Diagnostics;
using System.Globalization;
using Iau.Data;
using Iau.Models;
using Iau.Training;
using TorchSharp;

namespace Iau.Experiments;

/// <summary>
/// The pool benchmark behind `iau bench train`: K models (one per worker) trained for one epoch each, once one
/// model at a time with all of libtorch's threads, once one at a time with one thread, and once side by side with
/// one thread each (<see cref="ParallelWorkers"/>); combined samples/s of each and their ratios.
/// <para>
/// The speed-up of the pool over one model at a time factors into two parts that are reported apart:
/// speed-up = (side by side / K × one thread) × (K × one thread / K threads) = efficiency × K / s_K, where s_K is
/// libtorch's own speed-up from one thread to K on one model. The efficiency is what the pool loses to running
/// side by side (shared caches, memory bandwidth, the allocator, the GC); K / s_K is the most any pool can reach,
/// and it is lower the better libtorch alone uses the K threads.
/// </para>
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
        var threads = torch.get_num_threads();
        progress?.Report($"pool: {k} {model} models × {n:N0} samples, one at a time with {threads} threads and with 1, vs {k} workers with 1 thread each");
        ParallelWorkers.Run(jobs, k); // warm-up of both paths
        var sequential = new List<double>();
        var single = new List<double>();
        var pooled = new List<double>();
        double SamplesPerSecond(Action run)
        {
            var watch = Stopwatch.StartNew();
            run();
            return k * n / watch.Elapsed.TotalSeconds;
        }

        for (var r = 0; r < repetitions; r++)
        {
            sequential.Add(SamplesPerSecond(() => ParallelWorkers.Run(jobs, 1)));

            // One job per call: ParallelWorkers gives a lone job a worker with one libtorch thread.
            single.Add(SamplesPerSecond(() => jobs.ForEach(j => ParallelWorkers.Run([j], 2))));
            pooled.Add(SamplesPerSecond(() => ParallelWorkers.Run(jobs, k)));
        }

        return Rows(k, model, threads, sequential, single, pooled);
    }

    /// <summary>The rows from the measured samples/s (medians), with the speed-up split into its two factors.</summary>
    internal static IReadOnlyList<BenchRow> Rows(int k, string model, int threads, List<double> sequential, List<double> single, List<double> pooled)
    {
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        string Range(List<double> v) => string.Create(CultureInfo.InvariantCulture, $"median of {v.Count} (min {v.Min():N0}, max {v.Max():N0})");
        double seq = Median(sequential), one = Median(single), pool = Median(pooled);
        return
        [
            new BenchRow($"pool: {k} {model} one at a time, {threads} threads, batch 64", seq, "samples/s", null, Range(sequential)),
            new BenchRow($"pool: {k} {model} one at a time, 1 thread, batch 64", one, "samples/s", null, Range(single)),
            new BenchRow($"pool: {k} {model} side by side, 1 thread each, batch 64", pool, "samples/s", null, Range(pooled)),
            new BenchRow("pool speed-up (side by side / one at a time)", pool / seq, "×", null, "target ≥ 1.5 on 2 cores (LeNet5)"),
            new BenchRow($"  pool efficiency (side by side / {k} × one thread)", pool / (k * one), "×", null, "1 = nothing lost to running side by side"),
            new BenchRow($"  ceiling ({k} × one thread / one at a time on {threads} threads)", k * one / seq, "×", null, $"the most a pool can reach: {k} / libtorch's own {threads}-thread speed-up"),
        ];
    }
}
