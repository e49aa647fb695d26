using Iau.Data;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// A stream of deletion requests (disjoint random 1% slices of the training split), answered one after the
/// other by IAU recomputing both gradients at the current weights ("iau-exact") and from the stored training
/// gradient ("iau-cached"); one row per request.
/// </summary>
internal sealed class SequentialExperiment : IExperiment
{
    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Sequential;

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        var requests = Enumerable.Range(1, spec.Requests).Select(j => ExperimentContext.Invariant($"request={j}")).ToList();
        yield return new("stream", "iau-exact", requests);
        yield return new("stream", "iau-cached", requests);
    }

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var data = context.Split(spec, cell.Seed);
        var original = context.Original(spec, cell.Seed, spec.GrAlpha);
        var split = data.Split;

        // Requests: disjoint random 1% slices of the training split, rows of data.Train.
        var order = TensorData.Permutation(split.Train.Length, cell.Seed + 7919);
        var size = Math.Max(1, split.Train.Length / 100);
        var requests = Enumerable.Range(0, spec.Requests).Select(j => new DeletionRequest(order.Skip(j * size).Take(size).ToArray())).ToList();
        using var cache = cell.Method == "iau-cached" ? ExperimentContext.CacheFor(original, data.Train.Count) : null;
        var rows = new List<ResultRow>();
        var removed = new List<int>();
        var (final, steps) = SequentialUnlearning.Run(
            original.Model,
            data.Train,
            requests,
            cache: cache,
            afterEach: (j, model) =>
            {
                removed.AddRange(requests[j - 1].Rows);
                using var forgotten = data.Train.Subset(removed);
                var metrics = new Dictionary<string, double>
                {
                    ["TA"] = Evaluator.Accuracy(model, data.Test),
                    ["FA"] = Evaluator.Accuracy(model, forgotten),
                    ["removed"] = removed.Count,
                };
                rows.Add(context.Row(cell, ExperimentContext.Invariant($"request={j}"), metrics, new Dictionary<string, string>()));
            },
            cancellationToken: context.CancellationToken);
        using (final)
        {
            for (var j = 0; j < rows.Count; j++)
            {
                var m = new Dictionary<string, double>(rows[j].Metrics) { ["RTE"] = steps[j].Seconds };
                rows[j] = rows[j] with { Metrics = m, Notes = new Dictionary<string, string> { ["retain gradient"] = steps[j].RetainGradientSource } };
            }
        }

        return rows;
    }
}
