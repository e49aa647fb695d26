using System.Buffers.Binary;
using Iau.Data;
using Iau.Data.Formats;
using Xunit;
using static Iau.Tests.Data.FormatWriters;

namespace Iau.Tests.Data;

public sealed class SvhnMatReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-svhn-" + Guid.NewGuid().ToString("N"));

    public SvhnMatReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // n = 3 makes an miUINT8 y fit in a "small data element"; n = 5 needs a normal element with padding.
    [Theory]
    [InlineData(false, false, 3)]
    [InlineData(false, true, 3)]
    [InlineData(true, false, 3)]
    [InlineData(true, true, 3)]
    [InlineData(false, true, 5)]
    [InlineData(true, true, 5)]
    [InlineData(true, false, 5)]
    public void Read_RoundTripsExactPixelsAndMapsLabels(bool compressed, bool yAsUInt8, int n)
    {
        double[] y = n == 3 ? [10, 1, 9] : [3, 10, 10, 2, 7];
        var bytes = Mat([Unrelated(), SvhnX(n), Unrelated("z"), SvhnY(y, yAsUInt8)], compressed);
        var path = Path.Combine(_dir, "train_32x32.mat");
        File.WriteAllBytes(path, bytes);

        var samples = SvhnMatReader.Read(path);

        Assert.Equal([3, 32, 32], samples.SampleShape);
        Assert.Equal(ExpectedChw(n, 3, 32, 32), samples.Features);
        Assert.Equal(y.Select(v => v == 10 ? 0 : (int)v), samples.Labels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_NonSeekableShortReads_LabelsBeforeImages(bool compressed)
    {
        var bytes = Mat([SvhnY([5, 10], compactUInt8: true), Unrelated(), SvhnX(2)], compressed);

        var samples = SvhnMatReader.Read(Trickle(bytes), "test_32x32.mat");

        Assert.Equal(ExpectedChw(2, 3, 32, 32), samples.Features);
        Assert.Equal([5, 0], samples.Labels);
    }

    [Fact]
    public void Read_ImagesStoredAsDouble_ConvertsByStorageType()
    {
        var x = SvhnX(2);
        var data = new byte[x.Data.Length * 8];
        for (var i = 0; i < x.Data.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), x.Data[i]);
        }

        var bytes = Mat([x with { StorageType = MiDouble, Data = data }, SvhnY([1, 2])], compressed: false);

        var samples = SvhnMatReader.Read(new MemoryStream(bytes), "x.mat");

        Assert.Equal(ExpectedChw(2, 3, 32, 32), samples.Features);
    }

    [Fact]
    public void Read_SingleImageWithTrailingSingletonDropped_Works()
    {
        var bytes = Mat([SvhnX(1, dims: [32, 32, 3]), SvhnY([4])], compressed: true);

        var samples = SvhnMatReader.Read(new MemoryStream(bytes), "one.mat");

        Assert.Equal(ExpectedChw(1, 3, 32, 32), samples.Features);
        Assert.Equal([4], samples.Labels);
    }

    [Fact]
    public void Read_MissingFile_Throws()
    {
        var path = Path.Combine(_dir, "extra_32x32.mat");

        var e = Assert.Throws<DataFormatException>(() => SvhnMatReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        AssertFails([], "empty");
    }

    [Fact]
    public void Read_BadHeaderText_Throws()
    {
        var bytes = Mat([SvhnX(1), SvhnY([1])], false, MatHeader(text: "NOT A MAT FILE"));

        AssertFails(bytes, "bad header", "MATLAB 5.0 MAT-file");
    }

    [Fact]
    public void Read_Version73_Throws()
    {
        var bytes = Mat([], false, MatHeader(text: "MATLAB 7.3 MAT-file, Platform: GLNXA64", version: 0x0200));

        AssertFails(bytes, "7.3");
    }

    [Fact]
    public void Read_BigEndian_Throws()
    {
        AssertFails(Mat([SvhnX(1), SvhnY([1])], false, MatHeader(endian: "MI")), "big-endian");
    }

    [Fact]
    public void Read_BadVersion_Throws()
    {
        AssertFails(Mat([SvhnX(1), SvhnY([1])], false, MatHeader(version: 0x0300)), "version 0x0300");
    }

    [Fact]
    public void Read_TruncatedHeader_Throws()
    {
        AssertFails(MatHeader()[..100], "truncated header", "expected 128 bytes, got 100");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_MissingX_Throws(bool compressed)
    {
        AssertFails(Mat([Unrelated(), SvhnY([1, 2])], compressed), "no variable 'X'");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_MissingY_Throws(bool compressed)
    {
        AssertFails(Mat([SvhnX(2), Unrelated()], compressed), "no variable 'y'");
    }

    [Fact]
    public void Read_DuplicateX_Throws()
    {
        AssertFails(Mat([SvhnX(1), SvhnX(1), SvhnY([1])], true), "'X' appears more than once");
    }

    [Fact]
    public void Read_WrongImageDims_Throws()
    {
        // Same number of bytes as two 32×32×3 images, but declared as six single-channel images.
        var x = SvhnX(2) with { Dims = [32, 32, 1, 6] };

        AssertFails(Mat([x, SvhnY([1, 2, 3, 4, 5, 6])], false), "[32, 32, 1, 6]", "expected [32, 32, 3, N]");
    }

    [Fact]
    public void Read_DimsDisagreeWithDataSize_Throws()
    {
        var x = SvhnX(2) with { Dims = [32, 32, 3, 3] };

        AssertFails(Mat([x, SvhnY([1, 2, 3])], false), "variable 'X'", "expected 9216");
    }

    [Fact]
    public void Read_WrongLabelDims_Throws()
    {
        var y = SvhnY([1, 2, 3, 4]) with { Dims = [2, 2] };

        AssertFails(Mat([SvhnX(4), y], false), "'y' has dimensions [2, 2]");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_CountMismatch_Throws(bool compressed)
    {
        AssertFails(Mat([SvhnX(3), SvhnY([1, 2, 3, 4])], compressed), "3 images", "4 labels");
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(11.0, false)]
    [InlineData(1.5, false)]
    [InlineData(0.0, true)]
    [InlineData(200.0, true)]
    public void Read_LabelOutOfRange_NamesIndexAndValue(double bad, bool yAsUInt8)
    {
        var bytes = Mat([SvhnX(3), SvhnY([1, bad, 2], yAsUInt8)], compressed: false);
        var shown = bad.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        AssertFails(bytes, "'y' element 2", $"is {shown}", "1..10");
    }

    [Fact]
    public void Read_ImageValueNotAByte_Throws()
    {
        var x = SvhnX(1);
        var data = new byte[x.Data.Length * 8];
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * 33), 256); // row 2, column 2, channel 1

        var bytes = Mat([x with { StorageType = MiDouble, Data = data }, SvhnY([1])], compressed: false);

        AssertFails(bytes, "row 2, column 2, channel 1, image 1", "is 256");
    }

    [Fact]
    public void Read_UnsupportedStorageType_Throws()
    {
        var x = SvhnX(1) with { StorageType = 16 };

        AssertFails(Mat([x, SvhnY([1])], false), "unsupported type miUTF8");
    }

    [Fact]
    public void Read_NonNumericClass_Throws()
    {
        var x = SvhnX(1) with { MxClass = 4 };

        AssertFails(Mat([x, SvhnY([1])], false), "class 4 (char)");
    }

    [Fact]
    public void Read_UnexpectedTopLevelElement_Throws()
    {
        using var stream = new MemoryStream();
        stream.Write(MatHeader());
        WriteElement(stream, MiDouble, new byte[16]);

        AssertFails(stream.ToArray(), "unexpected top-level data element of type miDOUBLE");
    }

    [Theory]
    [InlineData(false, 2000)]
    [InlineData(false, 128 + 8 + 40)]
    [InlineData(false, 131)]
    [InlineData(true, 300)]
    [InlineData(true, 137)]
    public void Read_Truncated_Throws(bool compressed, int keep)
    {
        var bytes = Mat([SvhnX(2), SvhnY([1, 2])], compressed);

        AssertFails(bytes[..keep], "truncated");
    }

    [Fact]
    public void Read_TruncatedAfterAllVariables_Throws()
    {
        // The last element's declared size runs past the end of the file even though X and y were read.
        var bytes = Mat([SvhnX(2), SvhnY([1, 2]), Unrelated()], compressed: true);

        AssertFails(bytes[..^5], "truncated");
    }

    [Fact]
    public void Read_CorruptZlib_Throws()
    {
        var bytes = Mat([SvhnX(2), SvhnY([1, 2])], compressed: true);
        for (var i = 128 + 8 + 2; i < 128 + 8 + 40; i++)
        {
            bytes[i] = 0xFF;
        }

        AssertFails(bytes, "corrupt zlib");
    }

    private static void AssertFails(byte[] bytes, params string[] fragments)
    {
        var e = Assert.Throws<DataFormatException>(() => SvhnMatReader.Read(new MemoryStream(bytes), "svhn.mat"));

        Assert.Equal("svhn.mat", e.File);
        Assert.StartsWith("svhn.mat: ", e.Message);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, e.Problem);
        }
    }
}
