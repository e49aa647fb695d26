using System.Diagnostics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Iau.Runtime;

/// <summary>What <see cref="FinalizerStress.Run"/> saw.</summary>
/// <param name="Operations">Loop iterations completed.</param>
/// <param name="Wrong">Iterations whose result differed from the exact answer (freed input read by libtorch).</param>
/// <param name="Errors">Iterations that raised an exception (libtorch's check of a freed Scalar's type).</param>
/// <param name="Collections">Generation-0 collections in the process meanwhile.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record FinalizerStressResult(long Operations, long Wrong, long Errors, int Collections, double Seconds);

/// <summary>
/// The workload that exposes TorchSharp's finalizer race (<see cref="FinalizerGuard"/>): worker threads compute
/// <c>x.add(full(n, 2)).mul(3.0)</c> from unscoped temporaries (the full() tensor, the implicit Scalars 1 and 3.0),
/// which are unreachable during the native calls, while another thread collects generation 0 without pause. Each
/// result is checked exactly (every element is 9). Unguarded, the process usually dies of a segmentation fault:
/// run it in a child process.
/// </summary>
internal static class FinalizerStress
{
    internal const int Length = 4096;

    internal static FinalizerStressResult Run(TimeSpan duration, int workers, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        long ops = 0, wrong = 0, errors = 0;
        var before = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        bool Going() => clock.Elapsed < duration && !cancellationToken.IsCancellationRequested;
        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
        {
            using var x = ones(Length);
            while (Going())
            {
                try
                {
                    using var r = x.add(full(Length, 2f)).mul(3.0);
                    if (r.sum().item<float>() != Length * 9f)
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (ExternalException)
                {
                    Interlocked.Increment(ref errors);
                }

                Interlocked.Increment(ref ops);
            }
        })).Append(new Thread(() =>
        {
            while (Going())
            {
                GC.Collect(0);
                Thread.Yield();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return new FinalizerStressResult(ops, wrong, errors, GC.CollectionCount(0) - before, clock.Elapsed.TotalSeconds);
    }
}
