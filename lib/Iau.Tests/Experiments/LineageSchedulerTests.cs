using System.Collections.Concurrent;
using Iau.Experiments;

namespace Iau.Tests.Experiments;

public class LineageSchedulerTests
{
    private static IReadOnlyList<double> Cells(int count, double seconds = 1) => [.. Enumerable.Repeat(seconds, count)];

    [Fact]
    public void A_worker_whose_lineage_is_done_helps_the_last_one_instead_of_idling()
    {
        // 3 lineages of 14 one-second cells on 2 workers: kept to one worker each, the third would run alone from
        // t = 14 to 28. With help: both start it at 14, one waits for its first cell (15), then they share the other 13.
        Assert.Equal(22, LineageScheduler<int>.Makespan([Cells(14), Cells(14), Cells(14)], 2));
        Assert.Equal(28, Iau.Runtime.TimingLog.Makespan([14, 14, 14], 2)); // the lineage-per-worker schedule it replaces
        Assert.Equal(42, LineageScheduler<int>.Makespan([Cells(14), Cells(14), Cells(14)], 1));
        Assert.Equal(10, LineageScheduler<int>.Makespan([[10]], 2)); // a single cell cannot be shared
    }

    [Fact]
    public void Concurrent_workers_run_every_cell_once_and_help_a_lineage_only_after_its_first_cell()
    {
        var lineages = Enumerable.Range(0, 5)
            .Select(l => (IReadOnlyList<(int, double)>)[.. Enumerable.Range(0, 3 + (l * 2)).Select(j => ((l * 100) + j, 1.0))])
            .ToList();
        var scheduler = new LineageScheduler<int>(lineages);
        var started = new ConcurrentBag<int>();
        var firstDone = new ConcurrentDictionary<int, bool>();
        var violations = new ConcurrentBag<int>();
        var threads = Enumerable.Range(0, 3).Select(w => new Thread(() =>
        {
            var me = new LineageScheduler<int>.Worker();
            var random = new Random(w);
            while (scheduler.Next(me, out var item, CancellationToken.None))
            {
                if (item % 100 != 0 && !firstDone.ContainsKey(item / 100))
                {
                    violations.Add(item);
                }

                started.Add(item);
                Thread.Sleep(random.Next(1, 5));
                if (item % 100 == 0)
                {
                    firstDone[item / 100] = true;
                }

                scheduler.Done(item);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(lineages.SelectMany(l => l.Select(x => x.Item1)).Order(), started.Order());
        Assert.Empty(violations);
    }
}
