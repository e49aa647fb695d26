using Iau.Data;
using Iau.Data.Formats;
using Xunit;
using static Iau.Tests.Data.FormatWriters;

namespace Iau.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-idx-" + Guid.NewGuid().ToString("N"));

    public IdxReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Read_RawOrGzip_RoundTripsExactPixels(bool gzipImages, bool gzipLabels)
    {
        // Non-square images so a row/column transposition would be caught. Gzip is detected by content:
        // the names say nothing about compression.
        var images = Write("images-idx3-ubyte", IdxImages(3, 4, 5), gzipImages);
        var labels = Write("labels-idx1-ubyte", IdxLabels(7, 0, 9), gzipLabels);

        var samples = IdxReader.Read(images, labels);

        Assert.Equal([1, 4, 5], samples.SampleShape);
        Assert.Equal(ExpectedChw(3, 1, 4, 5), samples.Features);
        Assert.Equal([7, 0, 9], samples.Labels);
    }

    [Fact]
    public void Read_RawFileNamedGz_IsReadAsRaw()
    {
        var images = Write("images.gz", IdxImages(2, 3, 3), gzip: false);
        var labels = Write("labels.gz", IdxLabels(1, 2), gzip: false);

        var samples = IdxReader.Read(images, labels);

        Assert.Equal(ExpectedChw(2, 1, 3, 3), samples.Features);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadArray_NonSeekableShortReads_ReadsAnyRank(bool gzip)
    {
        var data = Enumerable.Range(0, 2 * 3 * 4 * 5).Select(i => (byte)i).ToArray();
        var bytes = Idx([2, 3, 4, 5], data);

        var (dims, read) = IdxReader.ReadArray(Trickle(gzip ? Gzip(bytes) : bytes), "array.idx");

        Assert.Equal([2, 3, 4, 5], dims);
        Assert.Equal(data, read);
    }

    [Fact]
    public void Read_MissingFile_Throws()
    {
        var labels = Write("labels", IdxLabels(1), gzip: false);
        var missing = Path.Combine(_dir, "nope-idx3-ubyte");

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(missing, labels));

        Assert.Contains(missing, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Read_ImagesAndLabelsSwapped_ReportsBadMagic()
    {
        var images = Write("images", IdxImages(2, 3, 3), gzip: false);
        var labels = Write("labels", IdxLabels(1, 2), gzip: false);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(labels, images));

        Assert.Contains(labels, e.Message);
        Assert.Contains("magic", e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void ReadArray_BadMagicBytes_Throws()
    {
        var bytes = Idx([2], [1, 2]);
        bytes[0] = 0x12;

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadArray(new MemoryStream(bytes), "odd.idx"));

        Assert.Contains("odd.idx", e.Message);
        Assert.Contains("bad magic number 0x12000801", e.Message);
    }

    [Fact]
    public void ReadArray_NonByteType_NamesTheType()
    {
        var bytes = Idx([1], [0, 0, 0, 0], type: 0x0D);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadArray(new MemoryStream(bytes), "f.idx"));

        Assert.Contains("f.idx", e.Message);
        Assert.Contains("0x0D", e.Message);
        Assert.Contains("float", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TruncatedData_SaysExpectedAndGot(bool gzip)
    {
        var full = IdxImages(3, 4, 5);
        var images = Write("images", full[..^7], gzip);
        var labels = Write("labels", IdxLabels(1, 2, 3), gzip);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(images, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("expected 60", e.Message);
        Assert.Contains("got 53", e.Message);
    }

    [Fact]
    public void ReadArray_TruncatedHeader_Throws()
    {
        var bytes = Idx([2, 3], new byte[6])[..9];

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadArray(new MemoryStream(bytes), "h.idx"));

        Assert.Contains("h.idx", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("expected 8 bytes of dimensions, got 5", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TrailingBytes_Throws(bool gzip)
    {
        var images = Write("images", IdxImages(2, 3, 3), gzip: false);
        var labels = Write("labels", [.. IdxLabels(1, 2), 0], gzip);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(labels, e.Message);
        Assert.Contains("trailing", e.Message);
    }

    [Fact]
    public void Read_CorruptGzip_Throws()
    {
        var gz = Gzip(IdxImages(2, 3, 3));
        for (var i = 10; i < gz.Length - 8; i++)
        {
            gz[i] = 0xFF;
        }

        var images = Write("images", gz, gzip: false);
        var labels = Write("labels", IdxLabels(1, 2), gzip: false);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(images, e.Message);
        Assert.Contains("corrupt gzip", e.Message);
    }

    [Fact]
    public void Read_TruncatedGzipStream_Throws()
    {
        var gz = Gzip(IdxImages(3, 4, 5));
        var images = Write("images", gz[..(gz.Length / 2)], gzip: false);
        var labels = Write("labels", IdxLabels(1, 2, 3), gzip: false);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(images, e.Message);
    }

    [Theory]
    [InlineData(new[] { 65536, 65536, 65536 })]
    [InlineData(new[] { -1 })]
    [InlineData(new[] { 3, 1 << 30 })]
    public void ReadArray_AbsurdDimensions_Throws(int[] dims)
    {
        var bytes = Idx(dims, new byte[16]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadArray(new MemoryStream(bytes), "big.idx"));

        Assert.Contains("big.idx", e.Message);
        Assert.Contains("absurd dimensions", e.Message);
    }

    [Fact]
    public void ReadArray_HugeDeclaredSizeInSmallGzip_IsTruncatedNotOutOfMemory()
    {
        var gz = Gzip(Idx([1 << 30], new byte[100]));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadArray(new MemoryStream(gz), "g.idx"));

        Assert.Contains("expected 1073741824", e.Message);
        Assert.Contains("got 100", e.Message);
    }

    [Fact]
    public void Read_CountMismatch_NamesBothFiles()
    {
        var images = Write("images", IdxImages(3, 2, 2), gzip: false);
        var labels = Write("labels", IdxLabels(1, 2), gzip: false);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        var images = Write("images", [], gzip: false);
        var labels = Write("labels", IdxLabels(1), gzip: false);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Contains(images, e.Message);
        Assert.Contains("empty", e.Message);
    }

    private string Write(string name, byte[] bytes, bool gzip)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
        return path;
    }
}
