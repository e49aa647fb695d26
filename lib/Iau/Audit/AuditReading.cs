namespace Iau.Audit;

/// <summary>
/// Sentences that read an audit's rows against its two noise floors, computed from the rows. F is an estimate from N
/// models per side, so even two pools of retrained models score well below 1 and F moves with N: a pool is read only
/// against the floors of its own audit (every pool there has the same N). The floors bound what F can say:
/// <list type="bullet">
/// <item>When the no-unlearning floor's interval lies below the perfect-unlearning floor's, the audit sees what the
/// original holds of D_f, and a method's position between them, (F − F_none)/(F_perfect − F_none), says how much of that
/// it removes (0 = none, 1 = as retraining).</item>
/// <item>Otherwise the audit cannot tell the original from retrained models, so it cannot judge forgetting: F only says
/// whether an update moves the forget examples in a way retraining does not (F below both floors).</item>
/// </list>
/// F's and U-LiRA AUC's intervals are over the models of both pools and the forget examples when the audit resampled the models
/// (<see cref="AuditOptions.ModelBootstrapSamples"/>); otherwise over forget examples with the models fixed, which leave
/// out the noise of drawing other models, so that a difference that only just clears them is weak evidence.
/// </summary>
public static class AuditReading
{
    /// <summary>The sentences for one audit's rows (both floors must be among them); <paramref name="modelsResampled"/>: F's intervals resample the models too.</summary>
    /// <exception cref="ArgumentException">A floor row is missing.</exception>
    public static IReadOnlyList<string> Sentences(IReadOnlyList<AuditRow> rows, bool modelsResampled = false)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var perfect = rows.FirstOrDefault(r => r.Name == ForgettingAudit.RetrainFloor)
            ?? throw new ArgumentException($"the rows hold no '{ForgettingAudit.RetrainFloor}' row.", nameof(rows));
        var none = rows.FirstOrDefault(r => r.Name == ForgettingAudit.OriginalFloor)
            ?? throw new ArgumentException($"the rows hold no '{ForgettingAudit.OriginalFloor}' row.", nameof(rows));
        var separated = none.Forget.High < perfect.Forget.Low;
        var sentences = new List<string>
        {
            FormattableString.Invariant($"Floors at N = {perfect.Models}: perfect unlearning (a second pool of retrained models) scores F = {perfect.Forget}, no unlearning (the originals) {none.Forget}; F is an estimate from N models per side, so even perfect unlearning scores well below 1, and F is read only against these floors."),
            separated
                ? FormattableString.Invariant($"The floors separate: the audit sees what the originals hold of D_f (U-LiRA AUC {none.ULiraAuc} against the perfect floor's {perfect.ULiraAuc}), and a method's position between them says how much of it the method removes (0 = none, 1 = as retraining).")
                : FormattableString.Invariant($"The floors do not separate under F (the no-unlearning floor is {(none.Forget.Value >= perfect.Forget.Value ? "not below the perfect one" : "below the perfect one, but their intervals overlap")}): at this N and with these models F cannot tell the originals from retrained ones, so it cannot judge forgetting; a method's F only says whether its update moves the forget examples in a way retraining does not. ")
                    + (none.ULiraAuc.Low > perfect.ULiraAuc.High
                        ? FormattableString.Invariant($"U-LiRA does tell them apart (AUC {none.ULiraAuc} against {perfect.ULiraAuc}): there its column reads forgetting, a method's AUC falling from the originals' towards the retrained pool's.")
                        : FormattableString.Invariant($"Nor does U-LiRA (AUC {none.ULiraAuc} against {perfect.ULiraAuc}).")),
        };
        var lowFloor = Math.Min(perfect.Forget.Low, none.Forget.Low);
        foreach (var r in rows.Where(r => r != perfect && r != none && !double.IsNaN(r.Forget.Value)).OrderByDescending(r => r.Forget.Value))
        {
            string where;
            if (separated && r.Forget.High < none.Forget.Low)
            {
                where = "below the no-unlearning floor: its update is detectable (it moves the forget examples in a way retraining does not)";
            }
            else if (separated)
            {
                var position = (r.Forget.Value - none.Forget.Value) / (perfect.Forget.Value - none.Forget.Value);
                var (likeNone, likePerfect) = (r.Forget.Low <= none.Forget.High, r.Forget.High >= perfect.Forget.Low);
                where = FormattableString.Invariant($"{position:F2} of the way from no to perfect unlearning") + (likeNone, likePerfect) switch
                {
                    (true, true) => ", its interval overlapping both floors' (a tie with either)",
                    (true, false) => ", its interval overlapping the no-unlearning floor's (a tie with no unlearning)",
                    (false, true) => ", its interval overlapping the perfect floor's (a tie with retraining)",
                    _ => ", its interval between the floors'",
                };
            }
            else if (r.Forget.High < lowFloor)
            {
                where = "below both floors: its update is detectable (it moves the forget examples in a way retraining does not)";
            }
            else
            {
                where = "not distinguishable from the floors";
            }

            sentences.Add(FormattableString.Invariant($"{r.Name}: F = {r.Forget}, {where}; U-LiRA AUC {r.ULiraAuc}") + (r.Note.Length > 0 ? $" ({r.Note})." : "."));
        }

        sentences.Add(modelsResampled
            ? "The intervals resample the models of both pools as well as the forget examples (U-LiRA's its target models; its Gaussians stay fitted to the whole pools)."
            : "The intervals are over forget examples with the models fixed; they leave out the noise of drawing other models.");
        return sentences;
    }
}
