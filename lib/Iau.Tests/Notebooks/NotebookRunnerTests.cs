using System.Text.Json.Nodes;
using Iau.Notebooks;
using Iau.Tests.Data;
using static Iau.Tests.Notebooks.NotebookFixtures;

namespace Iau.Tests.Notebooks;

[Collection(NotebookCollection.Name)]
public class NotebookRunnerTests
{
    [Fact]
    public async Task Every_kind_of_output_is_written_in_nbformat()
    {
        using var tmp = new TempDir();
        var path = CopyTo(tmp, "outputs.ipynb");
        var progress = new List<CellProgress>();
        var result = await NotebookRunner.RunAsync(path, Options(), new ListProgress(progress));
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(6, result.CellsRun);

        var cells = CodeCells(result.Document);
        Assert.Equal([1, 2, 3, 4, 5, 6], cells.Select(c => c.ExecutionCount!.Value));

        // Console streams.
        var first = Outputs(cells[0]);
        Assert.Equal(("stdout", "hello from stdout\n"), (first[0]["name"]!.GetValue<string>(), Text(first[0]["text"])));
        Assert.Equal(("stderr", "to stderr\n"), (first[1]["name"]!.GetValue<string>(), Text(first[1]["text"])));
        Assert.All(first, o => Assert.Equal("stream", o["output_type"]!.GetValue<string>()));

        // display(x), x.Display(), DisplayAs("text/html").
        var second = Outputs(cells[1]);
        Assert.Equal(3, second.Count);
        Assert.All(second, o => Assert.Equal("display_data", o["output_type"]!.GetValue<string>()));
        Assert.Equal("42", Text(second[0]["data"]!["text/plain"]));
        Assert.Equal("42", Text(second[1]["data"]!["text/plain"]));
        Assert.Equal("<b>bold</b>", Text(second[2]["data"]!["text/html"]));
        Assert.Null(second[2]["data"]!["text/plain"]);

        // A trailing expression, using state from earlier cells.
        var third = Assert.Single(Outputs(cells[2]));
        Assert.Equal("execute_result", third["output_type"]!.GetValue<string>());
        Assert.Equal(3, third["execution_count"]!.GetValue<int>());
        Assert.Equal("48", Text(third["data"]!["text/plain"]));

        // The profile and the working directory.
        Assert.Equal($"profile=smoke\n{Path.GetFileName(tmp.Path)}\n", Text(Outputs(cells[3])[0]["text"]));

        // A record declared in a cell; an updated display; a list.
        Assert.Equal("Point { X = 1, Y = 2 }", Text(Outputs(cells[4])[0]["data"]!["text/plain"]));
        var last = Outputs(cells[5]);
        Assert.Equal("second", Text(last[0]["data"]!["text/plain"]));
        Assert.Equal("[ 1, 2, 3 ]", Text(last[1]["data"]!["text/plain"]));

        Assert.Equal(12, progress.Count);
        Assert.Equal(CellStage.Started, progress[0].Stage);
        Assert.Equal((2, 1, 6, CellStage.Succeeded), (progress[1].CellNumber, progress[1].CodeCellNumber, progress[1].CodeCellCount, progress[1].Stage));
    }

    [Fact]
    public async Task Profile_and_directory_are_restored_after_the_run()
    {
        using var tmp = new TempDir();
        var before = (Environment.CurrentDirectory, Environment.GetEnvironmentVariable(NotebookRunOptions.ProfileVariable));
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "sample.dib"), Options() with { Profile = "paper" });
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(before, (Environment.CurrentDirectory, Environment.GetEnvironmentVariable(NotebookRunOptions.ProfileVariable)));
        Assert.Equal("42\n", Text(Outputs(CodeCells(result.Document)[0])[0]["text"]));
        Assert.Equal("7", Text(Outputs(CodeCells(result.Document)[1])[0]["data"]!["text/plain"]));
    }

    [Fact]
    public async Task Runtime_exception_writes_an_error_output_stops_and_names_cell_and_line()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "runtime-error.ipynb"), Options());
        Assert.False(result.Succeeded);
        Assert.Equal(NotebookErrorKind.Runtime, result.ErrorKind);
        Assert.Equal(2, result.FailedCell);
        Assert.Equal(3, result.FailedLine);
        Assert.Equal(2, result.CellsRun);
        Assert.Contains("InvalidOperationException: boom 0", result.ErrorMessage);
        Assert.Equal("runtime-error.ipynb: cell 2, line 3: System.InvalidOperationException: boom 0", result.Describe());

        var cells = CodeCells(result.Document);
        var outputs = Outputs(cells[1]);
        Assert.Equal("before\n", Text(outputs[0]["text"]));
        var error = outputs[1];
        Assert.Equal("error", error["output_type"]!.GetValue<string>());
        Assert.Equal("System.InvalidOperationException", error["ename"]!.GetValue<string>());
        Assert.Equal("boom 0", error["evalue"]!.GetValue<string>());
        Assert.Contains(((JsonArray)error["traceback"]!).Select(t => t!.GetValue<string>()), t => t.Contains("#cell2:line 3", StringComparison.Ordinal));

        // The later cell did not run: its stale output is gone and it has no execution count.
        Assert.Empty(cells[2].Outputs!);
        Assert.Null(cells[2].ExecutionCount);
    }

    [Fact]
    public async Task Compile_error_reports_the_line_of_the_cell()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "compile-error.ipynb"), Options());
        Assert.Equal(NotebookErrorKind.Compilation, result.ErrorKind);
        Assert.Equal((2, 3), (result.FailedCell, result.FailedLine));
        Assert.StartsWith("error CS0029:", result.ErrorMessage);
        var error = Outputs(CodeCells(result.Document)[1]).Single();
        Assert.Equal("CompilationError", error["ename"]!.GetValue<string>());
        Assert.StartsWith("(3,9): error CS0029", error["evalue"]!.GetValue<string>());
        Assert.Null(CodeCells(result.Document)[2].ExecutionCount);
    }

    [Fact]
    public async Task Missing_package_is_a_clear_error_on_the_directive_line()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "missing-package.ipynb"), Options());
        Assert.Equal(NotebookErrorKind.Package, result.ErrorKind);
        Assert.Equal((1, 1), (result.FailedCell, result.FailedLine));
        Assert.Contains("Does.Not.Exist", result.ErrorMessage);
        Assert.Contains("NU1101", result.ErrorMessage);
        var outputs = Outputs(CodeCells(result.Document)[0]);
        Assert.Equal("PackageRestoreException", Assert.Single(outputs)["ename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cell_past_the_timeout_fails_with_a_timeout_error()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "timeout.ipynb"), Options(TimeSpan.FromSeconds(1)));
        Assert.Equal(NotebookErrorKind.Timeout, result.ErrorKind);
        Assert.Equal(1, result.FailedCell);
        Assert.Contains("did not finish within 1 s", result.ErrorMessage);
        var outputs = Outputs(CodeCells(result.Document)[0]);
        Assert.Equal("sleeping\n", Text(outputs[0]["text"]));
        Assert.DoesNotContain(outputs, o => Text(o["text"]).Contains("woke", StringComparison.Ordinal));
        Assert.Equal("TimeoutException", outputs[^1]["ename"]!.GetValue<string>());
        Assert.Null(CodeCells(result.Document)[1].ExecutionCount);
    }

    [Fact]
    public async Task Reference_to_a_dll_relative_to_the_notebook()
    {
        using var tmp = new TempDir();
        var path = CopyTo(tmp, "reference.ipynb");
        WriteGreeterDll(tmp.File(Path.Combine("lib", "Greeter.dll")));
        var result = await NotebookRunner.RunAsync(path, Options());
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("Hello, notebook!", Text(Outputs(CodeCells(result.Document)[0])[0]["data"]!["text/plain"]));
    }

    [Fact]
    public async Task Missing_dll_names_the_directive_line()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "reference.ipynb"), Options());
        Assert.Equal(NotebookErrorKind.Directive, result.ErrorKind);
        Assert.Equal(1, result.FailedLine);
        Assert.Contains("Greeter.dll", result.ErrorMessage);
    }

    [Fact]
    public async Task Nuget_package_from_the_local_cache_is_restored_and_usable()
    {
        using var tmp = new TempDir();
        var result = await NotebookRunner.RunAsync(CopyTo(tmp, "nuget.ipynb"), Options());
        Assert.True(result.Succeeded, result.Describe());
        var outputs = Outputs(CodeCells(result.Document)[0]);
        Assert.Contains("MathNet.Numerics, 5.0.0", Text(outputs[0]["data"]!["text/plain"]));
        Assert.Equal("3", Text(outputs[1]["data"]!["text/plain"]));
    }

    [Fact]
    public async Task Restores_are_cached_by_package_list()
    {
        var packages = new[] { new NuGetPackage("MathNet.Numerics", "5.0.0") };
        var first = await OfflineRestorer.RestoreAsync(packages);
        var second = await OfflineRestorer.RestoreAsync(packages);
        Assert.True(second.FromCache);
        Assert.Contains(first.Assemblies, a => Path.GetFileName(a) == "MathNet.Numerics.dll");
        Assert.Equal(first.Assemblies, second.Assemblies);
        Assert.Equal("5.0.0", second.VersionOf("mathnet.numerics"));
    }

    [Fact]
    public async Task Polyglot_notebook_keeps_unknown_metadata_and_gets_new_outputs()
    {
        using var tmp = new TempDir();
        var path = CopyTo(tmp, "polyglot-vscode.ipynb");
        var original = NotebookDocument.Load(path);
        var result = await NotebookRunner.RunAsync(path, Options());
        Assert.True(result.Succeeded, result.Describe());
        result.Document.Save(path);

        var saved = NotebookDocument.Load(path);
        var cells = CodeCells(saved);
        Assert.Equal("Grüße\n", Text(Outputs(cells[0])[0]["text"]));
        Assert.Equal("5", Text(Outputs(cells[1])[0]["data"]!["text/plain"]));
        Assert.Null(Outputs(cells[1])[0]["data"]!["text/html"]);
        Assert.Equal("GRÜSSE", Text(Outputs(cells[2])[0]["data"]!["text/plain"]).Replace("ß", "SS", StringComparison.Ordinal));
        Assert.Equal([1, 2, 3], cells.Select(c => c.ExecutionCount!.Value));

        // Everything but the outputs and execution counts of the executed cells is as it was, byte for byte.
        Assert.Equal(WithoutOutputs(original), WithoutOutputs(saved));
        var text = File.ReadAllText(path);
        Assert.Contains("\"custom_tool\"", text);
        Assert.Contains("caf\\u00e9", text);
        Assert.Contains("2.50", text);
        Assert.Contains("\"keep-me\"", text);
        Assert.Contains("\"languageId\": \"polyglot-notebook\"", text);
        Assert.Contains("\"format\": \"text/plain\"", text);
    }

    [Fact]
    public async Task Cells_of_other_kernels_and_unknown_magics_fail_clearly()
    {
        var doc = NotebookDocument.Create();
        doc.AddCodeCell("var x = 1;");
        doc.AddCodeCell("let y = 2", "fsharp");
        var result = await NotebookRunner.RunAsync(doc, Options());
        Assert.Equal(NotebookErrorKind.Directive, result.ErrorKind);
        Assert.Equal(2, result.FailedCell);
        Assert.Contains("'fsharp' kernel", result.ErrorMessage);

        var magic = NotebookDocument.Create();
        magic.AddCodeCell("#!time\nvar x = 1;\n#!who");
        var r2 = await NotebookRunner.RunAsync(magic, Options());
        Assert.Equal((NotebookErrorKind.Directive, 3), (r2.ErrorKind, r2.FailedLine));
        Assert.Contains("#!who", r2.ErrorMessage);
    }

    [Fact]
    public async Task Deedle_frames_display_as_html_tables_with_the_kit_references()
    {
        var doc = NotebookDocument.Create();
        doc.AddCodeCell("""
            var frame = Deedle.Frame.FromRecords(new[] { new { A = 1, B = "<x>" }, new { A = 2, B = "y" } });
            frame
            """);
        var options = Options() with { ExtraReferences = KitAssemblies.References() };
        var result = await NotebookRunner.RunAsync(doc, options);
        Assert.True(result.Succeeded, result.Describe());
        var data = Outputs(CodeCells(result.Document)[0])[^1]["data"]!;
        var html = Text(data["text/html"]);
        Assert.Contains("<th>A</th>", html);
        Assert.Contains("&lt;x&gt;", html);
        Assert.Contains("2 rows × 2 columns", html);
    }

    [Fact]
    public async Task Missing_dll_of_a_loaded_assembly_uses_the_loaded_one_and_task_output_is_captured()
    {
        var doc = NotebookDocument.Create();
        doc.AddCodeCell("""
            #r "../lib/Iau/bin/Release/net10.0/Iau.dll"
            await Task.Run(() => Console.WriteLine("from a task"));
            typeof(Iau.Reporting.FigureExport).Name
            """);
        var result = await NotebookRunner.RunAsync(doc, Options());
        Assert.True(result.Succeeded, result.Describe());
        var outputs = Outputs(CodeCells(result.Document)[0]);
        Assert.Equal("from a task\n", Text(outputs[0]["text"]));
        Assert.Equal("FigureExport", Text(outputs[1]["data"]!["text/plain"]));
        Assert.Contains(result.Notes, n => n.Contains("using the loaded Iau", StringComparison.Ordinal));
    }

    private static string WithoutOutputs(NotebookDocument doc)
    {
        var copy = NotebookDocument.Parse(doc.ToJson());
        foreach (var cell in copy.Cells.Where(c => c.IsCode))
        {
            cell.Json["outputs"] = new JsonArray();
            cell.Json["execution_count"] = null;
        }

        return copy.ToJson();
    }

    private sealed class ListProgress(List<CellProgress> list) : IProgress<CellProgress>
    {
        public void Report(CellProgress value)
        {
            lock (list)
            {
                list.Add(value);
            }
        }
    }
}
