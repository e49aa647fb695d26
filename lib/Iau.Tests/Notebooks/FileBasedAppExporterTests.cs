using Iau.Notebooks;
using Iau.Tests.Data;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Iau.Tests.Notebooks;

public class FileBasedAppExporterTests
{
    [Fact]
    public void Export_writes_directives_comments_and_a_display_shim_that_compiles()
    {
        using var tmp = new TempDir();
        var project = tmp.File(Path.Combine("lib", "Iau", "Iau.csproj"));
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.WriteAllText(project, "<Project />");
        var notebooks = Path.Combine(tmp.Path, "notebooks");
        Directory.CreateDirectory(notebooks);
        File.Copy(Path.Combine(NotebookFixtures.Folder, "outputs.ipynb"), Path.Combine(notebooks, "outputs.ipynb"));

        var doc = NotebookDocument.Load(Path.Combine(notebooks, "outputs.ipynb"));
        var target = Path.Combine(notebooks, "outputs.cs");
        var export = FileBasedAppExporter.ExportToFile(doc, target);
        var code = File.ReadAllText(target);

        Assert.StartsWith("#:project ../lib/Iau/Iau.csproj\n", code);
        Assert.Contains("// # Every kind of output", code);
        Assert.Contains("display(list.Sum() + answer);", code);
        Assert.Contains("display(new Point(1, 2));", code);
        Assert.Contains("static NotebookDisplayedValue display(object? value", code);
        Assert.True(code.IndexOf("record Point(int X, int Y);", StringComparison.Ordinal) > code.IndexOf("display(list);", StringComparison.Ordinal),
            "type declarations move after the top-level statements");
        Assert.Empty(export.Warnings);
        AssertCompiles(code);
    }

    [Fact]
    public void The_kits_package_becomes_a_project_reference()
    {
        using var tmp = new TempDir();
        foreach (var name in new[] { "Iau", "Iau.Interactive" })
        {
            var project = tmp.File(Path.Combine("lib", name, name + ".csproj"));
            Directory.CreateDirectory(Path.GetDirectoryName(project)!);
            File.WriteAllText(project, "<Project />");
        }

        var notebooks = Directory.CreateDirectory(Path.Combine(tmp.Path, "notebooks")).FullName;
        var path = Path.Combine(notebooks, "kit.dib");
        File.WriteAllText(path, "#!csharp\n\n#r \"nuget: Iau.Interactive, 0.1.0\"\nvar x = 1;\n");
        var export = FileBasedAppExporter.Export(NotebookDocument.Load(path), Path.Combine(notebooks, "kit.cs"));
        Assert.StartsWith("#:project ../lib/Iau/Iau.csproj\n#:project ../lib/Iau.Interactive/Iau.Interactive.csproj\n", export.Code);
        Assert.DoesNotContain("#:package Iau", export.Code);
    }

    [Fact]
    public void Nuget_references_become_package_directives()
    {
        using var tmp = new TempDir();
        var doc = NotebookDocument.Load(Path.Combine(NotebookFixtures.Folder, "nuget.ipynb"));
        var export = FileBasedAppExporter.Export(doc, tmp.File("nuget.cs"), new FileBasedAppExportOptions { ReferenceIauProject = false });
        Assert.Contains("#:package MathNet.Numerics@5.0.0\n", export.Code);
        Assert.Contains("using MathNet.Numerics.Statistics;\n", export.Code);
        Assert.DoesNotContain("#r ", export.Code);
        Assert.Contains("display(new[] { 1.0, 2.0, 3.0, 6.0 }.Mean());", export.Code);
    }

    [Fact]
    public void Dll_references_and_redeclared_variables_are_reported()
    {
        using var tmp = new TempDir();
        var doc = NotebookDocument.Create();
        doc.AddCodeCell("#r \"lib/Other.dll\"\nvar x = 1;");
        doc.AddCodeCell("var x = 2;\nint Twice(int v) => 2 * v;\nTwice(x)");
        var export = FileBasedAppExporter.Export(doc, tmp.File("app.cs"), new FileBasedAppExportOptions { ReferenceIauProject = false });
        Assert.Contains(export.Warnings, w => w.Contains("Other.dll", StringComparison.Ordinal));
        Assert.Contains(export.Warnings, w => w.Contains("'x' is declared in cell 1 and again in cell 2", StringComparison.Ordinal));
        Assert.Contains("int Twice(int v) => 2 * v;", export.Code);
    }

    private static void AssertCompiles(string code)
    {
        // `#:` lines are for the SDK; the rest must be a valid program.
        var program = string.Join("\n", code.Split('\n').Where(l => !l.StartsWith("#:", StringComparison.Ordinal)));
        var tree = CSharpSyntaxTree.ParseText(program, new CSharpParseOptions(LanguageVersion.Preview));
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.GetFiles(runtimeDir, "System*.dll")
            .Concat([Path.Combine(runtimeDir, "netstandard.dll")])
            .Where(p => !p.Contains("Native", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("exported", [tree], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Disable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n---\n" + program);
    }
}
