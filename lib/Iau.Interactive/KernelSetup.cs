using System.Runtime.CompilerServices;
using Deedle;
using Deedle.Internal;
using Iau.Experiments;
using Iau.Reporting;
using Plotly.NET;

namespace Iau.Interactive;

/// <summary>
/// What the kit's kernel extension (interactive-extensions/dotnet/extension.dib in the Iau.Interactive package)
/// does when a notebook references the kit: first the assembly redirects, then the formatters. The kernel's
/// formatter API is passed in as two delegates, so this assembly does not depend on the kernel's version.
/// </summary>
public static class KernelSetup
{
    /// <summary>Registers a formatter: the type (open generic allowed), the MIME type, value → text.</summary>
    public delegate void RegisterFormatter(Type type, string mimeType, Func<object, string> format);

    /// <summary>Sets the MIME types a type is displayed with, in order of preference.</summary>
    public delegate void SetPreferredMimeTypes(Type type, string[] mimeTypes);

    /// <summary>The types and MIME types <see cref="Run"/> registered (for tests and for the notebooks' first cell).</summary>
    public static IReadOnlyList<(Type Type, string MimeType)> Registered => [.. RegisteredList];

    private static readonly List<(Type Type, string MimeType)> RegisteredList = [];

    /// <summary>Installs <see cref="AssemblyRedirect"/>, then registers the kit's formatters with the kernel.</summary>
    public static void Run(RegisterFormatter register, SetPreferredMimeTypes setPreferred)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(setPreferred);
        AssemblyRedirect.Install();
        RegisterFormatters(register, setPreferred);
    }

    /// <summary>Loads the assemblies of the given types (the extension names the kit's dependencies here).</summary>
    public static IReadOnlyList<string> Preload(params Type[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        return [.. types.Select(t => t.Assembly.GetName().Name ?? t.Name)];
    }

    // Kept out of Run: compiling this method loads Deedle and Plotly.NET, which need the redirect first.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterFormatters(RegisterFormatter register, SetPreferredMimeTypes setPreferred)
    {
        void Add(Type type, string mime, Func<object, string> format)
        {
            register(type, mime, format);
            RegisteredList.Add((type, mime));
        }

        foreach (var frameType in new[] { typeof(Frame<,>) })
        {
            Add(frameType, MimeTypes.Html, v => FrameFormatter.Html((IFrameFormattable)v));
            Add(frameType, MimeTypes.PlainText, v => FrameFormatter.PlainText((IFrameFormattable)v));
            setPreferred(frameType, [MimeTypes.Html, MimeTypes.PlainText]);
        }

        Add(typeof(Series<,>), MimeTypes.Html, v => FrameFormatter.Html((ISeriesFormattable)v));
        Add(typeof(Series<,>), MimeTypes.PlainText, v => FrameFormatter.PlainText((ISeriesFormattable)v));
        setPreferred(typeof(Series<,>), [MimeTypes.Html, MimeTypes.PlainText]);

        Add(typeof(SummaryTable), MimeTypes.Html, v => ((SummaryTable)v).ToHtml());
        Add(typeof(SummaryTable), MimeTypes.PlainText, v => ((SummaryTable)v).ToMarkdown());
        setPreferred(typeof(SummaryTable), [MimeTypes.Html, MimeTypes.PlainText]);

        foreach (var rowsType in new[] { typeof(ResultRow), typeof(IEnumerable<ResultRow>) })
        {
            Add(rowsType, MimeTypes.Html, v => KitTableFormatter.Html(v as IEnumerable<ResultRow> ?? [(ResultRow)v]));
            Add(rowsType, MimeTypes.PlainText, v => KitTableFormatter.PlainText(v as IEnumerable<ResultRow> ?? [(ResultRow)v]));
            setPreferred(rowsType, [MimeTypes.Html, MimeTypes.PlainText]);
        }

        var images = ChartImages.BrowserPresent;
        Add(typeof(GenericChart), MimeTypes.Html, v => ChartFormatter.Html((GenericChart)v, images ? Png((GenericChart)v) : null));
        Add(typeof(GenericChart), MimeTypes.PlainText, v => ChartFormatter.PlainText((GenericChart)v));
        if (images)
        {
            Add(typeof(GenericChart), MimeTypes.Png, v => Png((GenericChart)v) is { } png ? System.Convert.ToBase64String(png) : string.Empty);
            setPreferred(typeof(GenericChart), [MimeTypes.Html, MimeTypes.Png, MimeTypes.PlainText]);
        }
        else
        {
            setPreferred(typeof(GenericChart), [MimeTypes.Html, MimeTypes.PlainText]);
        }
    }

    private static byte[]? Png(GenericChart chart)
    {
        var (_, width, height) = ChartFormatter.Describe(chart);
        return ChartImages.TryRender(chart, width, height);
    }
}
