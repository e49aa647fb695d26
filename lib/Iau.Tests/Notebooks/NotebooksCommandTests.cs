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
    public void Check_passes_a_clean_notebook_and_fails_one_with_an_error_naming_file_and_cell()
    {
        using var tmp = new TempDir();
        var clean = tmp.File("clean.ipynb");
        File.WriteAllText(clean, NotebookOutputCheckTests.Notebook("""{"output_type":"stream","name":"stdout","text":["ok\n"]}"""));
        var broken = tmp.File("broken.ipynb");
        File.WriteAllText(broken, NotebookOutputCheckTests.Notebook("""{"output_type":"error","ename":"Error","evalue":"CS0103: boom","traceback":[]}"""));

        var (ok, okOut, okErr) = Run("check", clean);
        Assert.True(ok == 0, okOut + okErr);
        Assert.Contains("1 notebooks ok", okOut);

        var (code, stdout, stderr) = Run("check", tmp.Path);
        Assert.Equal(1, code);
        Assert.Contains("broken.ipynb: cell 1: error output Error: CS0103: boom", stderr);
        Assert.Contains("1 of 2 notebooks failed the check", stdout);
    }

    [Fact]
    public void Check_of_a_file_that_is_not_a_notebook_is_one_clear_line()
    {
        using var tmp = new TempDir();
        var path = tmp.File("bad.ipynb");
        File.WriteAllText(path, "not json");
        var (code, _, stderr) = Run("check", path);
        Assert.Equal(1, code);
        Assert.Contains("bad.ipynb: not a notebook (invalid JSON", stderr);
        Assert.DoesNotContain("   at ", stderr);
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
