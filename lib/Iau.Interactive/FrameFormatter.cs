using System.Globalization;
using System.Text;
using Deedle.Internal;

namespace Iau.Interactive;

/// <summary>
/// Deedle frames and series as compact HTML tables (the first and last <see cref="Rows"/> rows and at most
/// <see cref="Columns"/> columns, as Deedle's own interactive format picks them) and as Deedle's text. Without it
/// the kernel's default formatter walks every property of a frame and writes megabytes of nested HTML.
/// </summary>
public static class FrameFormatter
{
    /// <summary>Rows shown at the start and at the end of a long frame.</summary>
    public const int Rows = 10;

    /// <summary>Columns shown of a wide frame.</summary>
    public const int Columns = 20;

    /// <summary>A frame (any <c>Frame&lt;R, C&gt;</c>) as an HTML table with a "rows × columns" line.</summary>
    public static string Html(IFrameFormattable frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var grid = frame.InteractiveFormat(Rows * 2, Columns, false);
        var colLevels = Math.Max(1, frame.GetColLevels());
        var rowLevels = Math.Max(1, frame.GetRowLevels());
        var (rows, cols) = frame.GetDimensions();
        var sb = new StringBuilder("<table class=\"iau-frame\"><thead>");
        foreach (var header in grid.Take(colLevels))
        {
            AppendRow(sb, header, rowLevels, skipArrow: true, headerCells: int.MaxValue);
        }

        sb.Append("</thead><tbody>");
        foreach (var row in grid.Skip(colLevels))
        {
            AppendRow(sb, row, rowLevels, skipArrow: true, headerCells: rowLevels);
        }

        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{rows} rows × {cols} columns</p>");
        return sb.ToString();
    }

    /// <summary>A frame as Deedle's text format.</summary>
    public static string PlainText(IFrameFormattable frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame is IFsiFormattable fsi
            ? fsi.Format()
            : string.Join("\n", frame.InteractiveFormat(Rows * 2, Columns, false).Select(r => string.Join(" ", r)));
    }

    /// <summary>A series (any <c>Series&lt;K, V&gt;</c>) as a key → value HTML table.</summary>
    public static string Html(ISeriesFormattable series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = series.InteractiveFormat(Rows * 2);
        var levels = Math.Max(1, series.GetKeyLevels());
        var sb = new StringBuilder("<table class=\"iau-series\"><tbody>");
        foreach (var row in grid)
        {
            AppendRow(sb, row, levels, skipArrow: row.Length > levels + 1, headerCells: levels);
        }

        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{series.GetKeyCount()} values</p>");
        return sb.ToString();
    }

    /// <summary>A series as Deedle's text format.</summary>
    public static string PlainText(ISeriesFormattable series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series is IFsiFormattable fsi
            ? fsi.Format()
            : string.Join("\n", series.InteractiveFormat(Rows * 2).Select(r => string.Join(" ", r)));
    }

    // Deedle's grid has a "->" column between the row keys and the values; it is dropped.
    private static void AppendRow(StringBuilder sb, string[] cells, int keyLevels, bool skipArrow, int headerCells)
    {
        sb.Append("<tr>");
        for (var i = 0; i < cells.Length; i++)
        {
            if (skipArrow && i == keyLevels)
            {
                continue;
            }

            var tag = i < headerCells ? "th" : "td";
            sb.Append('<').Append(tag).Append('>').Append(HtmlText.Encode(cells[i])).Append("</").Append(tag).Append('>');
        }

        sb.Append("</tr>");
    }
}
