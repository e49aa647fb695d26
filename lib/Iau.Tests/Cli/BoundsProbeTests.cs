using System.Globalization;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>
/// Resource options with absurd values are refused when the command line is read, before any work: exit 2, one
/// line naming the option, the value, the bound and why. (issue 25: `--threads 100000` took a machine down,
/// `audit --pool 1000000` hung.) Every probe points the data at a folder that does not exist and the outputs into
/// an empty folder: an error about anything but the option, or a file written, would mean work had started.
/// </summary>
public sealed class BoundsProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    private static int MaxThreads => 4 * Environment.ProcessorCount;

    private static string Cores => string.Create(CultureInfo.InvariantCulture, $"at most {MaxThreads} (4 × {Environment.ProcessorCount} cores)");

    private string[] NoData => ["--data-path", tmp.File("no-data-here"), "--no-download"];

    // tune and audit take no --no-download: a --data-path that does not exist is never downloaded into.
    private string[] NoPath => ["--data-path", tmp.File("no-data-here")];

    /// <summary>Asserts the refusal, and that nothing was written in the probe's folder.</summary>
    private string Refused(string[] args, params string[] names)
    {
        var line = CliProbe.Fails(CliRunner.Run(args), 2, names);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
        return line;
    }

    [Fact]
    public void Train_threads_100000_is_refused_before_any_thread_starts()
    {
        var line = Refused(["train", "--threads", "100000", "--out", tmp.File("m.ckpt"), .. NoData], "--threads 100000", Cores, "IAU_UNBOUNDED=1");
        Assert.Contains("contend", line);
        Refused(["train", "--threads", "0", "--out", tmp.File("m.ckpt"), .. NoData], "--threads 0", "at least 1");
        Refused(["data", "describe", "fashion-mnist", "--threads", "-3", .. NoData], "--threads -3");
    }

    [Fact]
    public void Workers_are_bounded_in_reproduce_audit_and_bench()
    {
        var big = (MaxThreads + 1).ToString(CultureInfo.InvariantCulture);
        Refused(["reproduce", "--profile", "smoke", "--workers", "1000000", "--out", tmp.File("r")], "--workers 1000000", Cores, "IAU_UNBOUNDED=1");
        Refused(["reproduce", "--profile", "smoke", "--workers", big, "--out", tmp.File("r")], $"--workers {big}", Cores);
        Refused(["reproduce", "--profile", "smoke", "--workers", "-1", "--out", tmp.File("r")], "--workers -1", "0 (one per core)");
        Refused(["audit", "--workers", "-1", "--out", tmp.File("a"), .. NoPath], "--workers -1", "0 (one per core)");
        Refused(["audit", "--workers", big, "--out", tmp.File("a"), .. NoPath], $"--workers {big}", Cores);
        Refused(["bench", "train", "--pool-workers", "1000000"], "--pool-workers 1000000", Cores);
    }

    [Fact]
    public void Audit_pool_is_bounded_both_ways()
    {
        Refused(["audit", "--pool", "1000000", "--out", tmp.File("a"), .. NoPath], "--pool 1000000", "at most 2048", "full training", "IAU_UNBOUNDED=1");
        Refused(["audit", "--pool", "3", "--out", tmp.File("a"), .. NoPath], "--pool 3", "at least 6");
    }

    [Fact]
    public void Tune_trials_budgets_and_guards_are_checked_at_parse_time()
    {
        string[] Tune(params string[] more) =>
            ["tune", "--method", "ssd", "--journal", tmp.File("j.jsonl"), "--recipes", tmp.File("recipes"), "--cache", tmp.File("cache"), .. NoPath, .. more];
        Refused(Tune("--budget", "1000000"), "--budget 1000000", "at most 1000", "IAU_UNBOUNDED=1");
        Refused(Tune("--budget", "0"), "--budget 0", "at least one trial");
        Refused(Tune("--max-seconds", "-1"), "--max-seconds -1", "positive number of seconds");
        Refused(Tune("--max-seconds", "NaN"), "--max-seconds NaN", "positive number of seconds");
        Refused(Tune("--max-seconds", "0"), "--max-seconds 0");
        Refused(Tune("--max-seconds", "1e300"), "--max-seconds 1E+300", "30 days");
        Refused(Tune("--guard", "NaN"), "--guard NaN", "[0, 1]");
        Refused(Tune("--guard", "-1"), "--guard -1", "[0, 1]");
        Refused(Tune("--guard", "2"), "--guard 2", "[0, 1]");
        Refused(Tune("--seeds", string.Empty), "--seeds ''", "empty seed");
        Refused(Tune("--seeds", "100,x"), "--seeds '100,x'", "'x' is not an integer");
        Refused(Tune("--seeds", "100,100"), "seed 100 given more than once");
        Refused(Tune("--forget-ratio", "1.5"), "--forget-ratio 1.5", "(0, 1)");
    }

    [Fact]
    public void Notebooks_check_refuses_a_negative_output_limit()
    {
        var nb = tmp.File("nb.ipynb");
        File.WriteAllText(nb, """{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}""");
        CliProbe.Fails(CliRunner.Run("notebooks", "check", nb, "--max-output-bytes", "-1"), 2, "--max-output-bytes -1");
    }

    [Fact]
    public void The_bounds_are_lifted_only_by_the_documented_variable()
    {
        Iau.Cli.Bounds.Threads(MaxThreads + 1, lifted: true);
        Iau.Cli.Bounds.Workers(MaxThreads + 1, "--workers", lifted: true);
        Iau.Cli.Bounds.Seconds(1e9, "--max-seconds", lifted: true);

        // Ranges are not bounds: no variable makes a negative count or NaN valid.
        Assert.Throws<Iau.Cli.UsageException>(() => Iau.Cli.Bounds.Threads(0, lifted: true));
        Assert.Throws<Iau.Cli.UsageException>(() => Iau.Cli.Bounds.Workers(-1, "--workers", lifted: true));
        Assert.Throws<Iau.Cli.UsageException>(() => Iau.Cli.Bounds.Seconds(double.NaN, "--max-seconds", lifted: true));
        Assert.Equal("IAU_UNBOUNDED", Iau.Cli.Bounds.OverrideVariable);
    }
}
