using System.Text.Json.Nodes;
using Iau.Notebooks;
using Iau.Tests.Data;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Iau.Tests.Notebooks;

/// <summary>
/// The notebook tests write and read files in temporary folders and run the CLI: they run on their own, not beside
/// other test classes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "Notebooks";
}

/// <summary>The fixture notebooks (copied to a temporary folder per test).</summary>
internal static class NotebookFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "notebooks");

    /// <summary>Copies the fixture notebooks into <paramref name="dir"/>; returns the path of <paramref name="name"/> there.</summary>
    public static string CopyTo(TempDir dir, string name)
    {
        foreach (var f in Directory.GetFiles(Folder))
        {
            File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)), overwrite: true);
        }

        return dir.File(name);
    }

    /// <summary>The code cells of a document.</summary>
    public static List<NotebookCell> CodeCells(NotebookDocument doc) => [.. doc.Cells.Where(c => c.IsCode)];

    /// <summary>The outputs of a cell as JSON objects.</summary>
    public static List<JsonObject> Outputs(NotebookCell cell) => [.. cell.Outputs!.OfType<JsonObject>()];

    public static string Text(JsonNode? node) => NotebookJson.FromLines(node);

    /// <summary>Compiles a tiny library to <paramref name="path"/> (for #r "path.dll").</summary>
    public static void WriteGreeterDll(string path)
    {
        var tree = CSharpSyntaxTree.ParseText("""
            public static class Greeter
            {
                public static string Hello(string name) => "Hello, " + name + "!";
            }
            """);
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var compilation = CSharpCompilation.Create(
            "Greeter", [tree],
            [
                MetadataReference.CreateFromFile(typeof(object).Assembly.Location),
                MetadataReference.CreateFromFile(Path.Combine(runtimeDir, "System.Runtime.dll")),
            ],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }
}
