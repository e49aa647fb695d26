using Spectre.Console;

namespace Iau.Tests.Cli;

/// <summary>Runs `iau` in-process with captured stdout and stderr, or as a child process (<see cref="Start"/>).</summary>
internal static class CliRunner
{
    /// <summary>
    /// Starts the CLI's apphost beside the test assembly as a child process, for what an in-process run cannot show
    /// (signals, exit codes, the runtime's start-up settings); <paramref name="environment"/> sets (or, with null, removes) variables.
    /// </summary>
    public static Iau.Cli.Infrastructure.ChildProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        Iau.Cli.Infrastructure.ChildProcess.Start(Path.Combine(AppContext.BaseDirectory, "Iau.Cli"), args, environment);

    public static (int Code, string Out, string Err) Run(params string[] args)
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
        var code = Iau.Cli.CliApp.Run(args, console, error);
        return (code, output.ToString(), error.ToString());
    }
}
