using TorchSharp;

namespace Iau.Training;

/// <summary>
/// Runs independent jobs (e.g. the models of a pool) on dedicated threads, one job per worker at a time, each
/// worker with ONE libtorch intra-op thread: small models use two cores better as two single-threaded
/// trainings than as one two-threaded one (environment.md, "Pool of models side by side": 1.7× with PyTorch).
/// <para>
/// Why in-process threads work: libtorch's CPU build parallelises with OpenMP, and at::set_num_threads sets
/// the calling thread's OpenMP thread count (omp_set_num_threads, a per-thread setting) and MKL's thread-local
/// count; it also stores the number in a process-global default that threads created later pick up on their
/// first parallel region. Every worker therefore sets 1 for itself before its first tensor operation, and the
/// caller's own setting is restored (global default included) when the workers have finished.
/// </para>
/// <para>
/// Determinism: a job must depend only on its own inputs and seeds. The kit's training draws no numbers from
/// libtorch's global generator (initial weights use a private seeded generator, batches a seeded
/// System.Random permutation, no model has dropout), so a job gives bit-identical weights whether it runs
/// here or alone on one thread (tested). Methods that draw from the global generator (re-seeded per step) are
/// serialised by the caller where that matters.
/// </para>
/// </summary>
public static class ParallelWorkers
{
    /// <summary>
    /// Runs every job; with <paramref name="workers"/> ≤ 1 they run in order on the calling thread with its thread
    /// settings untouched. With two workers or more every job runs on a worker with ONE libtorch thread — even
    /// when there is a single job (e.g. a resumed run whose remaining work is one lineage), so that a job's numbers
    /// never depend on how many jobs were left (libtorch on two threads rounds differently from one). The first
    /// failure cancels the rest and is rethrown after all workers stopped (an <see cref="OperationCanceledException"/>
    /// when cancelled).
    /// </summary>
    public static void Run(IReadOnlyList<Action<CancellationToken>> jobs, int workers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (workers <= 1 || jobs.Count == 0)
        {
            foreach (var job in jobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                job(cancellationToken);
            }

            return;
        }

        var count = Math.Min(workers, jobs.Count);
        var previous = torch.get_num_threads();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        Exception? failure = null;
        var threads = new List<Thread>();
        for (var w = 0; w < count; w++)
        {
            var thread = new Thread(
                () =>
            {
                torch.set_num_threads(1);
                try
                {
                    int i;
                    while (!cts.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < jobs.Count)
                    {
                        jobs[i](cts.Token);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    cts.Cancel();
                }
            },
                16 * 1024 * 1024) // deep models' autograd needs more than a secondary thread's default stack
            {
                IsBackground = true,
                Name = $"iau-worker-{w}",
            };
            threads.Add(thread);
        }

        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        torch.set_num_threads(previous);
        if (failure is not null && failure is not OperationCanceledException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
