using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>Outputs that cannot be written are refused before any work, with one line naming the path and the option.</summary>
public sealed class OutputProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    // A data path that does not exist: if the output were checked after loading, the error would name the data instead.
    private string[] NoData => ["--data-path", tmp.File("no-data-here"), "--no-download", "--threads", "1"];

    [Fact]
    public void Train_out_that_is_a_folder_is_refused_before_loading_data()
    {
        var folder = tmp.File("folder.ckpt");
        Directory.CreateDirectory(folder);
        CliProbe.Fails(CliRunner.Run(["train", "--out", folder, .. NoData]), 1, folder, "--out", "is a folder");
    }

    [Fact]
    public void Train_out_below_a_file_is_refused()
    {
        var file = tmp.File("plain.txt");
        File.WriteAllText(file, "x");
        var path = Path.Combine(file, "m.ckpt");
        CliProbe.Fails(CliRunner.Run(["train", "--out", path, .. NoData]), 1, path, "is a file, not a folder");
    }

    [Fact]
    public void Train_out_in_a_read_only_folder_is_refused()
    {
        // /proc refuses new files even to root (the tests may run as root, for whom chmod does not protect).
        if (!Directory.Exists("/proc/self"))
        {
            return; // not Linux: no folder is read-only to everyone
        }

        const string path = "/proc/iau-probe/m.ckpt";
        CliProbe.Fails(CliRunner.Run(["train", "--out", path, .. NoData]), 1, path, "cannot write in /proc");
    }

    [Fact]
    public void Other_commands_check_their_outputs_first()
    {
        var file = tmp.File("plain.txt");
        File.WriteAllText(file, "x");
        var folder = tmp.File("a-folder");
        Directory.CreateDirectory(folder);
        CliProbe.Fails(CliRunner.Run(["data", "describe", "fashion-mnist", "--save-split", folder, .. NoData]), 1, folder, "--save-split");
        CliProbe.Fails(CliRunner.Run("figures", "--results", tmp.File("r.jsonl"), "--out", file), 1, file, "is a file");
        CliProbe.Fails(CliRunner.Run("reproduce", "--profile", "smoke", "--out", file), 1, file, "is a file");
        CliProbe.Fails(CliRunner.Run("results", "merge", file, "--out", folder), 1, folder, "is a folder");
        CliProbe.Fails(CliRunner.Run("bench", "train", "--markdown", folder), 1, folder, "--markdown");
    }

    [Fact]
    public void Unreadable_data_file_is_named()
    {
        var data = tmp.File("data");
        FakeFashionMnist.Write(data);
        var labels = Path.Combine(data, "train-labels-idx1-ubyte.gz");
        File.Delete(labels);
        Directory.CreateDirectory(labels); // opening it fails as an unreadable file does (EISDIR/EACCES)
        var r = CliRunner.Run("data", "describe", "fashion-mnist", "--data-path", data, "--no-verify", "--no-download");
        CliProbe.Fails(r, 1, "train-labels-idx1-ubyte.gz");
    }

    [Fact]
    public void Usage_errors_exit_2_and_point_to_help()
    {
        var r = CliRunner.Run("train");
        CliProbe.Fails(r, 2, "--out");
        Assert.Contains("usage: iau train --help", r.Err);
        CliProbe.Fails(CliRunner.Run("reproduce", "--profile", "huge"), 2, "--profile huge");
        CliProbe.Fails(CliRunner.Run("reproduce", "--shard", "3/2"), 2, "--shard 3/2");
    }
}
