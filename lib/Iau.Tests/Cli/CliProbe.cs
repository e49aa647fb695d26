using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>What every probe of a bad input asserts: the exit code, one clear line naming the file, no stack trace.</summary>
internal static class CliProbe
{
    /// <summary>The error lines of stderr (without notes and data progress lines).</summary>
    public static List<string> ErrorLines(string err) => err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => !l.StartsWith("note:", StringComparison.Ordinal) && !l.StartsWith("verify ", StringComparison.Ordinal)
                    && !l.StartsWith("warning:", StringComparison.Ordinal))
        .ToList();

    /// <summary>Asserts exit code <paramref name="code"/>, no stack trace, and one error line containing every one of <paramref name="names"/>.</summary>
    public static string Fails((int Code, string Out, string Err) r, int code, params string[] names)
    {
        Assert.True(r.Code == code, $"exit {r.Code}, expected {code}; stderr: {r.Err}");
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
        var lines = ErrorLines(r.Err);
        var usageHint = lines.Where(l => l.StartsWith("usage:", StringComparison.Ordinal)).ToList();
        var errors = lines.Except(usageHint).ToList();
        Assert.True(errors.Count == 1, "expected one error line, got:\n" + r.Err);
        Assert.StartsWith("error:", errors[0]);
        foreach (var n in names)
        {
            Assert.Contains(n, errors[0]);
        }

        return errors[0];
    }

    /// <summary>
    /// A Fashion-MNIST-shaped dataset a linear model learns in one epoch: image i has label y = i mod 10 and
    /// lights rows 2y and 2y+1 (the rest is a faint position-dependent texture).
    /// </summary>
    public static void WriteLearnable(string dir, int train = 300, int test = 60)
    {
        Directory.CreateDirectory(dir);
        void Write(string images, string labels, int n, int offset)
        {
            var px = new byte[n * 28 * 28];
            var y = new byte[n];
            for (var i = 0; i < n; i++)
            {
                y[i] = (byte)((i + offset) % 10);
                for (var k = 0; k < 28 * 28; k++)
                {
                    px[(i * 784) + k] = (byte)(k / 28 / 2 == y[i] ? 255 : (k + i) % 7);
                }
            }

            File.WriteAllBytes(Path.Combine(dir, images), FormatWriters.Gzip(FormatWriters.Idx([n, 28, 28], px)));
            File.WriteAllBytes(Path.Combine(dir, labels), FormatWriters.Gzip(FormatWriters.IdxLabels(y)));
        }

        Write("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", train, 0);
        Write("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", test, 3);
    }
}

/// <summary>One small trained logistic-regression checkpoint (and its data) shared by the probe tests of a class.</summary>
public sealed class TrainedCheckpointFixture : IDisposable
{
    private readonly TempDir tmp = new();

    public TrainedCheckpointFixture()
    {
        DataDir = Path.Combine(tmp.Path, "data");
        CliProbe.WriteLearnable(DataDir);
        Model = Path.Combine(tmp.Path, "m.ckpt");
        var r = CliRunner.Run(["train", "--model", "logreg", "--max-epochs", "2", "--out", Model, .. DataArgs]);
        Assert.True(r.Code == 0, r.Err);
    }

    public string DataDir { get; }

    public string Model { get; }

    /// <summary>--data-path … --no-verify --no-download --threads 1.</summary>
    public string[] DataArgs => ["--data-path", DataDir, "--no-verify", "--no-download", "--threads", "1"];

    public string Folder => tmp.Path;

    public void Dispose() => tmp.Dispose();
}
