using Iau.Experiments;
using Iau.Interactive;
using Iau.Tests.Data;

namespace Iau.Tests.Interactive;

/// <summary>The notebooks' one call that runs a profile's experiments refuses what it cannot run before any work (CI executes it under smoke).</summary>
public sealed class ProfileRunsTests
{
    [Fact]
    public void An_unknown_profile_or_no_kind_is_refused_before_anything_is_written()
    {
        using var dir = new TempDir();
        var unknown = Assert.Throws<ArgumentException>(() => ProfileRuns.Run(dir.Path, "quik", [ExperimentKind.Main], TextWriter.Null));
        Assert.Contains("quik", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ProfileRuns.Run(dir.Path, "smoke", [], TextWriter.Null));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
