using Spectre.Console;

namespace Iau.Tests.Cli;

/// <summary>Runs `iau` in-process with captured stdout and stderr.</summary>
internal static class CliRunner
{
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
