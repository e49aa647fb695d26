using System.Diagnostics;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>SIGTERM (kill, scancel, Slurm's time limit) cancels a long command the way Ctrl+C does: exit 130, one line, a rerun resumes.</summary>
public sealed class SignalProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Fact]
    public async Task Sigterm_cancels_training_with_exit_code_130_and_one_line()
    {
        var data = tmp.File("data");
        CliProbe.WriteLearnable(data);
        using var p = CliRunner.Start(["train", "--model", "mlp", "--max-epochs", "100000", "--patience", "100000", "--out", tmp.File("m.ckpt"), "--data-path", data, "--no-verify", "--no-download", "--threads", "1"]);
        await Task.Delay(TimeSpan.FromSeconds(8)); // past start-up, into the epochs
        Assert.False(p.HasExited, "training ended before the signal");
        using (var kill = Process.Start("kill", ["-TERM", $"{p.Id}"]))
        {
            await kill.WaitForExitAsync();
        }

        var clock = Stopwatch.StartNew();
        Assert.True(p.Wait(TimeSpan.FromMinutes(1)), "still running a minute after SIGTERM");
        var (output, errors) = (p.Output, p.Errors);
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s\n{output}\n{errors}");
        Assert.Equal(["cancelled (run the same command again to resume)."], CliProbe.ErrorLines(errors));
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }
}
