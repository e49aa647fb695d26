using Iau.Data;
using Iau.Data.Formats;
using Xunit;
using static Iau.Tests.Data.FormatWriters;

namespace Iau.Tests.Data;

public sealed class Purchase100ReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-purchase-" + Guid.NewGuid().ToString("N"));

    public Purchase100ReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_File_RoundTripsFeaturesAndMapsLabels()
    {
        var path = Path.Combine(_dir, "dataset_purchase");
        File.WriteAllText(path, Purchase(1, 100, 42));

        var samples = Purchase100Reader.Read(path);

        Assert.Equal([600], samples.SampleShape);
        Assert.Equal([0, 99, 41], samples.Labels);
        Assert.Equal(Expected(3), samples.Features);
    }

    [Fact]
    public void Read_ToleratesWhitespaceCrlfAndTrailingBlankLines()
    {
        var lines = new[] { PurchaseLine(0, 7), PurchaseLine(1, 8) };
        var spaced = " " + lines[1].Replace(",", " , ") + " \t";
        var text = lines[0] + "\r\n" + spaced + "\r\n\r\n  \r\n";

        var samples = Purchase100Reader.Read(new StringReader(text), "p.txt");

        Assert.Equal([6, 7], samples.Labels);
        Assert.Equal(Expected(2), samples.Features);
    }

    [Fact]
    public void Read_NoFinalNewline_Works()
    {
        var samples = Purchase100Reader.Read(new StringReader(PurchaseLine(0, 3)), "p.txt");

        Assert.Equal([2], samples.Labels);
        Assert.Equal(Expected(1), samples.Features);
    }

    [Fact]
    public void Read_MissingFile_Throws()
    {
        var path = Path.Combine(_dir, "missing.txt");

        var e = Assert.Throws<DataFormatException>(() => Purchase100Reader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \r\n")]
    public void Read_Empty_Throws(string text)
    {
        AssertFails(text, "empty");
    }

    [Fact]
    public void Read_TooFewFeatures_NamesLine()
    {
        var text = PurchaseLine(0, 1) + "\n" + PurchaseLine(1, 2)[..^2] + "\n";

        AssertFails(text, "line 2", "found 600 field(s) (599 features)");
    }

    [Fact]
    public void Read_TooManyFeatures_NamesLine()
    {
        AssertFails(PurchaseLine(0, 1) + ",0\n", "line 1", "(601 features)");
    }

    [Fact]
    public void Read_NonIntegerFeature_NamesLineAndColumn()
    {
        var fields = PurchaseLine(0, 1).Split(',');
        fields[4] = "x";

        AssertFails(Purchase(5) + string.Join(",", fields), "line 2, column 5", "'x' is not an integer");
    }

    [Fact]
    public void Read_FeatureNotBinary_NamesLineAndColumn()
    {
        var fields = PurchaseLine(0, 1).Split(',');
        fields[600] = "2";

        AssertFails(string.Join(",", fields), "line 1, column 601", "feature value 2 is not 0 or 1");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-3")]
    public void Read_LabelOutOfRange_Throws(string label)
    {
        var line = label + PurchaseLine(0, 1)[1..];

        AssertFails(line, "line 1, column 1", $"label {label} is outside 1..100");
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("")]
    [InlineData("abc")]
    public void Read_NonIntegerLabel_Throws(string label)
    {
        var line = label + PurchaseLine(0, 1)[1..];

        AssertFails(line, "line 1, column 1", $"label '{label}' is not an integer");
    }

    [Fact]
    public void Read_BlankLineInTheMiddle_Throws()
    {
        AssertFails(Purchase(1) + "\n" + Purchase(2), "line 2", "blank line");
    }

    private static byte[] Expected(int samples)
    {
        var features = new byte[samples * 600];
        for (var i = 0; i < samples; i++)
        {
            for (var j = 0; j < 600; j++)
            {
                features[(i * 600) + j] = PurchaseFeature(i, j) ? (byte)1 : (byte)0;
            }
        }

        return features;
    }

    private static void AssertFails(string text, params string[] fragments)
    {
        var e = Assert.Throws<DataFormatException>(() => Purchase100Reader.Read(new StringReader(text), "p.txt"));

        Assert.Equal("p.txt", e.File);
        Assert.StartsWith("p.txt: ", e.Message);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, e.Problem);
        }
    }
}
