namespace Iau.Experiments;

/// <summary>
/// Hands the cells of a run to the workers. A worker keeps to one lineage (the cells of one experiment and seed,
/// in their planned order, sharing an original, a Retrain and an attack) and takes the next lineage not yet started
/// when its own is done, costliest first. When every lineage has started, a worker whose lineage is done helps a
/// started one instead of idling: it takes the next cell of the lineage with the most estimated work left among those
/// whose first cell has finished (so the shared models are trained or being trained; a helper that needs one still being
/// trained waits for it through the context's caches). Without help, the last lineage ran on one core while the other
/// idled (the fmnist-paper stream, 2026-12-07: 3 seeds on 2 workers, the third seed's 14 cells alone).
/// </summary>
internal sealed class LineageScheduler<T>
{
    private readonly object gate = new();
    private readonly List<Lineage> lineages;
    private int nextUnstarted;

    /// <param name="lineages">The lineages in the order to start them, each its cells in order with their estimated seconds.</param>
    public LineageScheduler(IEnumerable<IReadOnlyList<(T Item, double Seconds)>> lineages)
    {
        ArgumentNullException.ThrowIfNull(lineages);
        this.lineages = [.. lineages.Where(l => l.Count > 0).Select(l => new Lineage(l))];
    }

    /// <summary>A worker's position: the lineage it owns, if any.</summary>
    public sealed class Worker
    {
        internal Lineage? Own { get; set; }
    }

    /// <summary>
    /// The next item for <paramref name="worker"/>: the next of its own lineage, else the first of the next unstarted
    /// lineage, else the next of the started lineage with the most estimated seconds left whose first item is done;
    /// false when nothing is left that it may take now. Call <see cref="Done"/> when the item has run.
    /// </summary>
    public bool TryNext(Worker worker, out T item)
    {
        ArgumentNullException.ThrowIfNull(worker);
        lock (gate)
        {
            return TryNextLocked(worker, out item);
        }
    }

    /// <summary>
    /// As <see cref="TryNext"/>, but waits while the only items left belong to lineages whose first item is still
    /// running; false once nothing is left.
    /// </summary>
    public bool Next(Worker worker, out T item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(worker);
        lock (gate)
        {
            while (!TryNextLocked(worker, out item))
            {
                if (!lineages.Any(l => l.Left > 0))
                {
                    return false;
                }

                Monitor.Wait(gate, TimeSpan.FromMilliseconds(200));
                cancellationToken.ThrowIfCancellationRequested();
            }

            return true;
        }
    }

    /// <summary>Marks <paramref name="item"/> as run (its lineage can be helped once its first item is).</summary>
    public void Done(T item)
    {
        lock (gate)
        {
            foreach (var l in lineages.Where(l => l.IsFirst(item)))
            {
                l.FirstDone = true;
            }

            Monitor.PulseAll(gate);
        }
    }

    private bool TryNextLocked(Worker worker, out T item)
    {
        if (worker.Own is { } own && own.TryTake(out item))
        {
            return true;
        }

        if (nextUnstarted < lineages.Count)
        {
            worker.Own = lineages[nextUnstarted++];
            return worker.Own.TryTake(out item);
        }

        worker.Own = null;
        var help = lineages.Where(l => l.FirstDone && l.Left > 0).MaxBy(l => l.SecondsLeft);
        if (help is not null && help.TryTake(out item))
        {
            return true;
        }

        item = default!;
        return false;
    }

    /// <summary>
    /// The wall time of <paramref name="lineages"/> (item seconds; a lineage's shared models counted in its first item)
    /// on <paramref name="workers"/> workers under this policy, simulated item by item.
    /// </summary>
    public static double Makespan(IEnumerable<IReadOnlyList<double>> lineages, int workers)
    {
        ArgumentNullException.ThrowIfNull(lineages);
        var scheduler = new LineageScheduler<int>(lineages.Select((l, i) => (IReadOnlyList<(int, double)>)[.. l.Select((s, j) => (i * 1_000_000 + j, s))]));
        var count = Math.Max(1, workers);
        var states = Enumerable.Range(0, count).Select(_ => new LineageScheduler<int>.Worker()).ToArray();
        var busyUntil = new double[count];
        var running = new (int Item, bool Any)[count];
        var seconds = scheduler.lineages.SelectMany(l => l.Items).ToDictionary(x => x.Item, x => x.Seconds);
        var now = 0.0;
        while (true)
        {
            for (var w = 0; w < count; w++)
            {
                if (!running[w].Any && busyUntil[w] <= now && scheduler.TryNext(states[w], out var item))
                {
                    running[w] = (item, true);
                    busyUntil[w] = now + seconds[item];
                }
            }

            var active = Enumerable.Range(0, count).Where(w => running[w].Any).ToList();
            if (active.Count == 0)
            {
                return now;
            }

            // Advance to the next finish; what finishes then frees its worker and may warm its lineage.
            now = active.Min(w => busyUntil[w]);
            foreach (var w in active.Where(w => busyUntil[w] <= now))
            {
                scheduler.Done(running[w].Item);
                running[w] = (0, false);
            }
        }
    }

    internal sealed class Lineage(IReadOnlyList<(T Item, double Seconds)> items)
    {
        private int next;

        public IReadOnlyList<(T Item, double Seconds)> Items => items;

        public bool FirstDone { get; set; }

        public int Left => items.Count - next;

        public double SecondsLeft => items.Skip(next).Sum(x => x.Seconds);

        public bool IsFirst(T item) => EqualityComparer<T>.Default.Equals(items[0].Item, item);

        public bool TryTake(out T item)
        {
            if (next < items.Count)
            {
                item = items[next++].Item;
                return true;
            }

            item = default!;
            return false;
        }
    }
}
