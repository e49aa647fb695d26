using Iau.Data;
using Iau.Evaluation;
using Iau.Models;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// A stream of deletion requests measured against retraining. Each seed draws <see cref="ExperimentSpec.Requests"/>
/// disjoint random slices of the training split, each of <see cref="ExperimentSpec.ForgetRatio"/> of it, and every
/// method answers them one after another, each request from the model the previous one left:
/// <list type="bullet">
/// <item><c>iau-exact</c>: IAU with both gradients recomputed at the current weights (<see cref="SequentialUnlearning"/>);</item>
/// <item><c>iau-cached</c>: IAU from the gradient stored with the original, never refreshed; <c>iau-cached-r{r}</c>: the same,
/// refreshed every r requests (<see cref="CacheRefresh"/>; r from the spec's <see cref="ExperimentSpec.CacheRefreshes"/>);</item>
/// <item>every other method of the spec applies its own update per request, with that request as D_f and what remains
/// after it as D_r;</item>
/// <item><c>original</c>: the control that answers nothing.</item>
/// </list>
/// After every <see cref="CheckpointStride"/>-th request and the last, Retrain on the set that remains (the setting's
/// recipe, cached on disk and shared by every method of the seed) is the reference: those rows carry every metric of the
/// main comparison against it, with D_f = everything forgotten so far (Avg Gap, the membership attacks, FA and its gap
/// to Retrain's, TA and its gap). Every row carries TA, the forget accuracy on everything forgotten so far, the
/// request's seconds (RTE) and the cumulative seconds. Retrain's own rows (at the checkpoints) give its training time
/// and, as <c>CumSeconds</c>, the cost of retraining after every request — an estimate: each request is charged the
/// time of the Retrain at the next checkpoint, since only those are run.
/// </summary>
internal sealed class SequentialExperiment : IExperiment
{
    /// <summary>A Retrain reference after every this many requests (and after the last).</summary>
    public const int CheckpointStride = 5;

    /// <summary>The stream's cell of exact IAU.</summary>
    public const string ExactIau = "iau-exact";

    /// <summary>The stream's cell of cached IAU without refresh.</summary>
    public const string CachedIau = "iau-cached";


    /// <inheritdoc />
    public ExperimentKind Kind => ExperimentKind.Sequential;

    /// <summary>The requests (1-based) after which Retrain is the reference.</summary>
    internal static IReadOnlyList<int> Checkpoints(ExperimentSpec spec) =>
        [.. Enumerable.Range(1, spec.Requests).Where(j => j % CheckpointStride == 0 || j == spec.Requests)];

    /// <summary>The refresh intervals of cached IAU in the stream.</summary>
    private static IEnumerable<int> Refreshes(ExperimentSpec spec) => (spec.CacheRefreshes ?? []).Distinct();

    /// <inheritdoc />
    public IEnumerable<CellPlan> Plan(ExperimentSpec spec, RecipeBook recipes)
    {
        var requests = Enumerable.Range(1, spec.Requests).Select(Variant).ToList();
        var methods = ExperimentContext.Applicable(spec);
        if (methods.Contains("retrain"))
        {
            yield return new("stream", "retrain", [.. Checkpoints(spec).Select(Variant)]);
        }

        yield return new("stream", "original", requests);
        foreach (var m in methods.Where(m => m != "retrain"))
        {
            if (m == "iau")
            {
                yield return new("stream", ExactIau, requests);
                yield return new("stream", CachedIau, requests);
                foreach (var r in Refreshes(spec))
                {
                    yield return new("stream", ExperimentContext.Invariant($"{CachedIau}-r{r}"), requests);
                }
            }
            else
            {
                yield return new("stream", m, requests);
            }
        }
    }

    private static string Variant(int request) => ExperimentContext.Invariant($"request={request}");

    /// <inheritdoc />
    public IReadOnlyList<ResultRow> Run(Cell cell, ExperimentContext context)
    {
        var spec = cell.Spec;
        var data = context.Split(spec, cell.Seed);
        var original = context.Original(spec, cell.Seed, spec.GrAlpha);
        var requests = Requests(spec, cell.Seed, data.Train.Count);
        var checkpoints = Checkpoints(spec).ToHashSet();
        if (cell.Method == "retrain")
        {
            return RetrainRows(cell, context, data, original, requests);
        }

        var rows = new List<ResultRow>();
        var removed = new List<int>();

        // Rows of one request: TA and FA on everything forgotten so far; at a checkpoint, every metric against Retrain.
        // RTE is the request's seconds (set later by streams that time their requests apart from the observation).
        void Observe(int j, IauModel model, double seconds)
        {
            removed.AddRange(requests[j - 1].Rows);
            Dictionary<string, double> metrics;
            if (checkpoints.Contains(j))
            {
                using var stream = context.WithForget(data, removed);
                var retrain = context.Retrained(spec, cell.Seed, stream, original, spec.GrAlpha);
                metrics = context.Measure(spec, cell.Seed, stream, model, spec.GrAlpha, seconds, retrain);
                var reference = context.RetrainMetrics(spec, cell.Seed, stream, spec.GrAlpha, retrain);
                metrics[Metric.FaGap] = metrics[Metric.FA] - reference[Metric.FA];
                metrics[Metric.TaGap] = metrics[Metric.TA] - reference[Metric.TA];
            }
            else
            {
                using var forgotten = data.Train.Subset(removed);
                metrics = new Dictionary<string, double>
                {
                    [Metric.TA] = Evaluator.Accuracy(model, data.Test),
                    [Metric.FA] = Evaluator.Accuracy(model, forgotten),
                    [Metric.Rte] = seconds,
                };
            }

            metrics[Metric.Removed] = removed.Count;
            rows.Add(context.Row(cell, Variant(j), metrics, new Dictionary<string, string>()));
        }

        if (cell.Method is ExactIau || cell.Method.StartsWith(CachedIau, StringComparison.Ordinal))
        {
            RunIau(cell, context, data, original, requests, rows, Observe);
        }
        else if (cell.Method == "original")
        {
            for (var j = 1; j <= requests.Count; j++)
            {
                Observe(j, original.Model, 0);
            }
        }
        else
        {
            RunMethod(cell, context, data, original, requests, Observe);
        }

        // The cumulative seconds of the stream, request by request.
        var cumulative = 0.0;
        return [.. rows.Select(r => r with { Metrics = new Dictionary<string, double>(r.Metrics) { [Metric.CumulativeSeconds] = cumulative += r.Metrics[Metric.Rte] } })];
    }

    /// <summary>Disjoint random slices of the training split (rows of data.Train), each ForgetRatio of it, drawn by the seed.</summary>
    internal static IReadOnlyList<DeletionRequest> Requests(ExperimentSpec spec, int seed, int trainCount)
    {
        var order = TensorData.Permutation(trainCount, seed + 7919);
        var size = Math.Max(1, (int)Math.Round(trainCount * spec.ForgetRatio));
        if (size * spec.Requests >= trainCount)
        {
            throw new ArgumentException(ExperimentContext.Invariant(
                $"{spec.Name}: {spec.Requests} requests of {size} samples ({spec.ForgetRatio:P1} each) would leave no retain set of the {trainCount} training samples."));
        }

        return [.. Enumerable.Range(0, spec.Requests).Select(j => new DeletionRequest(order[(j * size)..((j + 1) * size)]))];
    }

    /// <summary>Exact or cached IAU through <see cref="SequentialUnlearning"/> (the refresh from the cell's name).</summary>
    private static void RunIau(Cell cell, ExperimentContext context, SplitData data, LoadedCheckpoint original, IReadOnlyList<DeletionRequest> requests,
        List<ResultRow> rows, Action<int, IauModel, double> observe)
    {
        var refresh = cell.Method.StartsWith(CachedIau + "-r", StringComparison.Ordinal)
            ? new CacheRefresh(Every: int.Parse(cell.Method[(CachedIau.Length + 2)..], System.Globalization.CultureInfo.InvariantCulture))
            : CacheRefresh.Never;
        using var cache = cell.Method == ExactIau ? null : ExperimentContext.CacheFor(original, data.Train.Count)
            ?? throw new InvalidOperationException($"{cell.Label}: the original stores no training gradient for cached IAU.");

        // The stream times each request and observes the model after it (untimed); the times are filled in after.
        var (final, steps) = SequentialUnlearning.Run(original.Model, data.Train, requests, cache: cache, refresh: refresh,
            afterEach: (j, model) => observe(j, model, 0), cancellationToken: context.CancellationToken);
        final.Dispose();
        for (var j = 0; j < rows.Count; j++)
        {
            rows[j] = rows[j] with
            {
                Metrics = new Dictionary<string, double>(rows[j].Metrics) { [Metric.Rte] = steps[j].Seconds },
                Notes = new Dictionary<string, string> { ["retain gradient"] = steps[j].RetainGradientSource, ["refresh"] = cell.Method == ExactIau ? "-" : refresh.ToString() },
            };
        }
    }

    /// <summary>Any other method, one update per request from the model the previous request left.</summary>
    private static void RunMethod(Cell cell, ExperimentContext context, SplitData data, LoadedCheckpoint original, IReadOnlyList<DeletionRequest> requests,
        Action<int, IauModel, double> observe)
    {
        var method = UnlearningMethods.Create(cell.Method, MethodSettings.Parse(cell.MethodOptions));
        using var stream = DeletionStream.Method(method, original.Model, data.Train, data.Valid, data.Test, original.Metadata.Training, cell.Seed);
        foreach (var request in requests)
        {
            var step = stream.Answer(request, context.CancellationToken);
            observe(step.Request, stream.Model, step.Seconds);
        }
    }

    /// <summary>Retrain on what remains at each checkpoint, measured as a method (its gaps are 0 by construction).</summary>
    private static List<ResultRow> RetrainRows(Cell cell, ExperimentContext context, SplitData data, LoadedCheckpoint original, IReadOnlyList<DeletionRequest> requests)
    {
        var spec = cell.Spec;
        var rows = new List<ResultRow>();
        var cumulative = 0.0;
        var last = 0;
        foreach (var j in Checkpoints(spec))
        {
            var removed = requests.Take(j).SelectMany(r => r.Rows).ToList();
            using var stream = context.WithForget(data, removed);
            var retrain = context.Retrained(spec, cell.Seed, stream, original, spec.GrAlpha);
            var seconds = retrain.Metadata.Metrics[Metric.UnlearnSeconds];
            var metrics = context.Measure(spec, cell.Seed, stream, retrain.Model, spec.GrAlpha, seconds, retrain);
            cumulative += (j - last) * seconds;
            last = j;
            metrics[Metric.FaGap] = 0;
            metrics[Metric.TaGap] = 0;
            metrics[Metric.Removed] = removed.Count;
            metrics[Metric.CumulativeSeconds] = cumulative;
            rows.Add(context.Row(cell, Variant(j), metrics, new Dictionary<string, string>
            {
                [Metric.CumulativeSeconds] = "as if retrained after every request, each request charged this checkpoint's Retrain time",
            }));
        }

        return rows;
    }
}
