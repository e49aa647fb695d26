using MathNet.Numerics.Distributions;

namespace Iau.Evaluation;

/// <summary>Mean ± spread of one metric over seeds (see <see cref="Aggregation.Summary"/>).</summary>
/// <param name="Mean">Sample mean x̄ (NaN when N = 0).</param>
/// <param name="Std">Sample standard deviation s with n − 1 in the denominator (0 when N = 1, NaN when N = 0).</param>
/// <param name="N">Number of values.</param>
/// <param name="Ci95Low">x̄ − t_{0.975, n−1} · s / √n (the mean when N = 1).</param>
/// <param name="Ci95High">x̄ + t_{0.975, n−1} · s / √n (the mean when N = 1).</param>
public sealed record MetricSummary(double Mean, double Std, int N, double Ci95Low, double Ci95High);

/// <summary>
/// Aggregates results over seeds and compares methods with Retrain, the way the paper's tables do:
/// <code>
/// Summary:  x̄ = (1/n) Σ x_i,   s = sqrt( Σ (x_i − x̄)² / (n − 1) ),   CI95 = x̄ ± t_{0.975, n−1} · s / √n
///           (Student t quantile from MathNet.Numerics; n = 1 gives s = 0 and CI = [x̄, x̄])
/// AvgGap_m  = (1/|M|) Σ_{k ∈ M} | m_k − retrain_k |,    M = {TA, RA, FA, MIA} by default
/// AvgRank_m = (1/|M|) Σ_{k ∈ M} rank_k(m),   rank_k ranks the methods by | m_k − retrain_k | (smallest = 1),
///             tied methods share the average of the ranks they occupy
/// </code>
/// NaN inputs propagate into a summary; in rankings a NaN (or missing) value ranks after every number.
/// </summary>
public static class Aggregation
{
    /// <summary>
    /// The metrics of the gap-based comparison, under the result-row names: TA, RA, FA and MIA_shadow (the
    /// paper's shadow-model MIA).
    /// </summary>
    public static IReadOnlyList<string> GapMetrics => Metric.GapMetrics;

    /// <summary>Mean, sample standard deviation and Student-t 95 % confidence interval of <paramref name="values"/>.</summary>
    public static MetricSummary Summary(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n == 0)
        {
            return new MetricSummary(double.NaN, double.NaN, 0, double.NaN, double.NaN);
        }

        var mean = values.Sum() / n;
        if (n == 1)
        {
            return new MetricSummary(mean, 0, 1, mean, mean);
        }

        var ss = values.Sum(v => (v - mean) * (v - mean));
        var std = Math.Sqrt(ss / (n - 1));
        var half = StudentT.InvCDF(0, 1, n - 1, 0.975) * std / Math.Sqrt(n);
        return new MetricSummary(mean, std, n, mean - half, mean + half);
    }

    /// <summary>
    /// Mean absolute gap to Retrain over <paramref name="metrics"/> (null = <see cref="GapMetrics"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A metric is missing from either dictionary, or the list is empty.</exception>
    public static double AvgGap(
        IReadOnlyDictionary<string, double> method,
        IReadOnlyDictionary<string, double> retrain,
        IEnumerable<string>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(retrain);
        var names = (metrics ?? GapMetrics).ToList();
        if (names.Count == 0)
        {
            throw new ArgumentException("No metrics to average over.", nameof(metrics));
        }

        var sum = 0.0;
        foreach (var k in names)
        {
            if (!method.TryGetValue(k, out var m))
            {
                throw new ArgumentException($"The method has no metric '{k}'.", nameof(method));
            }

            if (!retrain.TryGetValue(k, out var r))
            {
                throw new ArgumentException($"Retrain has no metric '{k}'.", nameof(retrain));
            }

            sum += Math.Abs(m - r);
        }

        return sum / names.Count;
    }

    /// <summary>
    /// The paper's average rank: per metric, methods are ranked by |m_k − retrain_k| (closest to Retrain =
    /// rank 1, ties share the average rank), and each method's ranks are averaged over the metrics
    /// (null = <see cref="GapMetrics"/>). Pass the compared methods without Retrain itself (it would take
    /// rank 1 everywhere with a gap of 0). A metric a method lacks counts as NaN and ranks last.
    /// </summary>
    /// <returns>Method name → average rank (1 = best).</returns>
    /// <exception cref="ArgumentException">Retrain lacks a metric, or the list is empty.</exception>
    public static IReadOnlyDictionary<string, double> AvgRank(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> methods,
        IReadOnlyDictionary<string, double> retrain,
        IEnumerable<string>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(retrain);
        var names = (metrics ?? GapMetrics).ToList();
        var gaps = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (method, values) in methods)
        {
            var g = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var k in names)
            {
                if (!retrain.TryGetValue(k, out var r))
                {
                    throw new ArgumentException($"Retrain has no metric '{k}'.", nameof(retrain));
                }

                g[k] = values.TryGetValue(k, out var m) ? Math.Abs(m - r) : double.NaN;
            }

            gaps[method] = g;
        }

        return AvgRank(gaps, names.ToDictionary(k => k, _ => RankDirection.LowerIsBetter, StringComparer.Ordinal));
    }

    /// <summary>
    /// Average rank of each method over the metrics in <paramref name="directions"/>, each ranked in its own
    /// direction (ties share the average rank; NaN or missing values rank last).
    /// </summary>
    /// <returns>Method name → average rank (1 = best).</returns>
    /// <exception cref="ArgumentException">No metrics.</exception>
    public static IReadOnlyDictionary<string, double> AvgRank(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> methods,
        IReadOnlyDictionary<string, RankDirection> directions)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(directions);
        if (directions.Count == 0)
        {
            throw new ArgumentException("No metrics to rank on.", nameof(directions));
        }

        var order = methods.Keys.ToList();
        var totals = new double[order.Count];
        foreach (var (metric, direction) in directions)
        {
            var values = order.Select(m => methods[m].TryGetValue(metric, out var v) ? v : double.NaN).ToArray();
            var ranks = Ranks(values, direction);
            for (var i = 0; i < totals.Length; i++)
            {
                totals[i] += ranks[i];
            }
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < order.Count; i++)
        {
            result[order[i]] = totals[i] / directions.Count;
        }

        return result;
    }

    /// <summary>
    /// 1-based ranks of <paramref name="values"/> (rank 1 = best in <paramref name="direction"/>); equal
    /// values share the average of the ranks they occupy ("fractional ranking": [0.1, 0.3, 0.1, 0.2] lower
    /// is better → [1.5, 4, 1.5, 3]); NaNs rank after every number, tied among themselves. Pure.
    /// </summary>
    public static double[] Ranks(IReadOnlyList<double> values, RankDirection direction)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        var key = values.Select(v => direction == RankDirection.LowerIsBetter ? v : -v).ToArray();
        var idx = Enumerable.Range(0, n)
            .OrderBy(i => double.IsNaN(key[i]) ? 1 : 0)
            .ThenBy(i => double.IsNaN(key[i]) ? 0 : key[i])
            .ToArray();
        var ranks = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j < n && SameRank(key[idx[j]], key[idx[i]]))
            {
                j++;
            }

            var average = (i + 1 + j) / 2.0;
            for (var k = i; k < j; k++)
            {
                ranks[idx[k]] = average;
            }

            i = j;
        }

        return ranks;
    }

    private static bool SameRank(double a, double b) => a == b || (double.IsNaN(a) && double.IsNaN(b));
}
