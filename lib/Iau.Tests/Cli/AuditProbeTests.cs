using System.Text.Json.Nodes;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>`iau audit`: its output folder is checked first, and a damaged pool record is named with its field (issue 25).</summary>
public sealed class AuditProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Fact]
    public void Out_that_is_a_file_is_refused_naming_the_option()
    {
        var file = tmp.File("afile");
        File.WriteAllText(file, "x");
        CliProbe.Fails(CliRunner.Run("audit", "--out", file, "--data-path", tmp.File("no-data")), 1, file, "(--out) is a file; give a folder");
        Assert.Equal("x", File.ReadAllText(file));
        var merge = tmp.File("not-an-audit");
        CliProbe.Fails(CliRunner.Run("audit", "--out", tmp.File("a"), "--merge", merge, "--data-path", tmp.File("no-data")), 1, "--merge", merge, "no pool/ folder");
        Assert.False(Directory.Exists(tmp.File("a")));
    }

    [Fact]
    public void A_pool_record_with_too_few_values_is_named_with_its_field()
    {
        var data = tmp.File("data");
        CliProbe.WriteLearnable(data, train: 200, test: 40);
        var output = tmp.File("audit");
        string[] args =
        [
            "audit", "--model", "logreg", "--methods", "ga", "--pool", "6", "--train-limit", "160", "--max-epochs", "1", "--forget-ratio", "0.1",
            "--workers", "1", "--no-figures", "--out", output, "--data-path", data, "--no-verify", "--threads", "1",
        ];
        var first = CliRunner.Run(args);
        Assert.True(first.Code == 0, first.Err);

        var record = Directory.GetFiles(Path.Combine(output, "pool"), "*.json").First();
        var json = JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        var confidences = json["Confidences"]!.AsArray();
        var count = confidences.Count;
        confidences.RemoveAt(0);
        File.WriteAllText(record, json.ToJsonString());

        var line = CliProbe.Fails(CliRunner.Run(args), 1, record, "field Confidences", $"holds {count - 1} values", $"the forget set has {count} examples");
        Assert.Contains("delete it", line);
    }

    [Fact]
    public void No_early_stopping_needs_max_epochs_and_is_named_in_the_table()
    {
        CliProbe.Fails(CliRunner.Run("audit", "--no-early-stopping", "--out", tmp.File("a"), "--data-path", tmp.File("no-data")), 2, "--no-early-stopping needs --max-epochs");
        Assert.False(Directory.Exists(tmp.File("a")));

        var data = tmp.File("data");
        CliProbe.WriteLearnable(data, train: 200, test: 40);
        var output = tmp.File("audit");
        var r = CliRunner.Run(
            "audit", "--model", "logreg", "--methods", "ga", "--pool", "6", "--train-limit", "160", "--max-epochs", "2", "--no-early-stopping",
            "--forget-ratio", "0.1", "--workers", "1", "--no-figures", "--out", output, "--data-path", data, "--no-verify", "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("recipe 2 epochs, no early stopping", File.ReadAllText(Path.Combine(output, "audit.md")));
    }
}
