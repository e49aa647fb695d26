using System.Globalization;
using Iau.Runtime;

namespace Iau.Tests.Runtime;

/// <summary>The guard against TorchSharp's finalizer race (FinalizerGuard): on in the test host, set by the CLI, and holding under the race workload.</summary>
public sealed class FinalizerGuardTests
{
    [Fact]
    public void The_test_host_runs_guarded_from_its_run_settings()
    {
        Assert.True(FinalizerGuard.IsOn, $"{FinalizerGuard.Variable} is not 1 in the test host: lib/Iau.Tests/iau.runsettings was not applied");
        Assert.StartsWith("guarded", IauRuntime.Initialize().Finalizers, StringComparison.Ordinal);
    }

    /// <summary>
    /// Unscoped temporaries, used while another thread collects without pause, give exact results when guarded.
    /// Without the guard this workload usually kills its process within seconds, or else raises a libtorch error
    /// (iau bench finalizers, environment.md), so a lost guard fails this test, most often by crashing the test host.
    /// </summary>
    [Fact]
    public void Unscoped_temporaries_survive_collections_on_another_thread()
    {
        IauRuntime.Initialize();
        var r = FinalizerStress.Run(TimeSpan.FromSeconds(3), 2);
        Assert.True(r.Operations > 100 && r.Collections > 100, $"{r.Operations} iterations, {r.Collections} collections: the workload did not run");
        Assert.Equal((0L, 0L), (r.Wrong, r.Errors));
    }

    /// <summary>The CLI started without the setting starts itself again with it (same arguments, same output streams); one that sets it to 0 keeps that choice.</summary>
    [Theory]
    [InlineData(null, "guarded (DOTNET_JITMinOpts=1)")]
    [InlineData("0", "exposed to TorchSharp's finalizer race")]
    public void The_cli_starts_itself_again_with_the_guard_unless_the_environment_chose(string? value, string expected)
    {
        using var p = Iau.Tests.Cli.CliRunner.Start(["bench", "finalizers", "--this-process", "race", "--seconds", "1"],
            new Dictionary<string, string?> { [FinalizerGuard.Variable] = value, [FinalizerGuard.LegacyVariable] = null });
        Assert.True(p.Wait(TimeSpan.FromMinutes(2)), "the CLI ran for 2 minutes");
        var (output, errors) = (p.Output, p.Errors);
        var lines = output.Split('\n');
        Assert.StartsWith($"finalizers\t0\tguard\t{expected}", lines[0], StringComparison.Ordinal);
        Assert.Equal(value is null, !errors.Contains("note: exposed to TorchSharp's finalizer race", StringComparison.Ordinal));
        if (value is null)
        {
            // Guarded, the workload runs to its end with exact results (unguarded it may die: not asserted).
            Assert.Equal(0, p.ExitCode);
            string Row(string name) => lines.Single(l => l.StartsWith(name + "\t", StringComparison.Ordinal)).Split('\t')[1];
            Assert.True(double.Parse(Row("race workload: iterations"), CultureInfo.InvariantCulture) > 0, output);
            Assert.Equal(("0", "0"), (Row("race workload: wrong results"), Row("race workload: libtorch errors")));
        }
    }
}
