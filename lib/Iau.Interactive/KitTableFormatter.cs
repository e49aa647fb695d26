using System.Globalization;
using System.Text;
using Iau.Experiments;

namespace Iau.Interactive;

/// <summary>
/// The kit's result rows (<see cref="ResultRow"/>, alone or in a list) as one compact HTML table: the identifying
/// columns and every metric, at most <see cref="MaxRows"/> rows. (<see cref="Iau.Reporting.SummaryTable"/> renders itself
/// with <c>ToHtml</c>.)
/// </summary>
public static class KitTableFormatter
{
    /// <summary>Rows shown of a long list.</summary>
    public const int MaxRows = 40;

    /// <summary>Result rows as an HTML table.</summary>
    public static string Html(IEnumerable<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var metrics = list.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
        var sb = new StringBuilder("<table class=\"iau-results\"><thead><tr><th>Experiment</th><th>Dataset</th><th>Model</th><th>Method</th><th>Variant</th><th>Seed</th>");
        foreach (var m in metrics)
        {
            sb.Append("<th>").Append(HtmlText.Encode(m)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>");
        foreach (var r in list.Take(MaxRows))
        {
            sb.Append("<tr>");
            foreach (var cell in new[] { r.Experiment, r.Dataset, r.Model, r.Method, r.Variant, r.Seed.ToString(CultureInfo.InvariantCulture) })
            {
                sb.Append("<td>").Append(HtmlText.Encode(cell)).Append("</td>");
            }

            foreach (var m in metrics)
            {
                var text = r.Metrics.TryGetValue(m, out var v) ? v.ToString("G4", CultureInfo.InvariantCulture) : string.Empty;
                sb.Append("<td>").Append(text).Append("</td>");
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{list.Count} result rows{(list.Count > MaxRows ? $", first {MaxRows} shown" : string.Empty)}</p>");
        return sb.ToString();
    }

    /// <summary>Result rows as text, one line each.</summary>
    public static string PlainText(IEnumerable<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var lines = list.Take(MaxRows).Select(r =>
            $"{r.Experiment}/{r.Dataset}/{r.Model} {r.Method} {r.Variant} seed {r.Seed}: " +
            string.Join(", ", r.Metrics.Select(kv => $"{kv.Key} {kv.Value.ToString("G4", CultureInfo.InvariantCulture)}")));
        return string.Join("\n", lines) + (list.Count > MaxRows ? $"\n… {list.Count} rows" : string.Empty);
    }
}
