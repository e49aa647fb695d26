using System.Text;

namespace Iau.Reporting;

/// <summary>
/// A Markdown document built from titled sections of paragraphs, tables and figure links — used for
/// figures/README.md and results summaries. Figure links are written relative to the document's folder
/// (forward slashes), so the document can move together with its figures.
/// </summary>
public sealed class MarkdownReport
{
    private readonly List<(string? Title, List<string> Blocks)> _sections = [];

    /// <summary>A report titled <paramref name="title"/> (level-1 heading) with an optional introduction.</summary>
    public MarkdownReport(string title, string? introduction = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        Title = title;
        _sections.Add((null, []));
        if (!string.IsNullOrWhiteSpace(introduction))
        {
            AddParagraph(introduction);
        }
    }

    /// <summary>The document title.</summary>
    public string Title { get; }

    /// <summary>Starts a new section (level-2 heading); later blocks go into it.</summary>
    public MarkdownReport AddSection(string title, string? text = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        _sections.Add((title.Trim(), []));
        if (!string.IsNullOrWhiteSpace(text))
        {
            AddParagraph(text);
        }

        return this;
    }

    /// <summary>Adds a paragraph (Markdown, kept as written).</summary>
    public MarkdownReport AddParagraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _sections[^1].Blocks.Add(text.Trim());
        return this;
    }

    /// <summary>Adds a bullet list.</summary>
    public MarkdownReport AddList(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var lines = items.Select(i => "- " + i.Trim()).ToList();
        if (lines.Count > 0)
        {
            _sections[^1].Blocks.Add(string.Join('\n', lines));
        }

        return this;
    }

    /// <summary>Adds a summary table (its Markdown rendering), with an optional caption in italics above it.</summary>
    public MarkdownReport AddTable(SummaryTable table, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        return AddTable(table.ToMarkdown(), caption);
    }

    /// <summary>Adds a table already rendered as Markdown, with an optional caption in italics above it.</summary>
    public MarkdownReport AddTable(string markdownTable, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(markdownTable);
        var block = string.IsNullOrWhiteSpace(caption)
            ? markdownTable.TrimEnd()
            : $"*{caption.Trim()}*\n\n{markdownTable.TrimEnd()}";
        _sections[^1].Blocks.Add(block);
        return this;
    }

    /// <summary>
    /// Adds a figure: the image (PNG preferred, else SVG) embedded with <paramref name="caption"/> as alt text,
    /// then links to every other file that exists among <c>basePath.png</c>, <c>.svg</c> and <c>.html</c>.
    /// Paths are written relative to <paramref name="relativeTo"/> (the folder the document will be written to).
    /// When no file exists yet, links to all three are written.
    /// </summary>
    public MarkdownReport AddFigure(string caption, string basePath, string relativeTo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caption);
        ArgumentException.ThrowIfNullOrWhiteSpace(basePath);
        ArgumentNullException.ThrowIfNull(relativeTo);
        var candidates = new[] { (Ext: ".png", Label: "PNG"), (Ext: ".svg", Label: "SVG"), (Ext: ".html", Label: "interactive HTML") };
        var existing = candidates.Where(c => File.Exists(basePath + c.Ext)).ToList();
        if (existing.Count == 0)
        {
            existing = [.. candidates];
        }

        string Rel(string ext) => Path.GetRelativePath(relativeTo, Path.GetFullPath(basePath + ext)).Replace('\\', '/');
        var image = existing.FirstOrDefault(c => c.Ext is ".png" or ".svg");
        var sb = new StringBuilder();
        sb.Append("**").Append(caption.Trim()).Append("**\n\n");
        if (image.Ext is not null)
        {
            sb.Append("![").Append(caption.Trim().Replace("]", "\\]", StringComparison.Ordinal)).Append("](")
                .Append(Uri.EscapeDataString(Rel(image.Ext)).Replace("%2F", "/", StringComparison.Ordinal)).Append(")\n\n");
        }

        var links = existing.Where(c => c.Ext != image.Ext)
            .Select(c => $"[{c.Label}]({Uri.EscapeDataString(Rel(c.Ext)).Replace("%2F", "/", StringComparison.Ordinal)})")
            .ToList();
        if (links.Count > 0)
        {
            sb.Append(string.Join(" · ", links));
        }

        _sections[^1].Blocks.Add(sb.ToString().TrimEnd());
        return this;
    }

    /// <summary>The document as Markdown text ('\n' line ends, one blank line between blocks, trailing newline).</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(Title.Trim()).Append("\n\n");
        foreach (var (title, blocks) in _sections)
        {
            if (title is not null)
            {
                sb.Append("## ").Append(title).Append("\n\n");
            }

            foreach (var block in blocks)
            {
                sb.Append(block).Append("\n\n");
            }
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>Writes <see cref="Render"/> to <paramref name="path"/> atomically (temporary file, then move).</summary>
    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FigureExport.WriteAllTextAtomic(path, Render());
    }

    /// <inheritdoc />
    public override string ToString() => Render();
}
