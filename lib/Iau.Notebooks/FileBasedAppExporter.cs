using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Iau.Notebooks;

/// <summary>How <see cref="FileBasedAppExporter"/> writes a notebook as a file-based app.</summary>
public sealed record FileBasedAppExportOptions
{
    /// <summary>The kit library's project (lib/Iau/Iau.csproj); default: found in the folders above the notebook or the output.</summary>
    public string? IauProjectPath { get; init; }

    /// <summary>Whether to reference the kit library with <c>#:project</c> (default true).</summary>
    public bool ReferenceIauProject { get; init; } = true;
}

/// <summary>An exported app: its code and what could not be carried over exactly.</summary>
/// <param name="Code">The .cs file's text.</param>
/// <param name="Warnings">Notes for the user (a DLL reference, variables declared twice, …).</param>
public sealed record FileBasedAppExport(string Code, IReadOnlyList<string> Warnings);

/// <summary>
/// Exports a notebook to a .NET file-based app (<c>dotnet run notebook.cs</c>): <c>#:project</c> for the kit
/// library (path relative to the .cs file), <c>#:package Name@Version</c> for <c>#r "nuget: …"</c>, markdown
/// cells as // comments, code cells in order as top-level statements (a cell's trailing expression becomes
/// <c>display(…);</c>, usings are hoisted, type declarations moved to the end), and a small shim that makes
/// <c>display(x)</c>, <c>x.Display()</c> and <c>"…".DisplayAs(mime)</c> print text.
/// </summary>
public static class FileBasedAppExporter
{
    private static readonly CSharpParseOptions ScriptParse = new(LanguageVersion.Preview, kind: SourceCodeKind.Script);

    /// <summary>The kit's packages: a notebook's <c>#r "nuget: …"</c> of one becomes <c>#:project</c> of lib/&lt;name&gt;.</summary>
    private static readonly HashSet<string> KitPackages = new(["Iau", "Iau.Interactive"], StringComparer.OrdinalIgnoreCase);

    private static readonly string[] DefaultUsings =
    [
        "System", "System.Collections.Generic", "System.Globalization", "System.IO", "System.Linq", "System.Text",
        "System.Threading", "System.Threading.Tasks",
    ];

    private const string Shim = """
        // ── Display shim written by `iau notebooks export`: display(x), x.Display() and "…".DisplayAs(mime) print text. ──
        #nullable enable
        static NotebookDisplayedValue display(object? value, params string[] mimeTypes) => NotebookDisplay.Show(value);
        #nullable restore
        """;

    private const string ShimTypes = """
        #nullable enable
        static class NotebookDisplay
        {
            public static NotebookDisplayedValue Show(object? value)
            {
                Console.WriteLine(Format(value));
                return new NotebookDisplayedValue();
            }

            public static string Format(object? value) => value switch
            {
                null => "<null>",
                string s => s,
                System.Collections.IDictionary d => "{ " + string.Join(", ", d.Keys.Cast<object?>().Take(20).Select(k => Format(k) + ": " + Format(d[k!]))) + " }",
                System.Collections.IEnumerable e => "[ " + string.Join(", ", e.Cast<object?>().Take(20).Select(Format)) + " ]",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? string.Empty,
            };

            public static NotebookDisplayedValue Display(this object? value, params string[] mimeTypes) => Show(value);

            public static NotebookDisplayedValue DisplayAs(this string value, string mimeType, params string[] additionalMimeTypes) =>
                Show(mimeType == "text/plain" ? value : $"[{mimeType}, {value.Length} characters]");
        }

        sealed class NotebookDisplayedValue
        {
            public void Update(object? value) => NotebookDisplay.Show(value);
        }
        #nullable restore
        """;

    /// <summary>Exports a notebook; <paramref name="outputPath"/> is where the .cs file will be (for relative paths).</summary>
    public static FileBasedAppExport Export(NotebookDocument document, string outputPath, FileBasedAppExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        options ??= new FileBasedAppExportOptions();
        var outputDir = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var notebookDir = document.Path is null ? outputDir : Path.GetDirectoryName(document.Path)!;
        var warnings = new List<string>();
        var header = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        var types = new StringBuilder();
        var declared = new Dictionary<string, int>(StringComparer.Ordinal);
        var packages = new List<NuGetPackage>();
        var sources = new List<string>();
        var kitProjects = new List<string>();

        string? iauProject = null;
        if (options.ReferenceIauProject)
        {
            iauProject = options.IauProjectPath is not null ? Path.GetFullPath(options.IauProjectPath) : FindIauProject(notebookDir) ?? FindIauProject(outputDir);
            if (iauProject is null)
            {
                warnings.Add("lib/Iau/Iau.csproj not found above the notebook or the output folder: no #:project line written.");
            }
        }

        foreach (var cell in document.Cells)
        {
            if (cell.IsMarkdown || cell.CellType == "raw")
            {
                body.Append("// ── cell ").Append(cell.Number).Append(" (").Append(cell.CellType).Append(") ──\n");
                foreach (var line in cell.Source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
                {
                    body.Append(line.Length == 0 ? "//" : "// " + line).Append('\n');
                }

                body.Append('\n');
                continue;
            }

            if (!cell.IsCode || string.IsNullOrWhiteSpace(cell.Source))
            {
                continue;
            }

            body.Append("// ── cell ").Append(cell.Number).Append(" ──\n");
            if (cell.KernelName != "csharp")
            {
                warnings.Add($"cell {cell.Number}: '{cell.KernelName}' cell written as a comment.");
                foreach (var line in cell.Source.Split('\n'))
                {
                    body.Append("// ").Append(line.TrimEnd('\r')).Append('\n');
                }

                body.Append('\n');
                continue;
            }

            CellSource source;
            try
            {
                source = CellSource.Parse(cell.Source);
            }
            catch (FormatException e)
            {
                warnings.Add($"cell {cell.Number}: {e.Message}");
                continue;
            }

            foreach (var d in source.Directives)
            {
                switch (d.Kind)
                {
                    case DirectiveKind.NuGet:
                        var p = NuGetPackage.Parse(d.Argument);
                        if (iauProject is not null && KitPackages.Contains(p.Name))
                        {
                            // The kit's own packages (packed by notebooks/setup-kernel) become project references.
                            kitProjects.Add(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(iauProject))!, p.Name, p.Name + ".csproj"));
                            break;
                        }

                        packages.RemoveAll(x => string.Equals(x.Name, p.Name, StringComparison.OrdinalIgnoreCase));
                        packages.Add(p);
                        break;
                    case DirectiveKind.Include when d.Argument.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase):
                        sources.Add(d.Argument[6..].Trim());
                        break;
                    case DirectiveKind.Reference:
                        var file = Path.GetFileName(d.Argument);
                        if (string.Equals(file, "Iau.dll", StringComparison.OrdinalIgnoreCase) && iauProject is not null)
                        {
                            break;
                        }

                        var full = Path.GetFullPath(Path.Combine(notebookDir, d.Argument));
                        body.Append("// #r \"").Append(d.Argument).Append("\": file-based apps cannot reference a DLL; add its project with #:project, or a package.\n");
                        warnings.Add($"cell {cell.Number}, line {d.Line}: #r \"{d.Argument}\" ({full}) cannot be carried over; add its project or package by hand.");
                        break;
                    case DirectiveKind.Magic when !CellSource.IgnoredMagics.Contains(d.Argument.Split(' ')[0]):
                        warnings.Add($"cell {cell.Number}, line {d.Line}: magic command #!{d.Argument} dropped.");
                        break;
                }
            }

            AppendCode(cell.Number, source.Code, usings, body, types, declared, warnings);
            body.Append('\n');
        }

        var sb = new StringBuilder();
        if (iauProject is not null)
        {
            header.Add($"#:project {Relative(outputDir, iauProject)}");
        }

        header.AddRange(kitProjects.Distinct(StringComparer.Ordinal).Where(File.Exists)
            .Where(p => !string.Equals(p, iauProject, StringComparison.Ordinal))
            .Select(p => $"#:project {Relative(outputDir, p)}"));

        header.AddRange(packages.Select(p => $"#:package {p.Name}@{p.Version ?? "*"}"));
        header.Add("#:property Nullable=disable");
        header.Add("#:property TreatWarningsAsErrors=false");
        header.Add("#:property ManagePackageVersionsCentrally=false");

        // File-based apps default to AOT-style settings; the kit uses reflection-based JSON and is not trimmed.
        header.Add("#:property PublishAot=false");
        header.Add("#:property JsonSerializerIsReflectionEnabledByDefault=true");
        if (sources.Count > 0)
        {
            header.Add($"#:property RestoreAdditionalProjectSources={string.Join("%3B", sources)}");
        }

        foreach (var h in header)
        {
            sb.Append(h).Append('\n');
        }

        sb.Append('\n');
        sb.Append("// Exported from ").Append(document.Name).Append(" by `iau notebooks export`. Run it with `dotnet run ")
            .Append(Path.GetFileName(outputPath)).Append("` (set IAU_PROFILE=smoke|quick|paper to choose the profile).\n");
        sb.Append("// Cells follow in order; markdown cells are comments. Edit the notebook, not this file.\n\n");
        foreach (var u in DefaultUsings.Select(u => $"using {u};").Concat(usings).Distinct(StringComparer.Ordinal))
        {
            sb.Append(u).Append('\n');
        }

        sb.Append('\n').Append(body);
        sb.Append(Shim.Replace("\r\n", "\n", StringComparison.Ordinal)).Append("\n\n");
        if (types.Length > 0)
        {
            sb.Append("// ── Types declared in the notebook's cells ──\n").Append(types).Append('\n');
        }

        sb.Append(ShimTypes.Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        return new FileBasedAppExport(sb.ToString(), warnings);
    }

    /// <summary>Exports and writes the .cs file; returns the warnings.</summary>
    public static FileBasedAppExport ExportToFile(NotebookDocument document, string outputPath, FileBasedAppExportOptions? options = null)
    {
        var export = Export(document, outputPath, options);
        var full = Path.GetFullPath(outputPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);

        // Written beside and renamed over the target: a reader (or a crash) never sees half a file.
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(tmp, export.Code, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }

        return export;
    }

    private static void AppendCode(
        int cellNumber, string code, List<string> usings, StringBuilder body, StringBuilder types,
        Dictionary<string, int> declared, List<string> warnings)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ScriptParse);
        var root = (CompilationUnitSyntax)tree.GetRoot();
        foreach (var u in root.Usings)
        {
            usings.Add(u.WithoutTrivia().ToFullString());
        }

        if (root.Usings.Count > 0 && root.Usings[0].GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.LoadDirectiveTrivia)))
        {
            warnings.Add($"cell {cellNumber}: #load is not carried over.");
        }

        var members = root.Members;
        var text = new StringBuilder();
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            switch (member)
            {
                case GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } expr } when i == members.Count - 1:
                    // The cell's value: displayed, as the notebook shows it.
                    text.Append(expr.GetLeadingTrivia().ToFullString())
                        .Append("display(").Append(expr.Expression.WithoutTrivia().ToFullString()).Append(");")
                        .Append(expr.GetTrailingTrivia().ToFullString());
                    break;
                case GlobalStatementSyntax g:
                    if (g.Statement is LocalDeclarationStatementSyntax local)
                    {
                        Declare(local.Declaration.Variables.Select(v => v.Identifier.Text), cellNumber, declared, warnings);
                    }

                    text.Append(g.ToFullString());
                    break;
                case FieldDeclarationSyntax field:
                    // Script variables are fields; as top-level statements they are locals.
                    Declare(field.Declaration.Variables.Select(v => v.Identifier.Text), cellNumber, declared, warnings);
                    text.Append(field.WithModifiers(LocalModifiers(field.Modifiers, keepStatic: false)).ToFullString());
                    break;
                case MethodDeclarationSyntax method:
                    // Script methods become local functions.
                    text.Append(method.WithModifiers(LocalModifiers(method.Modifiers, keepStatic: true)).ToFullString());
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or BaseNamespaceDeclarationSyntax:
                    types.Append("// (from cell ").Append(cellNumber).Append(")\n").Append(member.ToFullString().Trim('\n')).Append("\n\n");
                    break;
                default:
                    warnings.Add($"cell {cellNumber}: a {member.Kind()} at script level has no top-level equivalent; written as a comment.");
                    foreach (var line in member.ToFullString().Split('\n'))
                    {
                        text.Append("// ").Append(line).Append('\n');
                    }

                    break;
            }
        }

        text.Append(root.EndOfFileToken.LeadingTrivia.ToFullString());
        body.Append(text.ToString().Trim('\n', '\r')).Append('\n');
    }

    private static SyntaxTokenList LocalModifiers(SyntaxTokenList modifiers, bool keepStatic) =>
        new(modifiers.Where(m => m.Kind() switch
        {
            SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword
                or SyntaxKind.ReadOnlyKeyword or SyntaxKind.VolatileKeyword => false,
            SyntaxKind.StaticKeyword => keepStatic,
            _ => true,
        }));

    private static void Declare(IEnumerable<string> names, int cellNumber, Dictionary<string, int> declared, List<string> warnings)
    {
        foreach (var name in names)
        {
            if (declared.TryGetValue(name, out var first) && first != cellNumber)
            {
                warnings.Add($"'{name}' is declared in cell {first} and again in cell {cellNumber}: a notebook allows it, one program does not; rename one.");
            }
            else
            {
                declared[name] = cellNumber;
            }
        }
    }

    private static string? FindIauProject(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "lib", "Iau", "Iau.csproj");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Relative(string fromDir, string path) =>
        Path.GetRelativePath(fromDir, path).Replace('\\', '/');
}
