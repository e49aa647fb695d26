using System.Globalization;
using Iau.Unlearning;

namespace Iau.Tuning;

/// <summary>
/// One hyper-parameter search: which method, on what, against which Retrain, with what budget.
/// The tuning split is distinct from the reported one: its split seeds (and forget seeds, equal to them) start
/// at 100 while the reported runs use 0, 1, 2; class-wise tuning should forget a different class than the
/// reported experiment.
/// </summary>
/// <param name="Method">Registry name of the method to tune.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">Architecture.</param>
/// <param name="ForgetRatio">Random forget share (ignored when <paramref name="ForgetClass"/> is set).</param>
/// <param name="ForgetClass">Class-wise forgetting of this class, or null for random forgetting.</param>
/// <param name="Seeds">Split seeds of the tuning split (forget seed = split seed); the objective averages over them.</param>
/// <param name="Budget">Trials, including trial 0 (the reference defaults).</param>
/// <param name="SamplerSeed">Seed of the random search.</param>
/// <param name="MaxEpochs">Epoch cap of originals and Retrain (the quick profile's 4 by default).</param>
/// <param name="TaGuard">A trial whose TA falls more than this under the original's (any seed) is rejected as collapsed.</param>
/// <param name="TrainLimit">Use only this many training samples (tests and smoke runs), or null for all.</param>
/// <param name="Fixed">Options every trial uses, trial 0 included ("key=value", not searched keys): e.g. the quick
/// profile's shortened settings of a slow method, so that the recipe is tuned for the setting it is reported in.
/// They are part of every trial's options and so of the recipe's.</param>
public sealed record TuningSpec(
    string Method,
    string Dataset,
    string Model,
    double ForgetRatio = 0.05,
    int? ForgetClass = null,
    IReadOnlyList<int>? Seeds = null,
    int Budget = 20,
    int SamplerSeed = 0,
    int MaxEpochs = 4,
    double TaGuard = 0.05,
    int? TrainLimit = null,
    IReadOnlyList<string>? Fixed = null)
{
    /// <summary>The fixed options in effect (empty when none).</summary>
    public IReadOnlyList<string> FixedOptions => Fixed ?? [];

    /// <summary>
    /// Checks the fixed options: each parses and validates as the method's option, and none is a searched key.
    /// </summary>
    /// <exception cref="ArgumentException">Names the first bad option.</exception>
    public void CheckFixed()
    {
        var declared = Declaration();
        foreach (var o in FixedOptions)
        {
            var key = o.Split('=', 2)[0].Trim();
            if (declared.Options.FirstOrDefault(d => string.Equals(d.Key, key, StringComparison.OrdinalIgnoreCase)) is { Search: not null })
            {
                throw new ArgumentException($"--opt {o}: '{key}' is searched by the tuner; fix only options outside the search space.");
            }
        }

        var settings = MethodSettings.Parse(FixedOptions);
        declared.Check(settings);
        settings.ThrowIfUnused(Method);
    }

    /// <summary>The default tuning seeds (distinct from the reported 0, 1, 2).</summary>
    public static IReadOnlyList<int> DefaultSeeds { get; } = [100];

    /// <summary>The seeds in effect.</summary>
    public IReadOnlyList<int> EffectiveSeeds => Seeds ?? DefaultSeeds;

    /// <summary>The recipe file's forget label: random-0.05, random-0.1, classwise.</summary>
    public string ForgetLabel => ForgetClass is null ? "random-" + ForgetRatio.ToString(CultureInfo.InvariantCulture) : "classwise";

    /// <summary>data/recipes/&lt;dataset&gt;-&lt;model&gt;-&lt;forget&gt;.json's file name.</summary>
    public string RecipeFileName => $"{Dataset}-{Model}-{ForgetLabel}.json";

    /// <summary>The objective, in words (written into recipes).</summary>
    public string Objective => FormattableString.Invariant($"AvgGap(TA,RA,FA,MIA_shadow) vs Retrain; reject TA < {(ForgetClass is null ? "original" : "Retrain")} TA - {TaGuard} or TA < chance + 0.05");

    /// <summary>The method's declared options (throws when the method has none to search).</summary>
    public IMethodOptions Declaration()
    {
        var entry = UnlearningMethods.All.FirstOrDefault(e => string.Equals(e.Name, Method, StringComparison.OrdinalIgnoreCase))
            ?? throw new UnknownMethodException(Method);
        var declared = entry.Declaration ?? throw new ArgumentException($"Method {Method} declares no options to tune.");
        return declared.Options.Any(o => o.Search is not null)
            ? declared
            : throw new ArgumentException($"Method {Method} declares no search space.");
    }

    /// <summary>The search space, key → description (in declaration order).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SearchSpaceText() =>
        Declaration().Options.Where(o => o.Search is not null).Select(o => KeyValuePair.Create(o.Key, o.Search!.Describe())).ToList();

    /// <summary>
    /// What identifies the search: method, data, forget set, seeds, budget, sampler seed, recipe, guard and search
    /// space. A journal written under another identity is not continued.
    /// </summary>
    public string Identity() => string.Join('\n',
        $"method={Method.ToLowerInvariant()}",
        $"dataset={Dataset}",
        $"model={Model}",
        $"forget={ForgetLabel}",
        $"class={ForgetClass?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
        $"seeds={string.Join(',', EffectiveSeeds)}",
        FormattableString.Invariant($"budget={Budget}"),
        FormattableString.Invariant($"sampler={SamplerSeed}"),
        FormattableString.Invariant($"max-epochs={MaxEpochs}"),
        FormattableString.Invariant($"guard={TaGuard}"),
        $"limit={TrainLimit?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
        "space=" + string.Join(';', SearchSpaceText().Select(kv => kv.Key + ":" + kv.Value))) +
        (FixedOptions.Count > 0 ? "\nfixed=" + string.Join(';', FixedOptions) : string.Empty);

    /// <summary>SHA-256 of <see cref="Identity"/>, hex, 16 characters.</summary>
    public string Hash() => Runtime.ShortHash.Of(Identity());
}
