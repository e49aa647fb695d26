using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Iau.Cli.Infrastructure;
using Iau.Experiments;
using Iau.Tests.Data;
using Xunit.Abstractions;

namespace Iau.Tests.Cluster;

/// <summary>
/// A test on a real one-node Slurm cluster (scripts/slurm/local-cluster): runs where the test process is root on
/// Linux with the Slurm packages installed or apt-get to install them, the Fashion-MNIST files and a built
/// `iau`; skipped, with the reason, anywhere else. IAU_SLURM_TEST=0 skips it too. CI (.ci/run) runs it.
/// </summary>
public sealed class SlurmClusterFactAttribute : FactAttribute
{
    public SlurmClusterFactAttribute()
    {
        if (SlurmClusterTests.WhyNot() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The Slurm test runs alone: its jobs use every core, and its wall times are reported.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SlurmCollection
{
    public const string Name = "Slurm cluster";
}

/// <summary>
/// The kit's Slurm scripts on a real cluster: <c>scripts/slurm/submit</c> with reproduce.sbatch and audit.sbatch,
/// against one-process runs of the same work, on a one-node Slurm brought up and taken down by
/// <c>scripts/slurm/local-cluster</c> (its own state folder and ports, so a cluster already running here is left alone).
/// </summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmClusterTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir tmp = new();

    private static string? Repo { get; } = FindRepo();

    private static string Scripts => Path.Combine(Repo!, "scripts", "slurm");

    /// <summary>The `iau` of the test's own build configuration (IAU overrides).</summary>
    private static string Iau => Environment.GetEnvironmentVariable("IAU") is { Length: > 0 } iau ? iau
        : Path.Combine(Repo ?? ".", "lib", "Iau.Cli", "bin", Configuration, "net10.0", "linux-x64", "iau");

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public void Dispose() => tmp.Dispose();

    /// <summary>Why the test cannot run here; null when it can.</summary>
    internal static string? WhyNot()
    {
        if (Environment.GetEnvironmentVariable("IAU_SLURM_TEST") == "0")
        {
            return "IAU_SLURM_TEST=0";
        }

        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux: the local cluster is slurm-wlm and munge from Debian packages";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root: scripts/slurm/local-cluster starts munged, slurmctld and slurmd (and installs slurm-wlm munge with apt)";
        }

        var installed = File.Exists("/usr/sbin/slurmctld") && File.Exists("/usr/sbin/slurmd") && File.Exists("/usr/sbin/munged");
        if (!installed && !File.Exists("/usr/bin/apt-get"))
        {
            return "slurm-wlm and munge are not installed and there is no apt-get to install them";
        }

        if (Repo is null)
        {
            return "the repository (Iau.Research.sln) is not above the test's folder";
        }

        if (!Directory.Exists(RealFashionMnistFactAttribute.Folder) && !Directory.Exists(Path.Combine(Repo, "data", "fashion-mnist")))
        {
            return $"{RealFashionMnistFactAttribute.Folder} not present (apt-get install dataset-fashion-mnist)";
        }

        return File.Exists(Iau) ? null : $"{Iau} not built (dotnet build -c {Configuration})";
    }

    /// <summary>
    /// Brings up the cluster; runs the smoke profile once in one process; submits it as a 2-task array plus its merge
    /// job, cancels task 2 midway (scancel of that index), resubmits index 2 with a new merge job, and checks that
    /// the task resumed (the rows it had written are kept, not recomputed) and that the merged rows equal the
    /// one-process rows cell for cell (timings aside); then the smoke-size audit split over 2 tasks against a
    /// one-process audit; then takes the cluster down and checks that none of its daemons is left.
    /// The wall times of each step are written to the test output.
    /// </summary>
    [SlurmClusterFact]
    public void Reproduce_and_audit_as_Slurm_arrays_equal_one_process_runs_and_a_cancelled_task_resumes()
    {
        var clusterEnv = new Dictionary<string, string>
        {
            ["IAU_SLURM_STATE"] = tmp.File("cluster"),
            ["IAU_SLURM_PORT"] = Environment.GetEnvironmentVariable("IAU_SLURM_TEST_PORT") ?? "6917",
            ["SLURM_CONF"] = Path.Combine(tmp.File("cluster"), "slurm.conf"),
            ["IAU"] = Iau,
            ["POLL"] = "2",
        };
        var times = new List<(string Step, double Seconds)>();
        T Timed<T>(string step, Func<T> f)
        {
            var clock = Stopwatch.StartNew();
            var result = f();
            times.Add((step, clock.Elapsed.TotalSeconds));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[time] {step}: {clock.Elapsed.TotalSeconds:F1} s"));
            return result;
        }

        var started = false;
        try
        {
            Timed("cluster start", () => Bash(clusterEnv, Path.Combine(Scripts, "local-cluster"), "start"));
            started = true;

            // (a) + (c): the smoke profile, one process, then as an array with one task cancelled and resubmitted.
            var reference = tmp.File("reproduce-one-process");
            Timed("reproduce smoke, one process", () => Bash(clusterEnv, Iau, "reproduce", "--profile", "smoke", "--out", reference, "--no-figures"));
            var arrayOut = tmp.File("reproduce-array");
            var (kept, resumedLog) = Timed("reproduce smoke, 2-task array + merge, task 2 cancelled and resubmitted", () => ReproduceWithACancelledTask(clusterEnv, arrayOut));
            var merged = ResultsStore.Read(Path.Combine(arrayOut, "results.jsonl"));
            AssertSameRows(ResultsStore.Read(Path.Combine(reference, "results.jsonl")), merged);
            var shard2 = ResultsStore.Read(Path.Combine(arrayOut, "results.shard-2-of-2.jsonl")).ToDictionary(r => r.Key);
            Assert.All(kept, r => Assert.Equal(r.CreatedUtc, shard2[r.Key].CreatedUtc)); // kept as they were, not recomputed
            var summary = Regex.Match(resumedLog, @"(\d+) cells: (\d+) run, (\d+) done before");
            Assert.True(summary.Success, $"no summary line in the resubmitted task's log:\n{Tail(resumedLog)}");
            var (cells, ran, before) = (int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(summary.Groups[3].Value, CultureInfo.InvariantCulture));
            Assert.True(before > 0 && ran > 0 && ran + before == cells, $"the resubmitted task did not resume: {summary.Value}");
            Assert.True(File.Exists(Path.Combine(arrayOut, "figures", "README.md")), "the merge job wrote no figures");

            // (b): the smoke-size audit, one process, then split over 2 tasks plus its merge job.
            var auditReference = tmp.File("audit-one-process");
            Timed("audit smoke, one process", () => Bash(clusterEnv, Iau, "audit", "--profile", "smoke", "--out", auditReference, "--no-figures"));
            var auditOut = tmp.File("audit-array");
            Timed("audit smoke, 2-task array + merge", () => Bash(clusterEnv, Path.Combine(Scripts, "submit"), "audit", "--profile", "smoke", "--shards", "2", "--out", auditOut, "--wait"));
            AssertSameAudit(Path.Combine(auditReference, "audit.json"), Path.Combine(auditOut, "audit.json"));
        }
        finally
        {
            if (started || Directory.Exists(tmp.File("cluster")))
            {
                Timed("cluster stop", () => Bash(clusterEnv, Path.Combine(Scripts, "local-cluster"), "stop"));
                var status = Run(clusterEnv, Path.Combine(Scripts, "local-cluster"), "status");
                output.WriteLine(status.Output);
                Assert.Equal(3, status.Code); // down: neither daemon it started is left
            }
        }

        output.WriteLine(string.Join(Environment.NewLine, times.Select(t => string.Create(CultureInfo.InvariantCulture, $"| {t.Step} | {t.Seconds / 60:F1} min |"))));
    }

    /// <summary>
    /// Submits the smoke profile as 2 tasks plus the merge job, cancels task 2 once it has written some rows,
    /// resubmits index 2 with a new merge job (after task 1 too) and waits; returns the rows task 2 had written
    /// and the resubmitted task's log.
    /// </summary>
    private (IReadOnlyList<ResultRow> Kept, string Log) ReproduceWithACancelledTask(Dictionary<string, string> env, string outDir)
    {
        var submit = Path.Combine(Scripts, "submit");
        var first = Ids(Bash(env, submit, "reproduce", "--profile", "smoke", "--shards", "2", "--out", outDir));
        var shard2 = Path.Combine(outDir, "results.shard-2-of-2.jsonl");
        var task2 = $"{first["array"]}_2";
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(shard2) || ResultsStore.Read(shard2).Count < 8)
        {
            Assert.True(State(env, task2) is "PENDING" or "RUNNING", $"task {task2} ended ({State(env, task2)}) before it could be cancelled midway");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(20), $"task {task2} wrote fewer than 8 rows in 20 minutes");
            Thread.Sleep(1000);
        }

        Bash(env, "scancel", task2);
        while (State(env, task2) is "RUNNING" or "COMPLETING")
        {
            Thread.Sleep(500);
        }

        Assert.Equal("CANCELLED", State(env, task2));
        var kept = ResultsStore.Read(shard2);
        output.WriteLine($"task {task2} cancelled after {kept.Count} rows; merge job {first["merge"]}: {State(env, first["merge"])} ({Reason(env, first["merge"])})");
        Bash(env, "scancel", first["merge"]); // it can never start now (afterok on a cancelled task)

        var again = Ids(Bash(env, submit, "reproduce", "--profile", "smoke", "--shards", "2", "--out", outDir, "--indices", "2", "--after", $"{first["array"]}_1"));
        Bash(env, Path.Combine(Scripts, "wait-jobs"), $"{first["array"]}_1", again["array"], again["merge"]);
        var log = File.ReadAllText(Directory.GetFiles(Path.Combine(outDir, "logs"), $"iau-reproduce-{again["array"]}_2.out").Single());
        output.WriteLine(log.Split('\n').LastOrDefault(l => l.Contains(" cells: ", StringComparison.Ordinal)) ?? log);
        return (kept, log);
    }

    /// <summary>Equal keys and config hashes, and per row equal metrics (bit for bit, timings aside) and notes.</summary>
    private static void AssertSameRows(IReadOnlyList<ResultRow> expected, IReadOnlyList<ResultRow> actual)
    {
        Assert.Equal(expected.Select(r => r.Key).Order(StringComparer.Ordinal), actual.Select(r => r.Key).Order(StringComparer.Ordinal));
        var byKey = actual.ToDictionary(r => r.Key);
        foreach (var e in expected)
        {
            var a = byKey[e.Key];
            Assert.Equal(e.ConfigHash, a.ConfigHash);
            Assert.Equal(e.Metrics.Keys.Order(StringComparer.Ordinal), a.Metrics.Keys.Order(StringComparer.Ordinal));
            foreach (var (k, v) in e.Metrics.Where(kv => !ResultRow.IsTiming(kv.Key)))
            {
                Assert.True(v.Equals(a.Metrics[k]), $"{e.Key} {k}: {v} in one process, {a.Metrics[k]} from the array");
            }

            Assert.Equal(e.Notes.OrderBy(n => n.Key, StringComparer.Ordinal), a.Notes.OrderBy(n => n.Key, StringComparer.Ordinal));
        }
    }


    /// <summary>The audits' rows (audit.json) are equal but for their Seconds.</summary>
    private static void AssertSameAudit(string expectedPath, string actualPath)
    {
        static JsonElement Rows(string path)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("Rows").Clone();
        }

        var expected = Rows(expectedPath);
        var actual = Rows(actualPath);
        Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
        Assert.True(expected.GetArrayLength() > 2, "the audit has no method rows");
        foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
        {
            var name = e.GetProperty("Name").GetString();
            Assert.Equal(name, a.GetProperty("Name").GetString());
            var ep = e.EnumerateObject().Where(p => p.Name != "Seconds").ToList();
            var ap = a.EnumerateObject().Where(p => p.Name != "Seconds").ToList();
            Assert.Equal(ep.Select(p => p.Name), ap.Select(p => p.Name));
            foreach (var (x, y) in ep.Zip(ap))
            {
                Assert.True(x.Value.GetRawText() == y.Value.GetRawText(), $"audit row {name}, {x.Name}: {Short(x.Value)} in one process, {Short(y.Value)} from the array");
            }
        }
    }

    private static string Short(JsonElement e) => e.GetRawText() is { Length: > 120 } s ? s[..120] + "…" : e.GetRawText();

    private static Dictionary<string, string> Ids(string submitOutput) =>
        submitOutput.Split('\n').Select(l => l.Trim().Split('=', 2)).Where(p => p.Length == 2 && p[0] is "array" or "merge").ToDictionary(p => p[0], p => p[1]);

    /// <summary>A job's (or array task's) state as the controller has it ("" when unknown).</summary>
    private static string State(Dictionary<string, string> env, string job) => Squeue(env, job, "%T");

    private static string Reason(Dictionary<string, string> env, string job) => Squeue(env, job, "%r");

    private static string Squeue(Dictionary<string, string> env, string job, string format) =>
        Run(env, "squeue", "-h", "-t", "all", "-j", job, "-o", format).Output.Trim();

    /// <summary>Runs a command; fails the test (with its output) unless it exits 0; returns stdout.</summary>
    private string Bash(Dictionary<string, string> env, string file, params string[] args)
    {
        var r = Run(env, file, args);
        if (r.Code != 0)
        {
            output.WriteLine(r.Output + r.Error);
        }

        Assert.True(r.Code == 0, $"{Path.GetFileName(file)} {string.Join(' ', args)}: exit {r.Code}\n{Tail(r.Output + r.Error)}");
        return r.Output;
    }

    private static string Tail(string s) => s.Length > 4000 ? "…" + s[^4000..] : s;

    /// <summary>Runs a command in the repository with <paramref name="env"/> added to this environment, without a time limit (the cluster's jobs bound themselves).</summary>
    private static (int Code, string Output, string Error) Run(Dictionary<string, string> env, string file, params string[] args)
    {
        using var p = ChildProcess.Start(file, args, env.ToDictionary(e => e.Key, e => (string?)e.Value), Repo!);
        p.Wait(Timeout.InfiniteTimeSpan);
        return (p.ExitCode, p.Output, p.Errors);
    }

    private static string? FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Iau.Research.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
