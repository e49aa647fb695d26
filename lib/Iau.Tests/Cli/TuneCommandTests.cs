using System.Text.Json.Nodes;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

public class TuneCommandTests
{
    [Fact]
    public void Tune_writes_a_recipe_resumes_and_refuses_another_search()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(tmp.Path, train: 200, test: 30);
        string[] common =
        [
            "tune", "--method", "ssd", "--dataset", "fashion-mnist", "--model", "logreg", "--data-path", tmp.Path, "--no-verify",
            "--train-limit", "160", "--max-epochs", "1", "--guard", "1", "--journal", tmp.File("j.jsonl"), "--cache", tmp.File("cache"), "--recipes", tmp.File("recipes"),
        ];
        var (code, output, error) = CliRunner.Run([.. common, "--budget", "3"]);
        Assert.True(code == 0, error);
        Assert.Contains("3 trials", output);
        var recipe = JsonNode.Parse(File.ReadAllText(tmp.File("recipes/fashion-mnist-logreg-random-0.05.json")))!;
        Assert.Equal(3, recipe["methods"]!["ssd"]!["trials"]!.GetValue<int>());

        var again = CliRunner.Run([.. common, "--budget", "3"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("resuming after 3 trial(s)", again.Err);

        var other = CliRunner.Run([.. common, "--budget", "4", "--seeds", "101"]);
        Assert.Equal(1, other.Code);
        Assert.Contains("another search", other.Err);
        Assert.DoesNotContain("   at ", other.Err);

        var bad = CliRunner.Run("tune", "--method", "retrain");
        Assert.Equal(1, bad.Code);
        Assert.Contains("declares no", bad.Err);
    }
}
