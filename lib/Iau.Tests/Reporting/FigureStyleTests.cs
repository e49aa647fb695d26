using Iau.Reporting;

namespace Iau.Tests.Reporting;

public sealed class FigureStyleTests
{
    [Fact]
    public void Table_GivesEveryMethodItsOwnColourAndMarker()
    {
        var methods = FigureStyle.Methods;
        Assert.Equal(methods.Count, methods.Select(m => m.Color).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(methods.Count, methods.Select(m => m.Marker).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(methods.Count, methods.Select(m => m.Method).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(methods, m => Assert.Matches("^#[0-9A-Fa-f]{6}$", m.Color));
        Assert.DoesNotContain(FigureStyle.FallbackColors, c => methods.Any(m => string.Equals(m.Color, c, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal("dash", FigureStyle.Known("retrain")!.Dash);
        Assert.Equal(FigureStyle.ReferenceColor, FigureStyle.Known("Retrain")!.Color);
    }

    [Fact]
    public void Assign_KeepsFixedColours_AndGivesNewMethodsUnusedOnes()
    {
        var known = FigureStyle.Assign(["iau", "ft"]);
        Assert.Equal(FigureStyle.Known("iau")!.Color, known["iau"].Color);
        Assert.Equal("IAU", known["iau"].Label);

        // Every known method, their aliases and 40 new ones in one figure: all colours differ.
        var names = FigureStyle.Methods.Select(m => m.Method)
            .Concat(FigureStyle.Aliases.Keys)
            .Concat(Enumerable.Range(0, 40).Select(i => $"new-{i}"))
            .ToList();
        var styles = FigureStyle.Assign(names);
        Assert.Equal(names.Count, styles.Count);
        Assert.Equal(names.Count, styles.Values.Select(s => s.Color).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // A fixed colour does not depend on the other methods of the figure.
        Assert.Equal(FigureStyle.Known("fisher")!.Color, styles["fisher"].Color);
        Assert.Equal("#0077BB", FigureStyle.Assign(["iau", "brand-new"])["brand-new"].Color);
    }

    [Fact]
    public void Aliases_AreDrawnLikeTheirMethod_UnlessBothAreInOneFigure()
    {
        Assert.Equal(FigureStyle.Known("iau")!.Color, FigureStyle.Assign(["IA+GC+GR", "IA"])["IA+GC+GR"].Color);
        Assert.Equal("IA+GC+GR", FigureStyle.Known("IA+GC+GR")!.Label);
        var both = FigureStyle.Assign(["iau", "iau-exact"]);
        Assert.NotEqual(both["iau"].Color, both["iau-exact"].Color);
    }

    [Fact]
    public void Sizes_AreThoseOfPaperTemplates()
    {
        Assert.Equal(336, FigureSize.SingleColumn().WidthPixels);
        Assert.Equal(672, FigureSize.DoubleColumn().WidthPixels);
        // 300 dpi: a single-column PNG is 1050 pixels wide.
        Assert.Equal(1050, (int)Math.Round(FigureSize.SingleColumn().WidthPixels * ImageExportOptions.ForDpi(300)));
    }
}
