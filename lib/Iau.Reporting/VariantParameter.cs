using System.Globalization;

namespace Iau.Reporting;

/// <summary>
/// Reads the numeric parameter of a variant label such as "alpha=0.005", "ratio=0.10", "request=3" or a bare
/// number "0.5". Several parameters ("alpha=0.005,steps=3") are not a single parameter: the first is read
/// unless <see cref="TryParse(string, string, out double)"/> names one.
/// </summary>
public static class VariantParameter
{
    private static readonly char[] Separators = [',', ';', ' '];

    /// <summary>Parses the first "name=value" pair (or a bare number, whose name is "").</summary>
    public static bool TryParse(string? variant, out string name, out double value)
    {
        name = "";
        value = double.NaN;
        if (string.IsNullOrWhiteSpace(variant))
        {
            return false;
        }

        var first = variant.Split(Separators, StringSplitOptions.RemoveEmptyEntries)[0];
        var eq = first.IndexOf('=', StringComparison.Ordinal);
        var text = eq < 0 ? first : first[(eq + 1)..];
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            value = double.NaN;
            return false;
        }

        name = eq < 0 ? "" : first[..eq].Trim();
        return true;
    }

    /// <summary>Parses the value of the parameter <paramref name="parameter"/> in a variant label.</summary>
    public static bool TryParse(string? variant, string parameter, out double value)
    {
        value = double.NaN;
        if (string.IsNullOrWhiteSpace(variant))
        {
            return false;
        }

        foreach (var part in variant.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && string.Equals(part[..eq].Trim(), parameter, StringComparison.OrdinalIgnoreCase))
            {
                return double.TryParse(part[(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            }
        }

        return false;
    }
}
