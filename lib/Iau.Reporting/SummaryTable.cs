using System.Globalization;
using System.Net;
using System.Text;
using Deedle;
using Iau.Experiments;

namespace Iau.Reporting;

/// <summary>
/// Mean and 95% bootstrap interval over seeds of every metric of one experiment setting (one experiment, dataset and model), one
/// row per method (and variant), one column per metric, with the best cell of each column marked by a
/// <see cref="BestRule"/>. <see cref="Frame"/> holds the cells as a Deedle frame (row key = row label,
/// column key = metric); <see cref="ToMarkdown"/> and <see cref="ToHtml"/> render them, e.g. "0.8512 ± 0.0031".
/// </summary>
public sealed class SummaryTable
{
    private readonly Dictionary<(SummaryRowKey Row, string Metric), MeanStd> _cells;
    private readonly HashSet<(SummaryRowKey Row, string Metric)> _best;
    private readonly Dictionary<SummaryRowKey, int> _seeds;
    private readonly HashSet<string> _integral;

    private SummaryTable(
        SummaryTableOptions options,
        IReadOnlyList<SummaryRowKey> rows,
        IReadOnlyList<string> metrics,
        Dictionary<(SummaryRowKey, string), MeanStd> cells,
        HashSet<(SummaryRowKey, string)> best,
        Dictionary<SummaryRowKey, int> seeds,
        IReadOnlyDictionary<string, BestRule> rules,
        HashSet<string> integral)
    {
        _integral = integral;
        Options = options;
        Rows = rows;
        Metrics = metrics;
        _cells = cells;
        _best = best;
        _seeds = seeds;
        Rules = rules;
        Frame = ToFrame(c => c, includeEmpty: true);
        Means = ToFrame(c => c.Mean, includeEmpty: false);
        Stds = ToFrame(c => c.Std, includeEmpty: false);
    }

    /// <summary>The options the table was built with.</summary>
    public SummaryTableOptions Options { get; }

    /// <summary>Rows in display order.</summary>
    public IReadOnlyList<SummaryRowKey> Rows { get; }

    /// <summary>Metric columns in display order.</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>The rule used to mark each column's best cell.</summary>
    public IReadOnlyDictionary<string, BestRule> Rules { get; }

    /// <summary>Cells as <see cref="MeanStd"/> values: rows keyed by <see cref="SummaryRowKey.Label"/>, columns by metric.</summary>
    public Frame<string, string> Frame { get; }

    /// <summary>The means alone (missing where a row has no value of that metric).</summary>
    public Frame<string, string> Means { get; }

    /// <summary>The sample standard deviations alone.</summary>
    public Frame<string, string> Stds { get; }

    /// <summary>The cell of a row and metric (empty <see cref="MeanStd"/> when missing).</summary>
    public MeanStd this[SummaryRowKey row, string metric] =>
        _cells.TryGetValue((row, metric), out var v) ? v : new MeanStd(double.NaN, double.NaN, 0);

    /// <summary>The cell of a row, found by its label, and metric.</summary>
    public MeanStd this[string rowLabel, string metric] => this[FindRow(rowLabel), metric];

    /// <summary>Whether the cell is marked best in its column.</summary>
    public bool IsBest(SummaryRowKey row, string metric) => _best.Contains((row, metric));

    /// <summary>Whether the cell, found by its row label, is marked best in its column.</summary>
    public bool IsBest(string rowLabel, string metric) => IsBest(FindRow(rowLabel), metric);

    /// <summary>
    /// Whether every value of a metric's column is a whole number (a count such as forget_size): its cells are
    /// then written as integers.
    /// </summary>
    public bool IsIntegral(string metric) => _integral.Contains(metric);

    /// <summary>The text of a cell as every rendering writes it: "mean [low, high]" (the interval only where n &gt; 1), integers as integers, "—" when missing.</summary>
    public string CellText(SummaryRowKey row, string metric) => this[row, metric].Format(Options.DigitsFor(metric), IsIntegral(metric));

    /// <summary>Number of distinct seeds aggregated in a row.</summary>
    public int SeedCount(SummaryRowKey row) => _seeds.TryGetValue(row, out var n) ? n : 0;

    /// <summary>
    /// Builds the table from the rows of one experiment setting. Rows of several experiments, datasets or
    /// models are refused (aggregating over them would be meaningless): split them with <see cref="BuildPerSetting"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, or rows of several settings.</exception>
    public static SummaryTable Build(IEnumerable<ResultRow> rows, SummaryTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new SummaryTableOptions();
        var list = rows.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("No result rows to summarise.", nameof(rows));
        }

        var settings = list.Select(r => (r.Experiment, r.Dataset, r.Model, Forget: FigureSet.ForgetOf(r))).Distinct().ToList();
        if (settings.Count > 1)
        {
            throw new ArgumentException(
                $"Rows span {settings.Count} settings ({string.Join("; ", settings.Select(s => $"{s.Experiment}/{s.Dataset}/{s.Model}" + (s.Forget.Length > 0 ? "/" + s.Forget : "")))}); " +
                "summarise one experiment, dataset, model and forget set at a time (SummaryTable.BuildPerSetting).",
                nameof(rows));
        }

        var split = options.SplitByVariant && list.Select(r => r.Variant ?? "").Distinct(StringComparer.Ordinal).Count() > 1;
        SummaryRowKey KeyOf(ResultRow r) => new(r.Method, split ? r.Variant ?? "" : "");

        // Canonical spelling of each method (first seen), so "Retrain" and "retrain" share a row.
        var spelling = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in list)
        {
            spelling.TryAdd(r.Method, r.Method);
        }

        var groups = list
            .GroupBy(r => KeyOf(r with { Method = spelling[r.Method] }))
            .ToDictionary(g => g.Key, g => g.ToList());

        var methodOrder = MethodOrder.Arrange(spelling.Values, options.MethodOrder, options.ReferenceMethod);
        var methodRank = methodOrder.Select((m, i) => (m, i)).ToDictionary(t => t.m, t => t.i, StringComparer.OrdinalIgnoreCase);
        var rowKeys = groups.Keys
            .OrderBy(k => methodRank[k.Method])
            .ThenBy(k => k.Variant, MethodOrder.VariantComparer)
            .ToList();

        var found = list.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
        var metrics = options.Metrics is { } chosen
            ? [.. chosen]
            : OrderMetrics(found);

        var cells = new Dictionary<(SummaryRowKey, string), MeanStd>();
        var seeds = new Dictionary<SummaryRowKey, int>();
        foreach (var key in rowKeys)
        {
            var g = groups[key];
            seeds[key] = g.Select(r => r.Seed).Distinct().Count();
            foreach (var metric in metrics)
            {
                var stat = MeanStd.Of(g.Select(r => r.Metrics.TryGetValue(metric, out var v) ? v : double.NaN));
                if (stat.HasValue)
                {
                    cells[(key, metric)] = stat;
                }
            }
        }

        var rules = metrics.ToDictionary(m => m, options.BestRuleFor, StringComparer.Ordinal);
        var best = MarkBest(options, rowKeys, metrics, cells, rules);
        var integral = metrics.Where(m =>
        {
            var values = list.Select(r => r.Metrics.TryGetValue(m, out var v) ? v : double.NaN).Where(double.IsFinite).ToList();
            return values.Count > 0 && values.All(v => v == Math.Round(v) && Math.Abs(v) < 1e15);
        }).ToHashSet(StringComparer.Ordinal);
        return new SummaryTable(options, rowKeys, metrics, cells, best, seeds, rules, integral);
    }

    /// <summary>
    /// One table per (experiment, dataset, model, forget set) found in <paramref name="rows"/>, in that sort order.
    /// Forget is the forget-set segment of the rows' keys ("ratio=0.05", "ratio=0.1", "class=0"; "" when the key has none).
    /// </summary>
    public static IReadOnlyList<(string Experiment, string Dataset, string Model, SummaryTable Table, string Forget)> BuildPerSetting(
        IEnumerable<ResultRow> rows, SummaryTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows
            .GroupBy(r => (r.Experiment, r.Dataset, r.Model, Forget: FigureSet.ForgetOf(r)))
            .OrderBy(g => g.Key.Experiment, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Dataset, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Model, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Forget, StringComparer.Ordinal)
            .Select(g => (g.Key.Experiment, g.Key.Dataset, g.Key.Model, Build(g, options), g.Key.Forget))];
    }

    /// <summary>Metrics in canonical order (<see cref="SummaryTableOptions.CanonicalMetricOrder"/>), others alphabetically after.</summary>
    public static IReadOnlyList<string> OrderMetrics(IEnumerable<string> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var canon = SummaryTableOptions.CanonicalMetricOrder;
        return [.. metrics.Distinct(StringComparer.Ordinal)
            .OrderBy(m => IndexOf(canon, m))
            .ThenBy(m => m, StringComparer.Ordinal)];

        static int IndexOf(IReadOnlyList<string> list, string m)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (string.Equals(list[i], m, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return int.MaxValue;
        }
    }

    /// <summary>
    /// Renders a GitHub-flavoured Markdown table: a "Method" column, optionally "n" (seeds), then one column
    /// per metric with "mean [low, high]"; the best cell of each column is bold; missing cells read "—".
    /// </summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| Method |");
        if (Options.ShowSeedCount)
        {
            sb.Append(" n |");
        }

        foreach (var m in Metrics)
        {
            sb.Append(' ').Append(EscapeMarkdown(m)).Append(" |");
        }

        sb.Append('\n').Append("| --- |");
        if (Options.ShowSeedCount)
        {
            sb.Append(" ---: |");
        }

        foreach (var _ in Metrics)
        {
            sb.Append(" ---: |");
        }

        sb.Append('\n');
        foreach (var row in Rows)
        {
            sb.Append("| ").Append(EscapeMarkdown(row.Label)).Append(" |");
            if (Options.ShowSeedCount)
            {
                sb.Append(' ').Append(SeedCount(row).ToString(CultureInfo.InvariantCulture)).Append(" |");
            }

            foreach (var m in Metrics)
            {
                var text = CellText(row, m);
                sb.Append(' ').Append(IsBest(row, m) ? $"**{text}**" : text).Append(" |");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Renders an HTML &lt;table class="iau-summary"&gt; (well-formed XHTML fragment); the best cell of each
    /// column is wrapped in &lt;b&gt;. <paramref name="caption"/>, when given, becomes the &lt;caption&gt;.
    /// </summary>
    public string ToHtml(string? caption = null)
    {
        var sb = new StringBuilder();
        sb.Append("<table class=\"iau-summary\">\n");
        if (!string.IsNullOrEmpty(caption))
        {
            sb.Append("  <caption>").Append(WebUtility.HtmlEncode(caption)).Append("</caption>\n");
        }

        sb.Append("  <thead>\n    <tr><th>Method</th>");
        if (Options.ShowSeedCount)
        {
            sb.Append("<th>n</th>");
        }

        foreach (var m in Metrics)
        {
            sb.Append("<th>").Append(WebUtility.HtmlEncode(m)).Append("</th>");
        }

        sb.Append("</tr>\n  </thead>\n  <tbody>\n");
        foreach (var row in Rows)
        {
            sb.Append("    <tr><td>").Append(WebUtility.HtmlEncode(row.Label)).Append("</td>");
            if (Options.ShowSeedCount)
            {
                sb.Append("<td>").Append(SeedCount(row).ToString(CultureInfo.InvariantCulture)).Append("</td>");
            }

            foreach (var m in Metrics)
            {
                var text = WebUtility.HtmlEncode(CellText(row, m));
                sb.Append("<td>").Append(IsBest(row, m) ? $"<b>{text}</b>" : text).Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("  </tbody>\n</table>\n");
        return sb.ToString();
    }

    /// <summary>
    /// Renders a LaTeX table for papers (needs <c>\usepackage{booktabs}</c>; <c>graphicx</c> too when
    /// <paramref name="resizeToWidth"/>): \toprule/\midrule/\bottomrule, "$0.8512 \pm 0.0031$" cells (± only where
    /// n &gt; 1, integers as integers), the best cell of each column in bold, "--" for a missing cell. Text is
    /// escaped for LaTeX. With <paramref name="resizeToWidth"/> the tabular is scaled to the text width (wide tables).
    /// </summary>
    public string ToLatex(string? caption = null, string? label = null, bool resizeToWidth = false)
    {
        var sb = new StringBuilder();
        var wide = resizeToWidth;
        sb.Append("% Generated by the IAU kit (iau figures). Needs \\usepackage{booktabs}").Append(wide ? " and \\usepackage{graphicx}" : "").Append(".\n");
        sb.Append(wide ? "\\begin{table*}[t]\n" : "\\begin{table}[t]\n");
        sb.Append("\\centering\n");
        if (!string.IsNullOrEmpty(caption))
        {
            sb.Append("\\caption{").Append(EscapeLatex(caption)).Append("}\n");
        }

        if (!string.IsNullOrEmpty(label))
        {
            sb.Append("\\label{").Append(label).Append("}\n");
        }

        if (wide)
        {
            sb.Append("\\resizebox{\\textwidth}{!}{%\n");
        }

        sb.Append("\\begin{tabular}{l").Append(Options.ShowSeedCount ? "r" : "").Append(new string('r', Metrics.Count)).Append("}\n");
        sb.Append("\\toprule\n");
        sb.Append("Method");
        if (Options.ShowSeedCount)
        {
            sb.Append(" & $n$");
        }

        foreach (var m in Metrics)
        {
            sb.Append(" & ").Append(EscapeLatex(Charts.MetricLabel(m)));
        }

        sb.Append(" \\\\\n\\midrule\n");
        foreach (var row in Rows)
        {
            sb.Append(EscapeLatex(row.Label));
            if (Options.ShowSeedCount)
            {
                sb.Append(" & ").Append(SeedCount(row).ToString(CultureInfo.InvariantCulture));
            }

            foreach (var m in Metrics)
            {
                sb.Append(" & ");
                var cell = this[row, m];
                if (!cell.HasValue)
                {
                    sb.Append("--");
                    continue;
                }

                var math = CellText(row, m).Replace(" ± ", " \\pm ", StringComparison.Ordinal);
                sb.Append(IsBest(row, m) ? $"$\\mathbf{{{math}}}$" : $"${math}$");
            }

            sb.Append(" \\\\\n");
        }

        sb.Append("\\bottomrule\n\\end{tabular}");
        sb.Append(wide ? "}\n\\end{table*}\n" : "\n\\end{table}\n");
        return sb.ToString();
    }

    /// <summary>Escapes LaTeX's special characters in plain text.</summary>
    public static string EscapeLatex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '&' or '%' or '$' or '#' or '_' or '{' or '}' => "\\" + c,
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '±' => "$\\pm$",
                '—' => "---",
                '–' => "--",
                '≈' => "$\\approx$",
                '≥' => "$\\geq$",
                '≤' => "$\\leq$",
                'α' => "$\\alpha$",
                '‖' => "$\\|$",
                'θ' => "$\\theta$",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToMarkdown();

    // Deedle's FromValues takes the column selector first; rows are then put in display order.
    private Frame<string, string> ToFrame<T>(Func<MeanStd, T> value, bool includeEmpty)
    {
        var values = Rows
            .SelectMany(r => Metrics.Select(m => (Row: r, Metric: m)))
            .Where(k => _cells.TryGetValue(k, out var c) && (includeEmpty || c.HasValue))
            .Select(k => (Label: k.Row.Label, k.Metric, Value: value(_cells[k])));
        return Deedle.Frame.FromValues(values, v => v.Metric, v => v.Label, v => v.Value)
            .RealignRows(Rows.Select(r => r.Label));
    }

    private SummaryRowKey FindRow(string label) =>
        Rows.FirstOrDefault(r => string.Equals(r.Label, label, StringComparison.Ordinal))
        ?? Rows.FirstOrDefault(r => string.Equals(r.Label, label, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No row '{label}' in the summary table (rows: {string.Join(", ", Rows)}).");

    private static HashSet<(SummaryRowKey, string)> MarkBest(
        SummaryTableOptions options,
        IReadOnlyList<SummaryRowKey> rows,
        IReadOnlyList<string> metrics,
        Dictionary<(SummaryRowKey, string), MeanStd> cells,
        IReadOnlyDictionary<string, BestRule> rules)
    {
        var best = new HashSet<(SummaryRowKey, string)>();
        bool IsReference(SummaryRowKey k) => string.Equals(k.Method, options.ReferenceMethod, StringComparison.OrdinalIgnoreCase);
        var excluded = new HashSet<string>(options.ExcludedFromBest, StringComparer.OrdinalIgnoreCase);
        var candidates = rows.Where(k => !IsReference(k) && !excluded.Contains(k.Method)).ToList();

        foreach (var metric in metrics)
        {
            var rule = rules[metric];
            if (rule == BestRule.None)
            {
                continue;
            }

            var scored = new List<(SummaryRowKey Row, double Score)>();
            foreach (var row in candidates)
            {
                if (!cells.TryGetValue((row, metric), out var cell))
                {
                    continue;
                }

                double score;
                switch (rule)
                {
                    case BestRule.Lowest:
                        score = cell.Mean;
                        break;
                    case BestRule.Highest:
                        score = -cell.Mean;
                        break;
                    default:
                        var reference = ReferenceMean(row, metric);
                        if (double.IsNaN(reference))
                        {
                            continue;
                        }

                        score = Math.Abs(cell.Mean - reference);
                        break;
                }

                scored.Add((row, score));
            }

            if (scored.Count == 0)
            {
                continue;
            }

            var min = scored.Min(s => s.Score);
            foreach (var (row, score) in scored)
            {
                if (score - min <= options.TieTolerance)
                {
                    best.Add((row, metric));
                }
            }
        }

        return best;

        // The reference row of the same variant, else the reference row without variant, else the only one.
        double ReferenceMean(SummaryRowKey row, string metric)
        {
            var refs = rows.Where(IsReference).ToList();
            var match = refs.FirstOrDefault(r => r.Variant == row.Variant)
                ?? refs.FirstOrDefault(r => r.Variant.Length == 0)
                ?? (refs.Count == 1 ? refs[0] : null);
            return match is not null && cells.TryGetValue((match, metric), out var c) ? c.Mean : double.NaN;
        }
    }

    private static string EscapeMarkdown(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
