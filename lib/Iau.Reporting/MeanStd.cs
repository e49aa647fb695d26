using System.Globalization;

namespace Iau.Reporting;

/// <summary>
/// Mean and standard deviation of one metric over seeds, with the 95% percentile bootstrap interval of the mean
/// (<see cref="Low"/>, <see cref="High"/>: <see cref="SettingComparison.BootstrapSamples"/> resamples of the values,
/// seed <see cref="SettingComparison.BootstrapSeed"/>). <see cref="Std"/> is the sample standard deviation
/// (divisor n − 1); it is 0 for a single value. Non-finite inputs (NaN, ±∞) are skipped and not counted.
/// </summary>
/// <param name="Mean">Mean of the finite values; NaN when there are none.</param>
/// <param name="Std">Sample standard deviation; 0 for one value, NaN for none.</param>
/// <param name="Count">Number of finite values aggregated.</param>
public readonly record struct MeanStd(double Mean, double Std, int Count)
{
    /// <summary>2.5th percentile of the bootstrap means (the mean itself for one value, NaN for none).</summary>
    public double Low { get; init; } = Mean;

    /// <summary>97.5th percentile of the bootstrap means.</summary>
    public double High { get; init; } = Mean;

    /// <summary>Whether at least one finite value was aggregated.</summary>
    public bool HasValue => Count > 0;

    /// <summary>Aggregates the finite values of <paramref name="values"/>.</summary>
    public static MeanStd Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        // Welford's update: numerically stable in one pass.
        var n = 0;
        double mean = 0, m2 = 0;
        var finite = new List<double>();
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                continue;
            }

            finite.Add(v);
            n++;
            var delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
        }

        if (n < 2)
        {
            return n == 0 ? new MeanStd(double.NaN, double.NaN, 0) : new MeanStd(mean, 0, 1);
        }

        var ci = SettingComparison.MeanInterval(finite);
        return new MeanStd(mean, Math.Sqrt(m2 / (n - 1)), n) { Low = ci.Low, High = ci.High };
    }

    /// <summary>
    /// Formats as "mean [low, high]" (the 95% bootstrap interval) with <paramref name="digits"/> decimals (invariant
    /// culture), the interval only when more than one value was aggregated (a single seed has no spread); "—" when empty.
    /// </summary>
    public string Format(int digits = 4) => Format(digits, integral: false);

    /// <summary>
    /// As <see cref="Format(int)"/>; when <paramref name="integral"/> (every aggregated value is a whole number,
    /// e.g. a count), a whole mean with no spread is written as an integer ("480"), and otherwise with one
    /// decimal ("480.5 [478.3, 482.7]").
    /// </summary>
    public string Format(int digits, bool integral)
    {
        if (!HasValue)
        {
            return "—";
        }

        if (integral)
        {
            if (Std == 0 && Mean == Math.Round(Mean))
            {
                return Mean.ToString("F0", CultureInfo.InvariantCulture);
            }

            digits = 1;
        }

        var f = "F" + digits.ToString(CultureInfo.InvariantCulture);
        var mean = Mean.ToString(f, CultureInfo.InvariantCulture);
        return Count > 1 ? $"{mean} [{Low.ToString(f, CultureInfo.InvariantCulture)}, {High.ToString(f, CultureInfo.InvariantCulture)}]" : mean;
    }

    /// <inheritdoc />
    public override string ToString() => Format();
}
