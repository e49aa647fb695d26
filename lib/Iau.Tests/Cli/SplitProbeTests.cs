using System.Text.Json.Nodes;
using Iau.Data;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>Bad splits and forget requests: refused early with one line, never accepted silently.</summary>
public sealed class SplitProbeTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string data;

    public SplitProbeTests()
    {
        data = Path.Combine(tmp.Path, "data");
        FakeFashionMnist.Write(data, train: 200, test: 30);
    }

    public void Dispose() => tmp.Dispose();

    private string[] Describe(params string[] more) => ["data", "describe", "fashion-mnist", "--data-path", data, "--no-verify", "--no-download", .. more];

    private string SavedSplit()
    {
        var path = tmp.File("split.json");
        Assert.Equal(0, CliRunner.Run(Describe("--save-split", path)).Code);
        return path;
    }

    [Theory]
    [InlineData("train")]
    [InlineData("valid")]
    [InlineData("forget")]
    public void Split_file_with_a_duplicate_index_is_refused(string field)
    {
        var path = SavedSplit();
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var rows = json[field]!.AsArray();
        rows.Add(rows[0]!.GetValue<int>());
        File.WriteAllText(path, json.ToJsonString());
        CliProbe.Fails(CliRunner.Run(Describe("--split", path)), 1, path, $"{field} lists an index more than once");
    }

    [Theory]
    [InlineData("forgetClass", "99", "Class", "field forgetClass is 99")]
    [InlineData("forgetClass", "null", "Class", "field forgetClass is missing")]
    [InlineData("officialTrainCount", "60000", null, "field officialTrainCount is 60000")]
    [InlineData("testCount", "7", null, "field testCount is 7")]
    [InlineData("forgetRatio", "2", "Ratio", "field forgetRatio is 2")]
    public void Split_file_whose_fields_do_not_fit_the_data_names_the_field(string field, string value, string? mode, string message)
    {
        // Hand-edited fields of a split whose fingerprint still matches: "Index was out of range" before issue 25.
        var path = SavedSplit();
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json[field] = JsonNode.Parse(value);
        if (mode is not null)
        {
            json["forgetMode"] = mode;
        }

        File.WriteAllText(path, json.ToJsonString());
        CliProbe.Fails(CliRunner.Run(Describe("--split", path)), 1, path, message);
    }

    [Fact]
    public void Forget_set_that_leaves_no_retain_set_is_refused_early()
    {
        CliProbe.Fails(CliRunner.Run(Describe("--forget-ratio", "0.99999")), 1, "forget ratio 0.99999", "no retain set");
        var path = SavedSplit();
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["forget"] = JsonNode.Parse(json["train"]!.ToJsonString());
        File.WriteAllText(path, json.ToJsonString());
        CliProbe.Fails(CliRunner.Run(Describe("--split", path)), 1, path, "no retain set");
    }

    [Fact]
    public void Options_a_split_file_makes_meaningless_are_usage_errors()
    {
        var path = SavedSplit();
        CliProbe.Fails(CliRunner.Run(Describe("--split", path, "--forget-class", "3")), 2, "--forget-class", path);
        CliProbe.Fails(CliRunner.Run(Describe("--split", path, "--split-seed", "7")), 2, "--split-seed");
        CliProbe.Fails(CliRunner.Run(Describe("--forget-class", "3", "--forget-seed", "2")), 2, "--forget-seed");
        CliProbe.Fails(CliRunner.Run(Describe("--forget-class", "1", "--forget-ratio", "0.1")), 2, "at most one");
    }

    [Fact]
    public void Train_with_a_tiny_limit_does_not_fail_on_the_forget_set_it_does_not_use()
    {
        var r = CliRunner.Run("train", "--model", "logreg", "--limit", "10", "--max-epochs", "1", "--out", tmp.File("m.ckpt"),
            "--data-path", data, "--no-verify", "--no-download", "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("forget set has no samples among the first 10", r.Err);
        var split = DataSplit.Load(tmp.File("m.ckpt.split.json"));
        Assert.Equal(10, split.Train.Length);
        Assert.Empty(split.Forget);

        // Unlearning it then asks for a forget set, before any work.
        CliProbe.Fails(CliRunner.Run("unlearn", "--model", tmp.File("m.ckpt"), "--data-path", data, "--no-verify", "--threads", "1"), 1, "forget set is empty");
    }

    [Fact]
    public void Forget_indices_outside_a_limited_subset_are_not_called_validation_samples()
    {
        var labels = FakeFashionMnist.Labels(200).Select(b => (int)b).ToArray();
        var full = DataSplit.Create("fashion-mnist", "fp", labels, 30, 10, new SplitOptions());
        var limited = full.Limit(20, 5, labels, 10);
        var outside = full.Train[50];
        var valid = full.Valid[0];
        var e = Assert.Throws<ArgumentException>(() => limited.WithForget(ForgetRequest.FromIndices([outside]), labels, 10));
        Assert.Contains("outside this split's 20 training samples", e.Message);
        Assert.DoesNotContain("validation", e.Message);
        var v = Assert.Throws<ArgumentException>(() => limited.WithForget(ForgetRequest.FromIndices([valid]), labels, 10));
        Assert.Contains("1 are validation samples", v.Message);
    }
}
