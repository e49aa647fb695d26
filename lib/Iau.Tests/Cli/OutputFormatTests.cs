using Iau.Cli;
using Spectre.Console;

namespace Iau.Tests.Cli;

/// <summary>Help keeps its newlines; progress is a live bar in a terminal and one line per finished step in a pipe.</summary>
public sealed class OutputFormatTests
{
    private static IAnsiConsole Console(StringWriter into, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = terminal ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
        Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        Out = new AnsiConsoleOutput(into),
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Help_lists_one_option_per_line(bool terminal)
    {
        var output = new StringWriter();
        var code = CliApp.Run(["train", "--help"], Console(output, terminal), new StringWriter());
        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("--dataset", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("--model", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("--out", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("--dataset", StringComparison.Ordinal) && l.Contains("--model", StringComparison.Ordinal));
        Assert.Contains("Usage:", output.ToString());
    }

    [Fact]
    public void Piped_progress_prints_one_line_per_finished_step_and_no_bar()
    {
        var output = new StringWriter();
        var lines = new StringWriter();
        var result = StepProgress.Run(Console(output, terminal: false), lines, "cells", bar =>
        {
            Assert.False(bar.Live);
            for (var i = 1; i <= 3; i++)
            {
                bar.Update(i - 1, 3, $"cell {i}");
                bar.Update(i - 1, 3, $"cell {i}");
                bar.Finished($"[{i}/3] cell {i}: done");
            }

            return 42;
        });
        Assert.Equal(42, result);
        Assert.Equal(["[1/3] cell 1: done", "[2/3] cell 2: done", "[3/3] cell 3: done"], lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void Terminal_progress_draws_a_bar_with_the_step_lines_above_it()
    {
        var output = new StringWriter();
        var lines = new StringWriter();
        StepProgress.Run(Console(output, terminal: true), lines, "cells", bar =>
        {
            Assert.True(bar.Live);
            bar.Update(1, 2, "cell 1");
            bar.Finished("[1/2] cell 1: done");
            bar.Update(2, 2, "cell 2");
            return 0;
        });
        var text = output.ToString();
        Assert.Contains("[1/2] cell 1: done", text);
        Assert.Contains("100%", text);
        Assert.Contains("━", text); // Spectre's bar
        Assert.Equal(string.Empty, lines.ToString());
    }
}
