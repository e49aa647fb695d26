namespace Iau.Notebooks.Interactive;

/// <summary>The <c>x.Display()</c> and <c>"…".DisplayAs(mime)</c> extensions of Polyglot Notebooks.</summary>
public static class DisplayExtensions
{
    /// <summary>Displays a value as an output of the running cell (optionally only as the given MIME types).</summary>
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) =>
        CellOutputs.CurrentOrFallback(null).Display(value, mimeTypes);

    /// <summary>Displays a string that already is content of a MIME type (e.g. "text/html").</summary>
    public static DisplayedValue DisplayAs(this string value, string mimeType, params string[] additionalMimeTypes)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrWhiteSpace(mimeType);
        var bundle = new Dictionary<string, string>(StringComparer.Ordinal) { [mimeType] = value };
        foreach (var m in additionalMimeTypes)
        {
            bundle[m] = value;
        }

        return CellOutputs.CurrentOrFallback(null).DisplayBundle(bundle);
    }
}
