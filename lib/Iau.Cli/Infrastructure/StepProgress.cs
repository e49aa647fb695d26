using Spectre.Console;

namespace Iau.Cli;

/// <summary>
/// Progress of long work, shown the way the output allows: in an interactive terminal a live Spectre bar
/// (with finished steps printed above it); otherwise (pipes, logs, CI) no bar at all, only one line per
/// finished step. Get one from <see cref="CliContext.WithProgress{T}"/>.
/// </summary>
internal sealed class StepProgress
{
    private readonly ProgressTask? task;
    private readonly Action<string> line;

    private StepProgress(ProgressTask? task, Action<string> line)
    {
        this.task = task;
        this.line = line;
    }

    /// <summary>Whether a live bar is shown (an interactive ANSI terminal).</summary>
    public bool Live => task is not null;

    /// <summary>Moves the bar (terminal only; nothing is printed otherwise).</summary>
    public void Update(double done, double total, string description)
    {
        if (task is null)
        {
            return;
        }

        if (total > 0)
        {
            task.MaxValue = total;
            task.Value = Math.Min(done, total);
        }

        task.Description = Markup.Escape(Shorten(description, 60));
    }

    /// <summary>A finished step: one line, above the bar in a terminal.</summary>
    public void Finished(string text) => line(text);

    /// <summary>Runs <paramref name="work"/> with a bar in a terminal, or with step lines on <paramref name="lines"/> otherwise.</summary>
    internal static T Run<T>(IAnsiConsole console, TextWriter lines, string title, Func<StepProgress, T> work)
    {
        var caps = console.Profile.Capabilities;
        if (!(caps.Interactive && caps.Ansi))
        {
            return work(new StepProgress(null, lines.WriteLine));
        }

        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(pc =>
            {
                var t = pc.AddTask(Markup.Escape(title), maxValue: 1);
                var result = work(new StepProgress(t, s => console.WriteLine(s)));
                t.Value = t.MaxValue;
                t.StopTask();
                return result;
            });
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
