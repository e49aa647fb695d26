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
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Iau.Cli")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "train", "--model", "mlp", "--max-epochs", "100000", "--patience", "100000", "--out", tmp.File("m.ckpt"), "--data-path", data, "--no-verify", "--no-download", "--threads", "1" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(8)); // past start-up, into the epochs
        Assert.False(p.HasExited, "training ended before the signal");
        using (var kill = Process.Start("kill", ["-TERM", $"{p.Id}"]))
        {
            await kill.WaitForExitAsync();
        }

        var clock = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(limit.Token);
        var (output, errors) = (await stdout, await stderr);
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s\n{output}\n{errors}");
        Assert.Equal(["cancelled (run the same command again to resume)."], CliProbe.ErrorLines(errors));
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }
}
