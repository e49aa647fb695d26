using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>
/// The command line itself wrong: unknown commands and methods, empty or repeated method lists, options for
/// methods that do not run. Exit 2, one line naming the option and the value (docs/reliability.md), before any work.
/// </summary>
public sealed class UsageProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    // tune and audit take no --no-download: a --data-path that does not exist is never downloaded into.
    private string[] NoData => ["--data-path", tmp.File("no-data-here")];

    [Fact]
    public void Help_is_a_command_and_an_unknown_command_is_one_line_naming_it()
    {
        var help = CliRunner.Run("help");
        Assert.True(help.Code == 0, help.Err);
        Assert.Contains("Usage:", help.Out);
        Assert.Empty(help.Err);
        var train = CliRunner.Run("help", "train");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("--max-epochs", train.Out);

        var run = CliRunner.Run("notebooks", "run");
        var line = CliProbe.Fails(run, 2, "'run' is not a command of `iau notebooks`", "check, export");
        Assert.DoesNotContain("Required command", run.Err);
        Assert.Contains("usage: iau notebooks --help", run.Err);
        CliProbe.Fails(CliRunner.Run("frobnicate"), 2, "'frobnicate' is not a command of `iau`", "reproduce");
        Assert.StartsWith("error:", line);
    }

    [Theory]
    [InlineData("unlearn", "--method")]
    [InlineData("tune", "--method")]
    [InlineData("audit", "--methods")]
    [InlineData("bench unlearn", "--methods")]
    public void An_unknown_method_name_exits_2_naming_the_option(string command, string option)
    {
        string[] args = command switch
        {
            "unlearn" => ["unlearn", option, "iua", "--model", tmp.File("no-model.ckpt")],
            "tune" => ["tune", option, "iua", "--journal", tmp.File("j.jsonl"), "--recipes", tmp.File("r"), "--cache", tmp.File("c"), .. NoData],
            "audit" => ["audit", option, "iua", "--out", tmp.File("out"), .. NoData],
            _ => [.. command.Split(' '), option, "iua"],
        };
        CliProbe.Fails(CliRunner.Run(args), 2, option, "unknown method 'iua'", "known: retrain, iau");
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Unlearn_methods_of_an_unknown_name_exits_2()
    {
        CliProbe.Fails(CliRunner.Run("unlearn", "methods", "iua"), 2, "unknown method 'iua'");
    }

    [Fact]
    public void Audit_method_lists_are_checked_like_unlearn_and_reproduce()
    {
        string[] Audit(params string[] more) => ["audit", "--out", tmp.File("a"), .. NoData, .. more];
        CliProbe.Fails(CliRunner.Run(Audit("--methods", "iau,iau")), 2, "--methods", "iau given more than once");
        CliProbe.Fails(CliRunner.Run(Audit("--methods", string.Empty)), 2, "--methods ''", "empty method name");
        CliProbe.Fails(CliRunner.Run(Audit("--methods", "iau,,ga")), 2, "--methods 'iau,,ga'", "empty method name");
        CliProbe.Fails(CliRunner.Run(Audit("--option", "iua:lr=0.1")), 2, "--option iua:lr=0.1", "unknown method 'iua'");
        CliProbe.Fails(CliRunner.Run(Audit("--methods", "iau,retrain", "--option", "scrub:epochs=1")), 2, "--option scrub:epochs=1", "scrub is not among --methods (iau,retrain)");
        CliProbe.Fails(CliRunner.Run(Audit("--methods", "scrub", "--option", "scrub:epochs=1", "--option", "scrub:epochs=2")), 2, "scrub:epochs", "more than once");
        CliProbe.Fails(CliRunner.Run(Audit("--option", "scrub-epochs=1")), 2, "--option scrub-epochs=1", "method:key=value");
        CliProbe.Fails(CliRunner.Run(Audit("--design", "c")), 2, "--design c");
        CliProbe.Fails(CliRunner.Run(Audit("--profile", "huge")), 2, "--profile huge");
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Tune_takes_one_method()
    {
        CliProbe.Fails(
            CliRunner.Run("tune", "--method", "ssd,salun", "--journal", tmp.File("j.jsonl"), "--recipes", tmp.File("r"), "--cache", tmp.File("c")),
            2,
            "--method ssd,salun",
            "one method at a time");
    }
}
