using Iau.Tests.Data;

namespace Iau.Tests.Cli;

public class DataCommandTests
{
    [Fact]
    public void Describe_reports_counts_and_split_of_a_dataset_folder()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(tmp.Path, train: 200, test: 30);
        var split = tmp.File("split.json");
        var (code, output, error) = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", tmp.Path, "--no-verify", "--no-download", "--save-split", split);
        Assert.True(code == 0, error);
        Assert.Contains("200 training, 30 test", output);
        Assert.Contains("train 160, valid 40, test 30, forget 8", output);
        Assert.Contains("retain 152", output);
        Assert.True(File.Exists(split));

        var again = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", tmp.Path, "--no-verify", "--split", split);
        Assert.Equal(0, again.Code);
        Assert.Contains("forget 8", again.Out);
    }

    [Fact]
    public void Truncated_idx_file_exits_non_zero_naming_the_file()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(tmp.Path);
        var labels = Path.Combine(tmp.Path, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, FormatWriters.Gzip(FormatWriters.IdxLabels(FakeFashionMnist.Labels(20))[..15]));
        var (code, _, error) = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", tmp.Path, "--no-verify");
        Assert.Equal(1, code);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", error);
    }

    [Fact]
    public void Invalid_forget_options_are_rejected_with_a_message()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(tmp.Path);
        var (code, _, error) = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", tmp.Path, "--no-verify", "--forget-class", "12");
        Assert.Equal(1, code);
        Assert.Contains("Forget class 12", error);
        var both = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", tmp.Path, "--no-verify", "--forget-class", "1", "--forget-ratio", "0.1");
        Assert.Equal(2, both.Code); // conflicting options: a usage error
        Assert.Contains("at most one", both.Err);
    }

    [Fact]
    public void List_names_every_dataset()
    {
        var (code, output, _) = CliRunner.Run("data", "list");
        Assert.Equal(0, code);
        foreach (var name in new[] { "fashion-mnist", "mnist", "cifar10", "cifar100", "svhn", "purchase100" })
        {
            Assert.Contains(name, output);
        }
    }

    [RealFashionMnistFact]
    public void Describe_real_fashion_mnist()
    {
        var (code, output, error) = CliRunner.Run("data", "describe", "fashion-mnist", "--no-download");
        Assert.True(code == 0, error);
        Assert.Contains("60,000 training, 10,000 test", output);
        Assert.Contains("1×28×28", output);
        Assert.Contains("classes: 10", output);
        Assert.Contains("checksums: all verified", output);
        Assert.Contains("train 48,000, valid 12,000, test 10,000, forget 2,400", output);
        Assert.Contains("retain 45,600", output);
    }
}
