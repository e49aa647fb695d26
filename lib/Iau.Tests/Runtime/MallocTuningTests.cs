using Iau.Runtime;

namespace Iau.Tests.Runtime;

/// <summary>The malloc settings that keep the pool's workers off page faults are applied on Linux with glibc (CI's machine).</summary>
public sealed class MallocTuningTests
{
    [Fact]
    public void Glibc_takes_the_settings_once_per_process_unless_the_environment_sets_its_own()
    {
        IauRuntime.Initialize();
        var outcome = MallocTuning.Apply();
        if (!OperatingSystem.IsLinux())
        {
            Assert.StartsWith("not Linux", outcome, StringComparison.Ordinal);
            return;
        }

        var own = Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k == "GLIBC_TUNABLES" || (k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_')));
        Assert.Equal(own ? "malloc left to the environment's" : "set: mmap threshold 32 MiB, trim threshold 1024 MiB, top pad 256 MiB", own ? outcome[..32] : outcome);
        Assert.Same(outcome, MallocTuning.Apply()); // once per process
        Assert.Same(outcome, IauRuntime.Initialize().Malloc);
    }
}
