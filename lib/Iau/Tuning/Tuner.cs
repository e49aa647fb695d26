using System.Diagnostics;
using Iau.Evaluation;

namespace Iau.Tuning;

/// <summary>What a search needs from the world: reference models and a way to run a method (the real one: TuningBench).</summary>
public interface ITuningBench
{
    /// <summary>Number of classes (for the chance level).</summary>
    int Classes { get; }

    /// <summary>Retrain's TA, RA, FA, MIA_shadow and the original's TA on tuning seed <paramref name="seed"/> (built once, cached).</summary>
    TuningReference Reference(int seed, CancellationToken cancellationToken);

    /// <summary>TA, RA, FA, MIA_shadow of <paramref name="method"/> with <paramref name="options"/> applied to the original of <paramref name="seed"/>.</summary>
    IReadOnlyDictionary<string, double> Run(string method, IReadOnlyList<string> options, int seed, CancellationToken cancellationToken);
}

/// <summary>Reference numbers of one tuning seed.</summary>
/// <param name="Retrain">Retrain's metrics.</param>
/// <param name="OriginalTa">The original model's test accuracy.</param>
public sealed record TuningReference(IReadOnlyDictionary<string, double> Retrain, double OriginalTa);

/// <summary>Progress of a search.</summary>
public sealed record TuningProgress(int Trial, int Budget, string Message);

/// <summary>How a search ended.</summary>
/// <param name="Spec">The search.</param>
/// <param name="Trials">Every finished trial (from the journal, resumed ones included).</param>
/// <param name="Best">The accepted trial of lowest objective, or null when every trial was rejected.</param>
/// <param name="Complete">Whether all <see cref="TuningSpec.Budget"/> trials ran (false: the time limit stopped it).</param>
/// <param name="References">The reference numbers per seed.</param>
public sealed record TuningOutcome(TuningSpec Spec, IReadOnlyList<TrialRecord> Trials, TrialRecord? Best, bool Complete, IReadOnlyList<TuningReference> References)
{
    /// <summary>Trial 0, the reference defaults, if it ran.</summary>
    public TrialRecord? Defaults => Trials.FirstOrDefault(t => t.Index == 0);

    /// <summary>Whether every trial was rejected.</summary>
    public bool CollapsedAll => Trials.Count > 0 && Trials.All(t => t.Rejected);

    /// <summary>Seconds of all trials.</summary>
    public double Seconds => Trials.Sum(t => t.Seconds);
}

/// <summary>
/// Seeded, resumable random search of a method's declared search space against Retrain (see <see cref="TrialSampler"/>):
/// <code>
///     objective(θ) = (1/|S|) Σ_{s ∈ seeds} AvgGap_s,   AvgGap_s = mean_{k ∈ TA,RA,FA,MIA} |m_k − retrain_k|
///     rejected  if  ∃ s: TA_s &lt; TA_original,s − guard   or   TA_s &lt; 1/K + 0.05   (collapse), or the run failed
/// </code>
/// Each finished trial is appended to the journal before the next starts, so an interrupted search continues where
/// it stopped; the seconds limit counts the seconds of every journal trial.
/// </summary>
public static class Tuner
{
    /// <summary>Runs (or continues) the search.</summary>
    public static TuningOutcome Run(
        TuningSpec spec, ITuningBench bench, TuningJournal journal, double? maxSeconds = null,
        IProgress<TuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(journal);
        var declared = spec.Declaration();
        var seeds = spec.EffectiveSeeds;
        var references = seeds.Select(s => bench.Reference(s, cancellationToken)).ToList();
        if (journal.Trials.Count > 0)
        {
            progress?.Report(new TuningProgress(journal.Trials.Count, spec.Budget, $"resuming after {journal.Trials.Count} trial(s) from {journal.Path}"));
        }

        var complete = true;
        for (var t = journal.Trials.Count; t < spec.Budget; t++)
        {
            if (maxSeconds is double limit && journal.Trials.Sum(x => x.Seconds) >= limit)
            {
                complete = false;
                progress?.Report(new TuningProgress(t, spec.Budget, FormattableString.Invariant($"time limit of {limit:F0} s reached")));
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<string> options = [.. spec.FixedOptions, .. TrialSampler.Options(declared, spec.SamplerSeed, t)];
            var record = RunTrial(spec, bench, references, t, options, cancellationToken);
            journal.Append(record);
            progress?.Report(new TuningProgress(t + 1, spec.Budget, Describe(record)));
        }

        return Summarise(spec, journal.Trials, complete && journal.Trials.Count >= spec.Budget, references);
    }

    /// <summary>The outcome of a set of trials (best = lowest objective among accepted ones, ties to the earlier trial).</summary>
    public static TuningOutcome Summarise(TuningSpec spec, IReadOnlyList<TrialRecord> trials, bool complete, IReadOnlyList<TuningReference> references)
    {
        var best = trials.Where(t => !t.Rejected && t.Objective is not null).OrderBy(t => t.Objective).ThenBy(t => t.Index).FirstOrDefault();
        return new TuningOutcome(spec, trials, best, complete, references);
    }

    /// <summary>
    /// Why a trial's metrics are a collapse, or null when they are not: TA more than <paramref name="guard"/> below the
    /// original's — or, for class-wise forgetting (<paramref name="classWise"/>), below Retrain's, since forgetting a
    /// whole class costs even Retrain that class's share of TA — or TA at chance.
    /// </summary>
    public static string? CollapseReason(IReadOnlyDictionary<string, double> metrics, TuningReference reference, int classes, double guard, bool classWise = false)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(reference);
        var ta = metrics.TryGetValue(Metric.TA, out var v) ? v : double.NaN;
        if (Aggregation.GapMetrics.Any(k => !metrics.TryGetValue(k, out var m) || !double.IsFinite(m)))
        {
            return "a metric is missing or not finite";
        }

        var (who, level) = classWise && reference.Retrain.TryGetValue(Metric.TA, out var retrainTa) ? ("Retrain", retrainTa) : ("original", reference.OriginalTa);
        if (ta < level - guard)
        {
            return FormattableString.Invariant($"TA {ta:F3} < {who} {level:F3} - {guard}");
        }

        var chance = 1.0 / Math.Max(1, classes);
        return ta < chance + 0.05 ? FormattableString.Invariant($"TA {ta:F3} at chance ({chance:F2})") : null;
    }

    private static TrialRecord RunTrial(TuningSpec spec, ITuningBench bench, IReadOnlyList<TuningReference> references, int index, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var metrics = new List<IReadOnlyDictionary<string, double>>();
        var gaps = new List<double>();
        string? reason = null;
        for (var i = 0; i < spec.EffectiveSeeds.Count && reason is null; i++)
        {
            IReadOnlyDictionary<string, double> m;
            try
            {
                m = bench.Run(spec.Method, options, spec.EffectiveSeeds[i], cancellationToken);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
            {
                reason = "error: " + e.Message;
                break;
            }

            metrics.Add(m);
            reason = CollapseReason(m, references[i], bench.Classes, spec.TaGuard, spec.ForgetClass is not null);
            if (reason is null)
            {
                gaps.Add(Aggregation.AvgGap(m, references[i].Retrain));
            }
        }

        watch.Stop();
        return new TrialRecord(index, options, metrics, reason is null ? gaps.Average() : null, reason is not null, reason, watch.Elapsed.TotalSeconds);
    }

    private static string Describe(TrialRecord r) =>
        (r.Options.Count == 0 ? "defaults" : string.Join(' ', r.Options)) + ": " +
        (r.Rejected ? "rejected (" + r.Reason + ")" : FormattableString.Invariant($"AvgGap {r.Objective:F4}")) +
        FormattableString.Invariant($" [{r.Seconds:F1} s]");
}
