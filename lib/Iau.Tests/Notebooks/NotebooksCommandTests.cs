using System.CommandLine;
using System.Reflection;
using Iau.Notebooks;
using Iau.Tests.Data;
using Spectre.Console;

namespace Iau.Tests.Notebooks;

[Collection(NotebookCollection.Name)]
public class NotebooksCommandTests
{
    [Fact]
    public void Run_writes_executed_notebooks_to_the_output_folder()
    {
        using var tmp = new TempDir();
        var input = Path.Combine(tmp.Path, "in");
        Directory.CreateDirectory(input);
        foreach (var name in new[] { "outputs.ipynb", "sample.dib" })
        {
            File.Copy(Path.Combine(NotebookFixtures.Folder, name), Path.Combine(input, name));
        }

        var output = Path.Combine(tmp.Path, "out");
        var (code, stdout, stderr) = Run("run", input, "--profile", "smoke", "--out", output, "--no-images", "--timeout-per-cell", "60");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("cell 2 [1/6] ok", stdout);
        Assert.Contains("2 notebooks ok", stdout);
        var written = NotebookDocument.Load(Path.Combine(output, "outputs.ipynb"));
        Assert.Equal(1, written.Cells[1].ExecutionCount);
        Assert.True(File.Exists(Path.Combine(output, "sample.ipynb")));

        // The inputs are untouched.
        Assert.Equal(File.ReadAllText(Path.Combine(NotebookFixtures.Folder, "outputs.ipynb")), File.ReadAllText(Path.Combine(input, "outputs.ipynb")));
    }

    [Fact]
    public void Failing_notebook_exits_non_zero_naming_notebook_cell_and_line()
    {
        using var tmp = new TempDir();
        var path = NotebookFixtures.CopyTo(tmp, "compile-error.ipynb");
        var (code, stdout, stderr) = Run("run", path, "--in-place", "--no-images");
        Assert.Equal(1, code);
        Assert.Contains("compile-error.ipynb: cell 2, line 3: error CS0029", stderr);
        Assert.Contains("cell 2 [2/3] FAILED", stdout);
        Assert.Contains("cell 3 [3/3] not run", stdout);
        Assert.Contains("CompilationError", File.ReadAllText(path));
    }

    [Fact]
    public void In_place_and_out_together_are_a_usage_error()
    {
        var (code, _, _) = Run("run", "x.ipynb", "--in-place", "--out", "dir");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void Export_writes_a_file_based_app_per_notebook()
    {
        using var tmp = new TempDir();
        NotebookFixtures.CopyTo(tmp, "outputs.ipynb");
        var output = Path.Combine(tmp.Path, "apps");
        var (code, stdout, stderr) = Run("export", tmp.File("outputs.ipynb"), tmp.File("sample.dib"), "--format", "cs", "--out", output);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("display(n + 1);", File.ReadAllText(Path.Combine(output, "sample.cs")));
        Assert.Contains("display(list);", File.ReadAllText(Path.Combine(output, "outputs.cs")));
    }

    /// <summary>
    /// Runs `notebooks …` through <c>NotebooksCommand.Build</c> (internal to the CLI), whether or not the command
    /// is registered in CliApp yet.
    /// </summary>
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var cli = typeof(Iau.Cli.CliApp).Assembly;
        var contextType = cli.GetType("Iau.Cli.CliContext", throwOnError: true)!;
        var context = Activator.CreateInstance(contextType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, [console, error], null)!;
        var build = cli.GetType("Iau.Cli.Commands.NotebooksCommand", throwOnError: true)!.GetMethod("Build", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!;
        var root = new RootCommand("test") { (Command)build.Invoke(null, [context])! };
        var parse = root.Parse(["notebooks", .. args]);
        int code;
        try
        {
            code = parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (FileNotFoundException e)
        {
            error.WriteLine($"error: {e.Message}");
            code = 1;
        }

        return (code, output.ToString(), error.ToString());
    }
}
