namespace Iau.Reporting;

/// <summary>How one method is drawn in every figure: its label, colour, marker, line dash and bar pattern.</summary>
/// <param name="Method">The method's registry name (or experiment label such as "IA+GC"), matched case-insensitively.</param>
/// <param name="Label">The name shown in legends and axes.</param>
/// <param name="Color">CSS colour (hex).</param>
/// <param name="Marker">plotly.js marker symbol.</param>
/// <param name="Dash">plotly.js line dash ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot").</param>
public sealed record MethodStyle(string Method, string Label, string Color, string Marker, string Dash);

/// <summary>
/// The kit's one figure style: white background, black axes, a sans-serif font that every PDF viewer has a
/// metric twin of (Arial / Liberation Sans), sizes of paper templates, and a fixed look per method taken from
/// one table (<see cref="Methods"/>). Colours are the colour-blind-safe palettes of Okabe &amp; Ito (2008) and
/// Paul Tol (muted, high-contrast); beyond about eight colours the eye stops telling hues apart, so every
/// method also has its own marker and, for lines, its own dash. A method that is not in the table (a new
/// baseline) gets the first fallback colour no other method of the same figure uses, so no two methods of one
/// figure ever share a colour. New methods or experiment labels get a fixed look by adding one line to
/// <see cref="Methods"/>; nothing else needs to change.
/// </summary>
public static class FigureStyle
{
    /// <summary>CSS pixels per inch (plotly.js and Chromium lay out at 96 px per inch).</summary>
    public const double CssPixelsPerInch = 96;

    /// <summary>Resolution of PNG exports.</summary>
    public const int Dpi = 300;

    /// <summary>Width of a single-column figure in two-column paper templates (inches).</summary>
    public const double SingleColumnInches = 3.5;

    /// <summary>Width of a figure spanning both columns (inches).</summary>
    public const double DoubleColumnInches = 7.0;

    /// <summary>Font family of every figure.</summary>
    public const string FontFamily = "Arial, 'Liberation Sans', Helvetica, sans-serif";

    /// <summary>Base font size in CSS pixels (7.5 pt at 96 px per inch, the size of paper figure text).</summary>
    public const double FontSize = 10;

    /// <summary>Colour of the Retrain reference (line and band).</summary>
    public const string ReferenceColor = "#000000";

    /// <summary>Fill of the Retrain reference band (mean ± std).</summary>
    public const string ReferenceBand = "rgba(0,0,0,0.10)";

    /// <summary>Grid line colour.</summary>
    public const string GridColor = "#e6e6e6";

    /// <summary>
    /// The look of every known method. Colours are unique across the table; experiment labels that are a
    /// method under another name (e.g. "IA+GC+GR" is IAU, "iau-exact" is IAU in the sequential experiment) are
    /// listed in <see cref="Aliases"/>.
    /// </summary>
    public static IReadOnlyList<MethodStyle> Methods { get; } =
    [
        new("retrain", "Retrain", ReferenceColor, "star", "dash"),
        new("original", "Original", "#7F7F7F", "circle-open", "dot"),
        new("random-step", "Random step (control)", "#B3B3B3", "square-open", "dashdot"),
        new("iau", "IAU", "#D55E00", "circle", "solid"),
        new("iau-cached", "IAU (cached)", "#E69F00", "diamond", "dot"),
        new("iau-cached-r1", "IAU (cached, refresh 1)", "#8C510A", "diamond-open", "dash"),
        new("iau-cached-r2", "IAU (cached, refresh 2)", "#BF812D", "diamond-cross", "dashdot"),
        new("iau-cached-r5", "IAU (cached, refresh 5)", "#DFC27D", "diamond-x", "longdash"),
        new("ia", "IA", "#CC79A7", "square", "dashdot"),
        new("ft", "FT", "#0072B2", "triangle-up", "solid"),
        new("ga", "GA", "#56B4E9", "triangle-down", "dash"),
        new("neggrad+", "NegGrad+", "#009E73", "cross", "longdash"),
        new("l1sparse", "L1-sparse", "#999933", "x", "dot"),
        new("salun", "SalUn", "#882255", "pentagon", "dashdot"),
        new("scrub", "SCRUB", "#332288", "hexagon", "longdashdot"),
        new("fisher", "Fisher", "#44AA99", "triangle-left", "solid"),
        new("iu", "IU", "#CC6677", "triangle-right", "dash"),
        new("iu-woodfisher", "IU (WoodFisher)", "#AA4499", "hourglass", "dot"),
        new("certified", "Certified", "#117733", "bowtie", "longdash"),
        new("rl", "Random Labels", "#88CCEE", "star-triangle-up", "dashdot"),
        new("bad-teacher", "Bad Teacher", "#DDCC77", "star-square", "longdashdot"),
        new("ssd", "SSD", "#661100", "star-diamond", "solid"),
        new("IA+GC", "IA+GC", "#004488", "diamond-tall", "dash"),
        new("IA+GR", "IA+GR", "#DDAA33", "diamond-wide", "dot"),
    ];

    /// <summary>Names that are drawn like another method (name → method of <see cref="Methods"/>).</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["IA+GC+GR"] = "iau",
        ["iau-exact"] = "iau",
        ["random-labels"] = "rl",
        ["badteacher"] = "bad-teacher",
    };

    /// <summary>Colours for methods not in <see cref="Methods"/> (Paul Tol's vibrant palette, then greys), in order of use.</summary>
    public static IReadOnlyList<string> FallbackColors { get; } =
        ["#0077BB", "#EE7733", "#33BBEE", "#EE3377", "#CC3311", "#009988", "#BBBBBB", "#555555"];

    /// <summary>Markers for methods not in <see cref="Methods"/>, in order of use.</summary>
    public static IReadOnlyList<string> FallbackMarkers { get; } =
        ["circle-dot", "square-dot", "diamond-dot", "triangle-up-open", "triangle-down-open", "square-open", "diamond-open", "star-open"];

    private static readonly Dictionary<string, MethodStyle> ByName =
        Methods.ToDictionary(m => m.Method, StringComparer.OrdinalIgnoreCase);

    /// <summary>The fixed style of a known method (through <see cref="Aliases"/>), or null. The label keeps an alias's own name.</summary>
    public static MethodStyle? Known(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (ByName.TryGetValue(method, out var s))
        {
            return s;
        }

        return Aliases.TryGetValue(method, out var target) && ByName.TryGetValue(target, out var t)
            ? t with { Method = method, Label = method }
            : null;
    }

    /// <summary>
    /// Styles for the methods of one figure: known methods keep their fixed style; the others, in the given
    /// order, take the first fallback colour (then a generated one) that no method of this figure uses yet, and
    /// a fallback marker. Two names drawn alike through <see cref="Aliases"/> (e.g. "iau" and "IA+GC+GR") in one
    /// figure: the second is treated as unknown, so colours stay unique within the figure.
    /// </summary>
    public static IReadOnlyDictionary<string, MethodStyle> Assign(IEnumerable<string> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var result = new Dictionary<string, MethodStyle>(StringComparer.OrdinalIgnoreCase);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new List<string>();
        foreach (var m in methods.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var known = Known(m);
            if (known is not null && used.Add(known.Color))
            {
                result[m] = known;
            }
            else
            {
                pending.Add(m);
            }
        }

        var fallback = 0;
        foreach (var m in pending)
        {
            var color = FallbackColors.FirstOrDefault(c => !used.Contains(c));
            for (var k = 0; color is null; k++)
            {
                // Golden-angle hues: distinct, deterministic, never in the table.
                var candidate = Hsl((k * 137.508) % 360, 0.55, 0.45);
                color = used.Contains(candidate) ? null : candidate;
            }

            used.Add(color);
            result[m] = new MethodStyle(m, m, color, FallbackMarkers[fallback % FallbackMarkers.Count],
                Dashes[fallback % Dashes.Length]);
            fallback++;
        }

        return result;
    }

    private static readonly string[] Dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

    private static string Hsl(double h, double s, double l)
    {
        var c = (1 - Math.Abs((2 * l) - 1)) * s;
        var x = c * (1 - Math.Abs((h / 60 % 2) - 1));
        var m = l - (c / 2);
        var (r, g, b) = h switch
        {
            < 60 => (c, x, 0.0),
            < 120 => (x, c, 0.0),
            < 180 => (0.0, c, x),
            < 240 => (0.0, x, c),
            < 300 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        return $"#{(int)Math.Round((r + m) * 255):X2}{(int)Math.Round((g + m) * 255):X2}{(int)Math.Round((b + m) * 255):X2}";
    }
}

/// <summary>A figure's size in inches; images are exported at <see cref="FigureStyle.Dpi"/>.</summary>
/// <param name="WidthInches">Width (3.5 in for one column, 7 in for both).</param>
/// <param name="HeightInches">Height.</param>
public sealed record FigureSize(double WidthInches, double HeightInches)
{
    /// <summary>A single-column figure of the given height.</summary>
    public static FigureSize SingleColumn(double heightInches = 2.6) => new(FigureStyle.SingleColumnInches, heightInches);

    /// <summary>A double-column figure of the given height.</summary>
    public static FigureSize DoubleColumn(double heightInches = 3.0) => new(FigureStyle.DoubleColumnInches, heightInches);

    /// <summary>Width in CSS pixels (96 per inch).</summary>
    public int WidthPixels => (int)Math.Round(WidthInches * FigureStyle.CssPixelsPerInch);

    /// <summary>Height in CSS pixels (96 per inch).</summary>
    public int HeightPixels => (int)Math.Round(HeightInches * FigureStyle.CssPixelsPerInch);
}
