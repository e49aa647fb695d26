using System.Formats.Tar;
using System.IO.Compression;
using Iau.Data;
using Iau.Data.Formats;
using Xunit;
using static Iau.Tests.Data.FormatWriters;

namespace Iau.Tests.Data;

public sealed class CifarBinaryReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-cifar-" + Guid.NewGuid().ToString("N"));

    public CifarBinaryReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_Cifar10_RoundTripsExactPixels()
    {
        var samples = CifarBinaryReader.Read(new MemoryStream(Cifar([3, 0, 9])), "data_batch_1.bin", 1, 10);

        Assert.Equal([3, 32, 32], samples.SampleShape);
        Assert.Equal(ExpectedChw(3, 3, 32, 32), samples.Features);
        Assert.Equal([3, 0, 9], samples.Labels);
    }

    [Fact]
    public void Read_Cifar100_UsesFineLabel()
    {
        var bytes = Cifar([99, 5, 42], coarse: [19, 0, 7]);

        var samples = CifarBinaryReader.Read(new MemoryStream(bytes), "train.bin", 2, 100);

        Assert.Equal(ExpectedChw(3, 3, 32, 32), samples.Features);
        Assert.Equal([99, 5, 42], samples.Labels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Read_NonSeekableShortReads_Works(int labelBytes)
    {
        var bytes = labelBytes == 1 ? Cifar([1, 2]) : Cifar([1, 2], coarse: [3, 4]);

        var samples = CifarBinaryReader.Read(Trickle(bytes), "stream.bin", labelBytes, 100);

        Assert.Equal(ExpectedChw(2, 3, 32, 32), samples.Features);
        Assert.Equal([1, 2], samples.Labels);
    }

    [Fact]
    public void ReadFiles_ConcatenatesInGivenOrder()
    {
        var all = Cifar([4, 5, 6]);
        var first = Write("data_batch_1.bin", all[..(2 * 3073)]);
        var second = Write("data_batch_2.bin", all[(2 * 3073)..]);

        var samples = CifarBinaryReader.ReadFiles([first, second], 1, 10);

        Assert.Equal(ExpectedChw(3, 3, 32, 32), samples.Features);
        Assert.Equal([4, 5, 6], samples.Labels);
    }

    [Fact]
    public void ReadFiles_MissingFile_Throws()
    {
        var missing = Path.Combine(_dir, "data_batch_9.bin");

        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.ReadFiles([missing], 1, 10));

        Assert.Contains(missing, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_LengthNotMultipleOfRecord_Throws(bool seekable)
    {
        var bytes = Cifar([1, 2])[..^100];
        var stream = seekable ? new MemoryStream(bytes) : Trickle(bytes);

        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(stream, "short.bin", 1, 10));

        Assert.Contains("short.bin", e.Message);
        Assert.Contains($"size {bytes.Length} bytes", e.Message);
        Assert.Contains("record size 3073", e.Message);
    }

    [Fact]
    public void Read_Cifar100FileAsCifar10_FailsOnRecordSize()
    {
        var path = Write("test.bin", Cifar([1, 2, 3], coarse: [1, 1, 1]));

        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.ReadFiles([path], 1, 10));

        Assert.Contains(path, e.Message);
        Assert.Contains("not a multiple of the record size 3073", e.Message);
    }

    [Theory]
    [InlineData(1, 10, 10)]
    [InlineData(2, 100, 100)]
    [InlineData(1, 10, 255)]
    public void Read_LabelOutOfRange_NamesRecordAndValue(int labelBytes, int classes, int bad)
    {
        var bytes = labelBytes == 1 ? Cifar([1, bad, 2]) : Cifar([1, bad, 2], coarse: [0, 0, 0]);

        var e = Assert.Throws<DataFormatException>(
            () => CifarBinaryReader.Read(new MemoryStream(bytes), "bad.bin", labelBytes, classes));

        Assert.Contains("bad.bin", e.Message);
        Assert.Contains("record 1", e.Message);
        Assert.Contains($"label {bad}", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_Empty_Throws(bool seekable)
    {
        var stream = seekable ? new MemoryStream() : Trickle([]);

        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(stream, "empty.bin", 1, 10));

        Assert.Contains("empty.bin", e.Message);
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void ExtractTarGz_ExtractsRegularFilesOnly()
    {
        var archive = TarGz(
            ("cifar-10-batches-bin/", null, TarEntryType.Directory),
            ("cifar-10-batches-bin/data_batch_1.bin", [1, 2, 3], TarEntryType.RegularFile),
            ("cifar-10-batches-bin/batches.meta.txt", "airplane\n"u8.ToArray(), TarEntryType.RegularFile),
            ("cifar-10-batches-bin/link", null, TarEntryType.SymbolicLink));
        var dest = Path.Combine(_dir, "out");

        CifarBinaryReader.ExtractTarGz(archive, dest);

        var batches = Path.Combine(dest, "cifar-10-batches-bin");
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(batches, "data_batch_1.bin")));
        Assert.Equal("airplane\n", File.ReadAllText(Path.Combine(batches, "batches.meta.txt")));
        Assert.Equal(2, Directory.GetFiles(dest, "*", SearchOption.AllDirectories).Length);
    }

    [Theory]
    [InlineData("../escaped.bin")]
    [InlineData("sub/../../escaped.bin")]
    public void ExtractTarGz_PathTraversal_Throws(string name)
    {
        var archive = TarGz((name, [9], TarEntryType.RegularFile));
        var dest = Path.Combine(_dir, "out");

        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.ExtractTarGz(archive, dest));

        Assert.Contains(archive, e.Message);
        Assert.Contains("outside the destination", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "escaped.bin")));
    }

    [Fact]
    public void ExtractTarGz_AbsolutePath_Throws()
    {
        var outside = Path.Combine(_dir, "absolute.bin");
        var archive = TarGz((outside, [9], TarEntryType.RegularFile));

        var e = Assert.Throws<DataFormatException>(
            () => CifarBinaryReader.ExtractTarGz(archive, Path.Combine(_dir, "out")));

        Assert.Contains("outside the destination", e.Message);
        Assert.False(File.Exists(outside));
    }

    [Fact]
    public void ExtractTarGz_CorruptArchive_Throws()
    {
        var archive = Write("bad.tar.gz", Gzip(Enumerable.Repeat((byte)0x41, 1024).ToArray()));

        var e = Assert.Throws<DataFormatException>(
            () => CifarBinaryReader.ExtractTarGz(archive, Path.Combine(_dir, "out")));

        Assert.Contains(archive, e.Message);
    }

    [Fact]
    public void ExtractTarGz_NotGzip_Throws()
    {
        var archive = Write("plain.tar.gz", Enumerable.Repeat((byte)0x41, 1024).ToArray());

        var e = Assert.Throws<DataFormatException>(
            () => CifarBinaryReader.ExtractTarGz(archive, Path.Combine(_dir, "out")));

        Assert.Contains(archive, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string TarGz(params (string Name, byte[]? Content, TarEntryType Type)[] entries)
    {
        var path = Path.Combine(_dir, "archive-" + Guid.NewGuid().ToString("N") + ".tar.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content, type) in entries)
            {
                var entry = new PaxTarEntry(type, name);
                if (type == TarEntryType.SymbolicLink)
                {
                    entry.LinkName = "data_batch_1.bin";
                }

                if (content is not null)
                {
                    entry.DataStream = new MemoryStream(content);
                }

                tar.WriteEntry(entry);
            }
        }

        return path;
    }
}
