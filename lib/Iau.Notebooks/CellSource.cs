using System.Text;

namespace Iau.Notebooks;

/// <summary>The kinds of directive a notebook cell may hold besides C# code.</summary>
public enum DirectiveKind
{
    /// <summary><c>#r "nuget: Name, Version"</c>: a NuGet package.</summary>
    NuGet,

    /// <summary><c>#r "path.dll"</c>: an assembly, relative to the notebook.</summary>
    Reference,

    /// <summary><c>#i "source"</c>: a package source (<c>#i "nuget: url-or-folder"</c>) or another include.</summary>
    Include,

    /// <summary><c>#!name</c>: a Polyglot magic command or kernel selector.</summary>
    Magic,
}

/// <summary>One directive line of a cell.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Argument">The quoted argument (for #r nuget: the "Name, Version" part; for #! the command).</param>
/// <param name="Line">Its line in the cell, from 1.</param>
/// <param name="Text">The line as written.</param>
public sealed record CellDirective(DirectiveKind Kind, string Argument, int Line, string Text);

/// <summary>
/// A code cell split into its directives and its C# code. Directive lines are blanked in <see cref="Code"/> (not
/// removed), so line numbers in compiler messages are the cell's own.
/// </summary>
public sealed record CellSource(string Code, IReadOnlyList<CellDirective> Directives)
{
    /// <summary>Kernel selectors and magics that mean nothing for a C# cell run headless.</summary>
    public static IReadOnlySet<string> IgnoredMagics { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "csharp", "c#", "cs", "time" };

    /// <summary>Splits a cell's source.</summary>
    /// <exception cref="FormatException">A #r or #i line without a quoted argument (the message names the line).</exception>
    public static CellSource Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var code = new StringBuilder(source.Length);
        var directives = new List<CellDirective>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var t = line.Trim();
            var directive = ParseLine(t, i + 1, line);
            if (directive is not null)
            {
                directives.Add(directive);
                line = string.Empty;
            }

            code.Append(line);
            if (i < lines.Length - 1)
            {
                code.Append('\n');
            }
        }

        return new CellSource(code.ToString(), directives);
    }

    private static CellDirective? ParseLine(string t, int lineNumber, string text)
    {
        if (t.StartsWith("#!", StringComparison.Ordinal))
        {
            return new CellDirective(DirectiveKind.Magic, t[2..].Trim(), lineNumber, text);
        }

        var isR = t.StartsWith("#r", StringComparison.Ordinal) && (t.Length == 2 || t[2] is ' ' or '\t' or '"');
        var isI = t.StartsWith("#i", StringComparison.Ordinal) && (t.Length == 2 || t[2] is ' ' or '\t' or '"');
        if (!isR && !isI)
        {
            return null;
        }

        var rest = t[2..].Trim();
        if (rest.Length < 2 || rest[0] != '"' || rest.IndexOf('"', 1) < 0)
        {
            throw new FormatException($"line {lineNumber}: {t[..2]} needs a quoted argument, e.g. {(isR ? "#r \"nuget: Name, Version\"" : "#i \"nuget: https://…/index.json\"")}.");
        }

        var close = rest.IndexOf('"', 1);
        var arg = rest[1..close];
        var trailing = rest[(close + 1)..].Trim();
        if (trailing.Length > 0 && !trailing.StartsWith("//", StringComparison.Ordinal))
        {
            throw new FormatException($"line {lineNumber}: unexpected text after {t[..2]} \"{arg}\": {trailing}");
        }

        if (isI)
        {
            return new CellDirective(DirectiveKind.Include, arg.Trim(), lineNumber, text);
        }

        return arg.TrimStart().StartsWith("nuget:", StringComparison.OrdinalIgnoreCase)
            ? new CellDirective(DirectiveKind.NuGet, arg.TrimStart()[6..].Trim(), lineNumber, text)
            : new CellDirective(DirectiveKind.Reference, arg.Trim(), lineNumber, text);
    }
}
