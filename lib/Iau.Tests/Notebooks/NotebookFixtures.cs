using System.Text.Json.Nodes;
using Iau.Notebooks;
using Iau.Tests.Data;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Iau.Tests.Notebooks;

/// <summary>
/// Notebook runs change the current directory and IAU_PROFILE and redirect the console: the notebook tests run
/// on their own, not beside other test classes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "Notebooks";
}

/// <summary>The fixture notebooks (copied to a temporary folder per test) and an offline package setup.</summary>
internal static class NotebookFixtures
{
    private static readonly Lazy<string> SharedCache = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "iau-tests-notebook-packages");
        Directory.CreateDirectory(dir);
        return dir;
    });

    private static readonly Lazy<string> EmptySource = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "iau-tests-empty-feed");
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "notebooks");

    /// <summary>
    /// A restorer that never reaches the network: its only source is an empty folder, so packages come from the
    /// machine's global packages folder or are reported missing. Its cache is shared by test runs.
    /// </summary>
    public static NuGetRestorer OfflineRestorer { get; } = new(SharedCache.Value, [EmptySource.Value], TimeSpan.FromMinutes(2));

    /// <summary>Copies the fixture notebooks into <paramref name="dir"/>; returns the path of <paramref name="name"/> there.</summary>
    public static string CopyTo(TempDir dir, string name)
    {
        foreach (var f in Directory.GetFiles(Folder))
        {
            File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)), overwrite: true);
        }

        return dir.File(name);
    }

    public static NotebookRunOptions Options(TimeSpan? timeout = null) => new()
    {
        Profile = "smoke",
        TimeoutPerCell = timeout ?? TimeSpan.FromSeconds(60),
        Restorer = OfflineRestorer,
        RenderImages = false,
    };

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
