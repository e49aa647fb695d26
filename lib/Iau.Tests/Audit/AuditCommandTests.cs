using Iau.Tests.Cli;
using Iau.Tests.Data;

namespace Iau.Tests.Audit;

public class AuditCommandTests
{
    [Theory]
    [InlineData("--design", "z", "--design z")]
    [InlineData("--pool", "4", "--pool 4")]
    [InlineData("--methods", "nosuch", "nosuch")]
    [InlineData("--option", "scrub", "--option scrub")]
    public void Bad_options_are_usage_errors_with_one_line_naming_them(string option, string value, string named)
    {
        // Exit 2 since issue 25 (the command line itself is wrong, as for unlearn and reproduce; docs/reliability.md).
        using var tmp = new TempDir();
        var (code, _, error) = CliRunner.Run("audit", option, value, "--out", tmp.Path, "--data-path", tmp.Path, "--no-verify");
        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(named, line);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_bad_shard_is_a_usage_error_as_for_reproduce()
    {
        using var tmp = new TempDir();
        var (code, _, error) = CliRunner.Run("audit", "--shard", "3/2", "--out", tmp.Path, "--data-path", tmp.Path, "--no-verify");
        Assert.Equal(2, code);
        Assert.Contains("--shard 3/2", error);
        Assert.DoesNotContain("   at ", error);
    }
}
