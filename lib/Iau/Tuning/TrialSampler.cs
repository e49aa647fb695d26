using Iau.Unlearning;

namespace Iau.Tuning;

/// <summary>
/// Seeded random search. Trial 0 is the reference defaults (no options); trial t ≥ 1 draws every searched option
/// independently from its declared <see cref="SearchSpace"/> with the fraction
/// <code>
///     f(seed, t, key) = SplitMix64(seed ⊕ FNV-1a(key) ⊕ t·φ) / 2⁶⁴
/// </code>
/// so a trial's values depend only on (sampler seed, t, key): a resumed search redraws exactly the same trials
/// whatever was run before.
/// </summary>
public static class TrialSampler
{
    /// <summary>The key=value options of trial <paramref name="trial"/> (empty for trial 0).</summary>
    public static IReadOnlyList<string> Options(IMethodOptions declared, int seed, int trial)
    {
        ArgumentNullException.ThrowIfNull(declared);
        if (trial == 0)
        {
            return [];
        }

        return declared.Options
            .Where(o => o.Search is not null)
            .Select(o => $"{o.Key}={o.Search!.At(Fraction(seed, trial, o.Key))}")
            .ToList();
    }

    /// <summary>A uniform fraction in [0, 1) from (seed, trial, key).</summary>
    internal static double Fraction(int seed, int trial, string key)
    {
        unchecked
        {
            var h = 14695981039346656037UL;
            foreach (var c in key)
            {
                h = (h ^ c) * 1099511628211UL;
            }

            var z = ((ulong)(uint)seed << 32) ^ h ^ ((ulong)(uint)trial * 0x9E3779B97F4A7C15UL);
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
