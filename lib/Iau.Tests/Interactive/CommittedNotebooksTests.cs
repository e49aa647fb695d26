using System.Text.Json.Nodes;
using Iau.Notebooks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Iau.Tests.Interactive;

/// <summary>
/// The committed notebooks load the kit the way the kernel expects (checked without a kernel: CI executes them in
/// the real one). Every notebook's first code cell is tagged "parameters" and sets the profile from IAU_PROFILE;
/// the kit comes from <c>#r "nuget: Iau.Interactive, &lt;the kit's version&gt;"</c>; no cell references a build
/// folder or a runtime identifier. A notebook in the old format fails here with a pointer to the conversion pattern.
/// </summary>
public class CommittedNotebooksTests
{
    private static string NotebooksFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Iau.Research.sln")))
            {
                return Path.Combine(dir.FullName, "notebooks");
            }
        }

        throw new DirectoryNotFoundException("repository root not found above the test binaries");
    }

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(NotebooksFolder(), "*.ipynb").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Loads_the_kit_as_a_package_after_a_parameters_cell(string name)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(NotebooksFolder(), name)))!;
        var code = root["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToList();
        static string Source(JsonNode cell) => cell["source"] is JsonArray a ? string.Concat(a.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

        var first = code[0]!;
        Assert.True(
            (first["metadata"]?["tags"]?.AsArray().Select(t => (string?)t) ?? []).Contains("parameters"),
            $"{name}: the first code cell must be tagged \"parameters\" (notebooks/README.md, \"Converting a notebook written in the old format\")");
        Assert.Contains("Environment.GetEnvironmentVariable(\"IAU_PROFILE\")", Source(first));

        var version = typeof(Iau.Interactive.KernelSetup).Assembly.GetName().Version!;
        var all = string.Join("\n", code.Select(c => Source(c!)));
        Assert.Contains($"#r \"nuget: Iau.Interactive, {version.Major}.{version.Minor}.{version.Build}\"", Source(code[1]!));
        Assert.DoesNotContain("bin/Release", all);
        Assert.DoesNotContain("linux-x64", all);
        Assert.DoesNotContain("\t", all + string.Concat(root["cells"]!.AsArray().Select(c => Source(c!))));
    }

    /// <summary>
    /// Every notebook's C# compiles (as the file-based app `iau notebooks export` writes, against the kit's assemblies
    /// and their dependencies): a typo in a cell fails here, without a kernel, before CI executes the notebooks.
    /// </summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Compiles_as_an_exported_file_based_app(string name)
    {
        var path = Path.Combine(NotebooksFolder(), name);
        var export = FileBasedAppExporter.Export(NotebookDocument.Load(path), Path.Combine(NotebooksFolder(), Path.ChangeExtension(name, ".cs")));
        var program = string.Join("\n", export.Code.Split('\n').Where(l => !l.StartsWith("#:", StringComparison.Ordinal)));
        var tree = CSharpSyntaxTree.ParseText(program, new CSharpParseOptions(LanguageVersion.Preview));
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.GetFiles(runtimeDir, "*.dll")
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !p.Contains("Native", StringComparison.Ordinal) && IsManaged(p))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("exported", [tree], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Disable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
